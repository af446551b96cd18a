"""Pages for reading and writing posts: the home page's list, a post's page (with its
author's edit and delete forms) and the new post form."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from inkwell.dependencies import DbReader, DbSession, PageParams, ResourceId
from inkwell.posts import service as posts
from inkwell.web.common import Viewer, page_router, render, sign_in_first

router = page_router()


@router.get("/")
async def home(
    request: Request, viewer: Viewer, reader: DbReader, page: PageParams
) -> HTMLResponse:
    found = await posts.list_posts(reader, skip=page.skip, limit=page.limit)
    context = {"page": found, "api_url": "/api/posts"}
    return render(request, "post_list.html", context, current_user=viewer)


@router.get("/posts/new", response_model=None)
async def new_post(request: Request, viewer: Viewer) -> HTMLResponse | RedirectResponse:
    """The form sends only title and content: the API takes the author from the session."""
    if viewer is None:
        return sign_in_first(request)
    return render(request, "new_post.html", current_user=viewer)


@router.get("/posts/{post_id}")
async def post_page(
    request: Request, post_id: ResourceId, viewer: Viewer, session: DbSession
) -> HTMLResponse:
    """Its author also gets the edit and delete forms."""
    post = await posts.get_post(session, post_id)
    return render(request, "post.html", {"post": post}, current_user=viewer)
