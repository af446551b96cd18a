"""Pages about one user: their page at `/@username`, with their profile and posts."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from inkwell.dependencies import DbReader, PageParams, ResourceId
from inkwell.posts import service as posts
from inkwell.users import service as users
from inkwell.users.rows import author_path
from inkwell.web.common import Viewer, moved_permanently, page_router, render

router = page_router()


@router.get("/@{username}", response_model=None)
async def author_page(
    request: Request, username: str, viewer: Viewer, reader: DbReader, page: PageParams
) -> HTMLResponse | RedirectResponse:
    """The path arrives percent-decoded (`/@%CE%9F%CE%94` is `/@ΟΔ`); a name written
    another way (`/@Alice` for alice) moves to the one the user chose. Their follower and
    following counts, and for a signed-in reader a Follow or Unfollow button."""
    viewer_id = viewer.id if viewer is not None else None
    author = await users.get_profile_by_username(reader, username, viewer_id)
    if username != author.username:
        return moved_permanently(request, author_path(author.username))
    found = await posts.list_posts(
        reader, skip=page.skip, limit=page.limit, author_id=author.id, viewer_id=viewer_id
    )
    context = {"page": found, "api_url": f"/api/users/{author.id}/posts", "author": author}
    return render(request, "post_list.html", context, current_user=viewer)


@router.get("/users/{user_id}/posts")
async def user_posts(
    request: Request, user_id: ResourceId, viewer: Viewer, reader: DbReader
) -> RedirectResponse:
    """The old address of a user's page (the viewer is for its error page)."""
    author = await users.get_profile(reader, user_id)
    return moved_permanently(request, author_path(author.username))
