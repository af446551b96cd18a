"""Pages for reading and writing posts: the home page's list (everyone's, or the writers the
reader follows), a post's page at its readable address (with its comments, and its author's
edit and delete forms), the new post form, the author's drafts and a tag's posts. Deleting
a post is a plain form (it works without JavaScript), its author's or an admin's."""

import re
from typing import Annotated

from fastapi import Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.dependencies import DbReader, DbSession, ResourceId
from inkwell.errors import NotFound
from inkwell.feeds import service as feeds
from inkwell.media.dependencies import MediaChanges
from inkwell.moderation import service as moderation
from inkwell.pagination import (
    TIME_AND_ID,
    drafts_listing,
    feed_listing,
    posts_listing,
)
from inkwell.posts import service as posts
from inkwell.posts.models import post_path
from inkwell.posts.rows import ListedPost
from inkwell.posts.slugs import tag_name
from inkwell.schemas import MAX_ID
from inkwell.users.rows import Account, author_path
from inkwell.web.cards import cards
from inkwell.web.common import (
    BackField,
    PageQuery,
    Viewer,
    local_path,
    moved_permanently,
    page_router,
    render,
    sign_in_first,
)
from inkwell.web.conversation import FormUser
from inkwell.web.paging import links
from inkwell.web.post_page import render_post

router = page_router()
# A comment's link: the post's page that shows it (see post_page).
CommentParam = Annotated[int | None, Query(ge=1, le=MAX_ID)]

# The tags the home page shows, most used first.
HOME_TAGS = 12
# `42-a-readable-title`, or the bare id: what a post's page may be asked by.
_POST_ADDRESS = re.compile(r"(?P<id>[0-9]{1,10})(?:-(?P<slug>.*))?")


@router.get("/")
async def home(request: Request, viewer: Viewer, reader: DbReader, page: PageQuery) -> HTMLResponse:
    """The newest posts, a page at a time: "Older posts" (or "Load more") goes by cursor."""
    viewer_id = viewer.id if viewer is not None else None
    name = posts_listing(None)
    found = await posts.list_posts(
        reader,
        skip=page.skip,
        limit=page.limit,
        viewer_id=viewer_id,
        bodies=False,
        after=page.after(name, TIME_AND_ID),
        popular_tags=HOME_TAGS,
    )
    context = {
        "page": found,
        "cards": cards(found.posts),
        "paging": links(page, name, found.after),
        "api_url": "/api/posts",
        "tags": found.popular_tags,
        "home": "everyone",
    }
    return render(request, "post_list.html", context, current_user=viewer)


@router.get("/following", response_model=None)
async def following(
    request: Request, viewer: Viewer, reader: DbReader, page: PageQuery
) -> HTMLResponse | RedirectResponse:
    """The home page's other tab: the posts of the writers the reader follows."""
    if viewer is None:
        return sign_in_first(request)
    name = feed_listing(viewer.id)
    after = page.after(name, TIME_AND_ID)
    found = await feeds.list_feed(
        reader, viewer.id, skip=page.skip, limit=page.limit, bodies=False, after=after
    )
    context = {
        "page": found,
        "cards": cards(found.posts),
        "paging": links(page, name, found.after),
        "api_url": "/api/feed",
        "tags": [],
        "home": "following",
    }
    return render(request, "post_list.html", context, current_user=viewer)


@router.get("/posts/new", response_model=None)
async def new_post(request: Request, viewer: Viewer) -> HTMLResponse | RedirectResponse:
    """The form sends title, content, tags and status: the API takes the author from the
    session."""
    if viewer is None:
        return sign_in_first(request)
    return render(request, "new_post.html", current_user=viewer)


@router.get("/drafts", response_model=None)
async def drafts(
    request: Request, viewer: Viewer, reader: DbReader, page: PageQuery
) -> HTMLResponse | RedirectResponse:
    """The signed-in author's drafts, last edited first; no one else's, ever."""
    if viewer is None:
        return sign_in_first(request)
    name = drafts_listing(viewer.id)
    found = await posts.list_posts(
        reader,
        skip=page.skip,
        limit=page.limit,
        author_id=viewer.id,
        drafts=True,
        bodies=False,
        after=page.after(name, TIME_AND_ID),
    )
    context = {
        "page": found,
        "cards": cards(found.posts),
        "paging": links(page, name, found.after),
        "api_url": "/api/users/me/drafts",
        "drafts": True,
    }
    return render(request, "post_list.html", context, current_user=viewer)


# What the post page says after a Report form came back to it (`?reported=`).
_REPORTED_NOTICES = {
    "post": "Thank you: the moderators will look at this post.",
    "comment": "Thank you: the moderators will look at the comment.",
}


@router.get("/posts/{address}", response_model=None)
async def post_page(
    request: Request,
    *,
    address: str,
    viewer: Viewer,
    reader: DbReader,
    page: PageQuery,
    comment: CommentParam = None,
    reported: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse | RedirectResponse:
    """At `/posts/{id}-{slug}`; the bare id or a stale slug moves there for good. A draft is
    its author's alone: anyone else finds nothing, at any address. Its author also gets
    the edit, publish and delete forms. Under a published post, its comments, a page at a
    time (`?skip=`, deeper `?cursor=`; web/post_page.py). `?comment=N` (a comment's link,
    with its `#comment-N`) opens the page of comments that shows it, wherever it is. After
    a Report form (`?reported=post` or `comment`), it thanks the reader. A post whose
    author is suspended is found by admins alone, marked hidden, its page kept by no one
    and listed by no search engine, without its comments (it has none to anyone)."""
    match = _POST_ADDRESS.fullmatch(address)
    if match is None or not 1 <= int(match["id"]) <= MAX_ID:
        raise HTTPException(status.HTTP_404_NOT_FOUND)  # no post's address: the plain 404
    post, hidden = await _post_shown(reader, int(match["id"]), viewer)
    canonical = post_path(post["id"], post["slug"])
    if f"/posts/{address}" != canonical:  # a stale slug, none, or the id written as 0201
        return moved_permanently(request, canonical)
    if "skip" in request.query_params:  # a page asked for wins over a comment's
        comment = None
    notice = _REPORTED_NOTICES.get(reported) if viewer is not None else None
    return await render_post(
        request,
        reader=reader,
        viewer=viewer,
        post=post,
        page=page,
        comment=comment,
        notice=notice,
        hidden=hidden,
    )


async def _post_shown(
    reader: DbReader, post_id: int, viewer: Account | None
) -> tuple[ListedPost, bool]:
    """The post the page shows, and whether it is hidden from everyone else: an admin who
    follows a report to a post whose author is suspended still sees what was reported."""
    viewer_id = viewer.id if viewer is not None else None
    try:
        return await posts.get_listed_post(reader, post_id, viewer_id), False
    except NotFound:
        if viewer is None or not viewer.is_admin:
            raise
    return await posts.get_listed_post(reader, post_id, viewer_id, suspended=True), True


@router.post("/posts/{post_id:int}/delete", response_model=None)
async def delete_post(
    *,
    post_id: ResourceId,
    user: FormUser,
    session: DbSession,
    changes: MediaChanges,
    back: BackField = "",
) -> RedirectResponse:
    """The post page's Delete, confirmed first in a <details> (its author's, or an admin's,
    which the audit log records). Then to the author's page, which no longer lists the post
    and says it is deleted (`?deleted=post`): the post's own page would be a 404. The
    reports page's Delete names itself (`next`) to come back to."""
    author = (await moderation.delete_post(session, changes, user, post_id)).author.username
    after = local_path(back, default=f"{author_path(author)}?deleted=post")
    return RedirectResponse(after, status_code=HTTP_303_SEE_OTHER)


@router.get("/tags/{tag}", response_model=None)
async def tag_page(
    request: Request, tag: str, viewer: Viewer, reader: DbReader, page: PageQuery
) -> HTMLResponse | RedirectResponse:
    """A tag's published posts; `/tags/Python` moves to `/tags/python`."""
    try:
        name = tag_name(tag)
    except ValueError:
        raise NotFound("No posts have this tag") from None
    if name != tag:
        return moved_permanently(request, f"/tags/{name}")
    viewer_id = viewer.id if viewer is not None else None
    listing = posts_listing(name)
    found = await posts.list_posts(
        reader,
        skip=page.skip,
        limit=page.limit,
        tag=name,
        viewer_id=viewer_id,
        bodies=False,
        after=page.after(listing, TIME_AND_ID),
    )
    if found.total == 0:
        raise NotFound("No posts have this tag")
    context = {
        "page": found,
        "cards": cards(found.posts),
        "paging": links(page, listing, found.after),
        "api_url": f"/api/posts?tag={name}",
        "tag": name,
    }
    return render(request, "post_list.html", context, current_user=viewer)
