"""Pages about one user: their page at `/@username`, with their profile and posts."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from inkwell.auth.cookies import csrf_field_value
from inkwell.dependencies import DbReader, ResourceId
from inkwell.pagination import TIME_AND_ID, author_listing
from inkwell.posts import service as posts
from inkwell.users import service as users
from inkwell.users.rows import author_path
from inkwell.web.cards import cards
from inkwell.web.common import PageQuery, Viewer, moved_permanently, page_router, render
from inkwell.web.paging import links

router = page_router()

# What the page says after a form that came back to it (`?deleted=`); others are ignored.
_DELETED_NOTICES = {"post": "The post is deleted."}


@router.get("/@{username}", response_model=None)
async def author_page(
    request: Request,
    username: str,
    *,
    viewer: Viewer,
    reader: DbReader,
    page: PageQuery,
    deleted: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse | RedirectResponse:
    """The path arrives percent-decoded (`/@%CE%9F%CE%94` is `/@ΟΔ`); a name written
    another way (`/@Alice` for alice) moves to the one the user chose. Their follower and
    following counts, and for a signed-in reader a Follow or Unfollow button. A suspended
    user's page does not exist, but to admins, who find the Suspend (or Unsuspend) button
    here (not on an admin's page: no one may suspend an admin) and their posts, each
    leading to its page marked hidden, where an admin may delete it. After a post's deletion
    (`?deleted=post`) it says so to the two who may delete it, the author and an admin; to
    anyone else the page is as ever."""
    viewer_id = None if viewer is None else viewer.id
    admin = viewer is not None and viewer.is_admin
    author = await users.get_profile_by_username(reader, username, viewer_id, suspended=admin)
    if username != author.username:
        return moved_permanently(request, author_path(author.username))
    name = author_listing(author.id)
    found = await posts.list_posts(
        reader,
        skip=page.skip,
        limit=page.limit,
        author_id=author.id,
        viewer_id=viewer_id,
        bodies=False,
        after=page.after(name, TIME_AND_ID),
        suspended=admin,
    )
    context = {
        "page": found,
        "cards": cards(found.posts),
        "paging": links(page, name, found.after),
        # The API lists no suspended author's posts: an admin opens their older ones as pages.
        "api_url": None if author.suspended_at else f"/api/users/{author.id}/posts",
        "author": author,
        "admin_csrf": csrf_field_value(request) if admin and not author.admin else None,
        "notice": _DELETED_NOTICES.get(deleted) if admin or author.id == viewer_id else None,
    }
    return render(request, "post_list.html", context, current_user=viewer)


@router.get("/users/{user_id}/posts")
async def user_posts(
    request: Request, user_id: ResourceId, viewer: Viewer, reader: DbReader
) -> RedirectResponse:
    """The old address of a user's page (the viewer is for its error page)."""
    author = await users.get_profile(reader, user_id)
    return moved_permanently(request, author_path(author.username))
