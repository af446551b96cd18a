"""What a post's page shows: for its route (web/posts.py), and again for one of its plain
forms refused (web/conversation.py), which then shows the page with what was typed in it
kept and the problem above it, so that nothing typed is lost."""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from fastapi import Request
from fastapi.responses import HTMLResponse

from inkwell.comments import service as comments
from inkwell.comments.rows import ListedComment
from inkwell.db import Reader, utcnow
from inkwell.dependencies import Page
from inkwell.pagination import TIME_AND_ID, comments_listing
from inkwell.posts.models import PUBLISHED
from inkwell.posts.rows import ListedAuthor, ListedPost
from inkwell.users.rows import Account
from inkwell.web.common import render
from inkwell.web.paging import links


@dataclass(frozen=True, slots=True)
class Told:
    """A plain form of the post page answered by the page itself: which form (`comment`,
    or a report's `report-post-3`, `report-comment-7`), its problem, and what was typed."""

    form: str
    problem: str
    typed: str


async def render_post(
    request: Request,
    *,
    reader: Reader,
    viewer: Account | None,
    post: ListedPost,
    page: Page,
    comment: int | None = None,
    notice: str | None = None,
    told: Told | None = None,
    back: str | None = None,
    hidden: bool = False,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The post, and under a published one its comments, oldest first, a page at a time:
    the post and the page of comments, two statements however many comments and likes it
    has. `comment` (a comment's id) opens the page of comments that shows it: one more.
    A refused form's answer is at the form's address: `back` is then the page it was on,
    where the page's forms come back to. A `hidden` post (its author suspended, shown to an
    admin) has no comments, as to anyone else, and no search engine may list it."""
    listing, blank, paging = None, None, None
    if post["status"] == PUBLISHED and not hidden:  # a draft takes no comments
        name = comments_listing(post["id"])
        after = page.after(name, TIME_AND_ID)
        if comment is not None and after is None:
            skip = await comments.page_showing(reader, post["id"], comment, per_page=page.limit)
            page = replace(page, skip=skip)
        listing = await comments.list_comments(
            reader, post["id"], skip=page.skip, limit=page.limit, after=after
        )
        paging = links(page, name, listing.after, by_offset=True)
        if viewer is not None and not listing.has_more:
            blank = _blank_comment(viewer)
    context = {
        "post": post,
        "comments": listing,
        "paging": paging,
        "blank_comment": blank,
        "notice": notice,
        "told": told,
        "hidden": hidden,
        **({"back": back} if back is not None else {}),
    }
    if hidden:
        headers = {**(headers or {}), "X-Robots-Tag": "noindex"}
    return render(
        request,
        "post.html",
        context,
        current_user=viewer,
        status_code=status_code,
        headers=headers,
    )


def _blank_comment(viewer: Account) -> ListedComment:
    """The viewer's next comment, numbered 0 and saying nothing: what conversation.js clones
    and fills for a comment added on the last page of comments, where it shows."""
    now = utcnow()
    byline: ListedAuthor = {
        "id": viewer.id,
        "username": viewer.username,
        "image_file": viewer.image_file,
        "display_name": viewer.display_name,
    }
    return {
        "id": 0,
        "post_id": 0,
        "body": "",
        "body_html": "",
        "created_at": now,
        "updated_at": now,
        "author": byline,
    }
