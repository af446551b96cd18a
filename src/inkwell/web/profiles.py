"""Pages about one user: the list of their posts."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from inkwell.dependencies import DbReader, PageParams, ResourceId
from inkwell.posts import service as posts
from inkwell.users import service as users
from inkwell.web.common import Viewer, page_router, render

router = page_router()


@router.get("/users/{user_id}/posts")
async def user_posts(
    request: Request,
    user_id: ResourceId,
    viewer: Viewer,
    reader: DbReader,
    page: PageParams,
) -> HTMLResponse:
    author = await users.get_profile(reader, user_id)
    found = await posts.list_posts(reader, skip=page.skip, limit=page.limit, author_id=author.id)
    context = {"page": found, "api_url": f"/api/users/{author.id}/posts", "author": author}
    return render(request, "post_list.html", context, current_user=viewer)
