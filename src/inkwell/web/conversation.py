"""The conversation's plain forms, so that liking, commenting, following and reporting work
without JavaScript. Each checks the form's CSRF field, spends from the account's write budget
as the API does, calls the service the API calls, and sends the browser back (303) to the
page the form was on (its `next` field, a path on this site) or to the comment it wrote.
conversation.js sends the first three to the JSON API instead, without a reload; a report,
rare, is a plain form everywhere. A comment or a report over the account's budget, or
whose budget cannot be read while the limits' store is down, loses nothing: the post's page
comes again (429 or 503, with its Retry-After), the form holding what was typed and saying
when it may be sent.

A visitor who is not signed in (their page has no CSRF token to send) goes to the login
page, which brings them back to that page: the sender's dependencies (`FormSender`,
`FormUser`, `_budget`) say so once for every route.
"""

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BeforeValidator, TypeAdapter, ValidationError
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.auth.dependencies import AppSettings, form_user
from inkwell.comments import service as comments
from inkwell.comments.models import BODY_MAX_LENGTH, Comment
from inkwell.comments.schemas import Body
from inkwell.db import Reader
from inkwell.dependencies import DbReader, DbSession, Page, ResourceId, cursors_for
from inkwell.errors import BadRequest, ServiceUnavailable, TooManyRequests, wait_in_words
from inkwell.field_errors import field_error
from inkwell.follows import service as follows
from inkwell.likes import service as likes
from inkwell.moderation import service as moderation
from inkwell.moderation.models import REASON_MAX_LENGTH
from inkwell.moderation.schemas import Reason
from inkwell.notifications.dependencies import NotificationOutbox
from inkwell.pagination import MAX_SKIP, PAGE_SIZE, comments_listing
from inkwell.posts import service as posts
from inkwell.users import service as users
from inkwell.users.models import User
from inkwell.users.rows import Account
from inkwell.web.common import (
    BackField,
    CsrfField,
    SignInFirst,
    local_path,
    page_router,
    sign_in_first,
)
from inkwell.web.post_page import Told, render_post

router = page_router()


def _as_typed(text: object) -> object:
    """A textarea's text as typed: the browser sends each line break as CRLF, which the
    textarea's maxlength counted as one character, as the API's limits do."""
    return text.replace("\r\n", "\n") if isinstance(text, str) else text


# What a textarea sent, held to its length as typed (a full one is not refused, and lost).
AsTyped = BeforeValidator(_as_typed)
CommentField = Annotated[str, AsTyped, Form(alias="body", max_length=BODY_MAX_LENGTH)]
ReasonField = Annotated[str, AsTyped, Form(max_length=REASON_MAX_LENGTH)]
_BODY: TypeAdapter[str] = TypeAdapter(Body)
_REASON: TypeAdapter[str] = TypeAdapter(Reason)
# The page of a post's comments a comment is shown on: the post page's default page size.
COMMENTS_PER_PAGE = PAGE_SIZE


async def _form_sender(
    request: Request, back: BackField = "/", csrf_token: CsrfField = ""
) -> Account:
    """Who sent the form (its CSRF field checked); a visitor who is not signed in is sent to
    sign in first, then back to the form's page."""
    account = await form_user(request, csrf_token)
    if account is None:
        raise SignInFirst(sign_in_first(request, back))
    return account


FormSender = Annotated[Account, Depends(_form_sender)]


async def _form_user(sender: FormSender, session: DbSession) -> User:
    """The sender, loaded into the request's session: for the services that take a `User`."""
    return await users.get_user(session, sender.id)


FormUser = Annotated[User, Depends(_form_user)]


def _budget(write: str) -> Any:
    """The sender's budget for the route's write: the one the API spends from."""
    return Depends(write_limit(write, writer=_form_sender))


def _back(path: str, fragment: str = "") -> RedirectResponse:
    return RedirectResponse(local_path(path) + fragment, status_code=HTTP_303_SEE_OTHER)


def _with_query(path: str, query: str) -> str:
    """`path` (a page's address, its own query kept) with `query` added."""
    return f"{path}{'&' if '?' in path else '?'}{query}"


def _checked(field: str, adapter: TypeAdapter[str], value: str) -> str:
    """A form's field held to the API's rule for it; refused, a page's 400 in the API's
    plain words for that field (field_errors)."""
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        problem = field_error({**exc.errors()[0], "loc": ("body", field)})
        raise BadRequest(problem.message) from None


async def _to_comment(request: Request, session: DbSession, comment: Comment) -> RedirectResponse:
    """The post's page that shows the comment, scrolled to it: the page of comments it is
    on, or past MAX_SKIP comments, the page by cursor that starts with it."""
    post = await posts.get_post(session, comment.post_id)
    skip = await comments.comments_before(session, comment) // COMMENTS_PER_PAGE
    query = f"?skip={skip * COMMENTS_PER_PAGE}" if skip else ""
    if skip * COMMENTS_PER_PAGE > MAX_SKIP:
        cursors = cursors_for(request)
        before = await comments.position_before(session, comment)
        query = f"?cursor={cursors.encode(comments_listing(post.id), before)}"
    return RedirectResponse(
        f"{post.url}{query}#comment-{comment.id}", status_code=HTTP_303_SEE_OTHER
    )


@router.post("/posts/{post_id:int}/like", response_model=None)
async def like(
    *,
    post_id: ResourceId,
    sender: FormSender,
    budget: Annotated[WriteBudget, _budget("likes")],
    session: DbSession,
    back: BackField = "/",
) -> RedirectResponse:
    await budget.spend()
    await likes.like(session, sender.id, post_id)
    return _back(back, f"#post-{post_id}")


@router.post("/posts/{post_id:int}/unlike", response_model=None)
async def unlike(
    *, post_id: ResourceId, sender: FormSender, session: DbSession, back: BackField = "/"
) -> RedirectResponse:
    await likes.unlike(session, sender.id, post_id)
    return _back(back, f"#post-{post_id}")


# Why a form's budget refused it: spent, or not known while the limits' store is down.
Refusal = TooManyRequests | ServiceUnavailable


async def _over_budget(
    request: Request,
    *,
    reader: Reader,
    sender: Account,
    post_id: int,
    comment_id: int | None = None,
    told: Told,
    refusal: Refusal,
    back: str,
) -> HTMLResponse:
    """A form over the sender's budget, or whose budget cannot be read (the limits' store
    is down): its post's page again (429 or 503, its Retry-After), at the comment
    `comment_id`, the form showing what was typed and when it may be sent."""
    post = await posts.get_listed_post(reader, post_id, sender.id)
    page = Page(0, COMMENTS_PER_PAGE, None, cursors_for(request))
    return await render_post(
        request,
        reader=reader,
        viewer=sender,
        post=post,
        page=page,
        comment=comment_id,
        told=told,
        back=local_path(back),
        status_code=refusal.status_code,
        headers=refusal.headers,
    )


def _wait_for(refusal: Refusal, writes: str) -> str:
    """What a refused form says: why, that what was written is kept, and when to send it."""
    if isinstance(refusal, TooManyRequests):
        why = f"Too many {writes} from your account for now."
    else:
        why = f"{writes.capitalize()} cannot be taken just now."
    wait = wait_in_words(refusal.retry_after)
    return f"{why} What you wrote is kept here: you can send it again in {wait}."


@router.post("/posts/{post_id:int}/comments", response_model=None)
async def add_comment(
    request: Request,
    *,
    post_id: ResourceId,
    body: CommentField,
    author: FormUser,
    sender: FormSender,
    budget: Annotated[WriteBudget, _budget("comments")],
    session: DbSession,
    reader: DbReader,
    outbox: NotificationOutbox,
    back: BackField = "/",
) -> HTMLResponse | RedirectResponse:
    """Over the budget, the post's page again, the comment kept in the form."""
    said = _checked("body", _BODY, body)  # the form's own check: refused, it spends nothing
    try:
        await budget.spend()
    except (TooManyRequests, ServiceUnavailable) as refusal:
        told = Told("comment", _wait_for(refusal, "comments"), body)
        return await _over_budget(
            request,
            reader=reader,
            sender=sender,
            post_id=post_id,
            told=told,
            refusal=refusal,
            back=back,
        )
    comment = await comments.add_comment(session, author, post_id, said, outbox=outbox)
    return await _to_comment(request, session, comment)


@router.post("/comments/{comment_id:int}/edit", response_model=None)
async def edit_comment(
    request: Request,
    *,
    comment_id: ResourceId,
    body: CommentField,
    user: FormUser,
    session: DbSession,
) -> RedirectResponse:
    said = _checked("body", _BODY, body)
    comment = await comments.edit_comment(session, user, comment_id, said)
    return await _to_comment(request, session, comment)


@router.post("/comments/{comment_id:int}/delete", response_model=None)
async def delete_comment(
    *, comment_id: ResourceId, user: FormUser, session: DbSession, back: BackField = "/"
) -> RedirectResponse:
    """Back to the post's page at its comments, or to the page that sent it (the reports
    page's Delete)."""
    await comments.delete_comment(session, user, comment_id)
    return _back(back, "#comments" if back.startswith("/posts/") else "")


@router.post("/users/{user_id:int}/follow", response_model=None)
async def follow(
    *,
    user_id: ResourceId,
    sender: FormSender,
    budget: Annotated[WriteBudget, _budget("follows")],
    session: DbSession,
    settings: AppSettings,
    back: BackField = "/",
) -> RedirectResponse:
    await budget.spend()
    quiet = timedelta(hours=settings.follow_notification_quiet_hours)
    await follows.follow(session, sender.id, user_id, notification_quiet=quiet)
    return _back(back)


@router.post("/users/{user_id:int}/unfollow", response_model=None)
async def unfollow(
    *, user_id: ResourceId, sender: FormSender, session: DbSession, back: BackField = "/"
) -> RedirectResponse:
    await follows.unfollow(session, sender.id, user_id)
    return _back(back)


@router.post("/{kind}/{target_id:int}/report", response_model=None)
async def report(
    request: Request,
    *,
    kind: Literal["posts", "comments"],
    target_id: ResourceId,
    reason: ReasonField,
    reporter: FormUser,
    sender: FormSender,
    budget: Annotated[WriteBudget, _budget("reports")],
    session: DbSession,
    reader: DbReader,
    back: BackField = "/",
) -> HTMLResponse | RedirectResponse:
    """A post's or a comment's Report form; back on the page, which thanks the reader. Over
    the budget, the post's page again, at the comment, the reason kept in the form."""
    said = _checked("reason", _REASON, reason)
    try:
        await budget.spend()
    except (TooManyRequests, ServiceUnavailable) as refusal:
        form = f"report-{kind.removesuffix('s')}-{target_id}"
        on_post = target_id if kind == "posts" else await comments.post_of(reader, target_id)
        return await _over_budget(
            request,
            reader=reader,
            sender=sender,
            post_id=on_post,
            comment_id=None if kind == "posts" else target_id,
            told=Told(form, _wait_for(refusal, "reports"), reason),
            refusal=refusal,
            back=back,
        )
    post_id, comment_id = (target_id, None) if kind == "posts" else (None, target_id)
    await moderation.report(session, reporter, post_id=post_id, comment_id=comment_id, reason=said)
    return _back(_with_query(back, f"reported={kind.removesuffix('s')}"), "#reported")
