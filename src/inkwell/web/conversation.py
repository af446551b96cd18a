"""The conversation's plain forms, so that liking, commenting and following work without
JavaScript. Each checks the form's CSRF field, spends from the account's write budget as the
API does, calls the service the API calls, and sends the browser back (303) to the page the
form was on (its `next` field, a path on this site) or to the comment it wrote.
conversation.js sends the same actions to the JSON API instead, without a reload.

A visitor who is not signed in (their page has no CSRF token to send) goes to the login
page, which brings them back to that page.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.auth.dependencies import AppSettings, form_user
from inkwell.comments import service as comments
from inkwell.comments.models import BODY_MAX_LENGTH, Comment
from inkwell.comments.schemas import CommentWrite
from inkwell.dependencies import DbSession, ResourceId
from inkwell.errors import BadRequest
from inkwell.follows import service as follows
from inkwell.likes import service as likes
from inkwell.notifications.dependencies import NotificationOutbox
from inkwell.pagination import MAX_SKIP, PAGE_SIZE, Cursors, comments_listing
from inkwell.posts import service as posts
from inkwell.state import state_of
from inkwell.users import service as users
from inkwell.users.rows import Account
from inkwell.web.common import BackField, CsrfField, local_path, page_router, sign_in_first

router = page_router()

CommentField = Annotated[str, Form(alias="body", max_length=BODY_MAX_LENGTH)]
# The page of a post's comments a comment is shown on: the post page's default page size.
COMMENTS_PER_PAGE = PAGE_SIZE


async def _writer(request: Request, csrf_token: str, write: str) -> Account | None:
    """Who sent the form (None: not signed in), once their budget for `write` allows it."""
    account = await form_user(request, csrf_token)
    if account is not None:
        await state_of(request)["write_limits"].spend(write, account.id)
    return account


def _back(path: str, fragment: str = "") -> RedirectResponse:
    return RedirectResponse(local_path(path) + fragment, status_code=HTTP_303_SEE_OTHER)


def _said(body: str) -> str:
    """The API's rule for a comment's body, with a page's 400 for a body that says nothing."""
    try:
        return CommentWrite(body=body).body
    except ValidationError:
        raise BadRequest("A comment needs a few words (blank ones do not count).") from None


async def _to_comment(request: Request, session: DbSession, comment: Comment) -> RedirectResponse:
    """The post's page that shows the comment, scrolled to it: the page of comments it is
    on, or past MAX_SKIP comments, the page by cursor that starts with it."""
    post = await posts.get_post(session, comment.post_id)
    skip = await comments.comments_before(session, comment) // COMMENTS_PER_PAGE
    query = f"?skip={skip * COMMENTS_PER_PAGE}" if skip else ""
    if skip * COMMENTS_PER_PAGE > MAX_SKIP:
        cursors = Cursors.from_secret(state_of(request)["settings"].signing_key)
        before = await comments.position_before(session, comment)
        query = f"?cursor={cursors.encode(comments_listing(post.id), before)}"
    return RedirectResponse(
        f"{post.url}{query}#comment-{comment.id}", status_code=HTTP_303_SEE_OTHER
    )


@router.post("/posts/{post_id:int}/like", response_model=None)
async def like(
    request: Request,
    *,
    post_id: ResourceId,
    session: DbSession,
    back: BackField = "/",
    csrf_token: CsrfField = "",
) -> RedirectResponse:
    account = await _writer(request, csrf_token, "likes")
    if account is None:
        return sign_in_first(request, back)
    await likes.like(session, account.id, post_id)
    return _back(back, f"#post-{post_id}")


@router.post("/posts/{post_id:int}/unlike", response_model=None)
async def unlike(
    request: Request,
    *,
    post_id: ResourceId,
    session: DbSession,
    back: BackField = "/",
    csrf_token: CsrfField = "",
) -> RedirectResponse:
    account = await form_user(request, csrf_token)
    if account is None:
        return sign_in_first(request, back)
    await likes.unlike(session, account.id, post_id)
    return _back(back, f"#post-{post_id}")


@router.post("/posts/{post_id:int}/comments", response_model=None)
async def add_comment(
    request: Request,
    *,
    post_id: ResourceId,
    body: CommentField,
    session: DbSession,
    outbox: NotificationOutbox,
    back: BackField = "/",
    csrf_token: CsrfField = "",
) -> RedirectResponse:
    account = await _writer(request, csrf_token, "comments")
    if account is None:
        return sign_in_first(request, back)
    author = await users.get_user(session, account.id)
    comment = await comments.add_comment(session, author, post_id, _said(body), outbox=outbox)
    return await _to_comment(request, session, comment)


@router.post("/comments/{comment_id:int}/edit", response_model=None)
async def edit_comment(
    request: Request,
    *,
    comment_id: ResourceId,
    body: CommentField,
    session: DbSession,
    back: BackField = "/",
    csrf_token: CsrfField = "",
) -> RedirectResponse:
    account = await form_user(request, csrf_token)
    if account is None:
        return sign_in_first(request, back)
    user = await users.get_user(session, account.id)
    comment = await comments.edit_comment(session, user, comment_id, _said(body))
    return await _to_comment(request, session, comment)


@router.post("/comments/{comment_id:int}/delete", response_model=None)
async def delete_comment(
    request: Request,
    *,
    comment_id: ResourceId,
    session: DbSession,
    back: BackField = "/",
    csrf_token: CsrfField = "",
) -> RedirectResponse:
    account = await form_user(request, csrf_token)
    if account is None:
        return sign_in_first(request, back)
    user = await users.get_user(session, account.id)
    await comments.delete_comment(session, user, comment_id)
    return _back(back, "#comments")


@router.post("/users/{user_id:int}/follow", response_model=None)
async def follow(
    request: Request,
    *,
    user_id: ResourceId,
    session: DbSession,
    settings: AppSettings,
    back: BackField = "/",
    csrf_token: CsrfField = "",
) -> RedirectResponse:
    account = await _writer(request, csrf_token, "follows")
    if account is None:
        return sign_in_first(request, back)
    quiet = timedelta(hours=settings.follow_notification_quiet_hours)
    await follows.follow(session, account.id, user_id, notification_quiet=quiet)
    return _back(back)


@router.post("/users/{user_id:int}/unfollow", response_model=None)
async def unfollow(
    request: Request,
    *,
    user_id: ResourceId,
    session: DbSession,
    back: BackField = "/",
    csrf_token: CsrfField = "",
) -> RedirectResponse:
    account = await form_user(request, csrf_token)
    if account is None:
        return sign_in_first(request, back)
    await follows.unfollow(session, account.id, user_id)
    return _back(back)
