"""Pages about one's notifications: the list with "Mark all read" (a plain form, so it
works without JavaScript), and the page an email's unsubscribe link opens."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.auth.dependencies import form_user
from inkwell.dependencies import DbReader, DbSession
from inkwell.notifications import service as notifications
from inkwell.notifications.dependencies import NotificationOutbox
from inkwell.notifications.emails import UNSUBSCRIBE_TOKEN_MAX_LENGTH
from inkwell.pagination import ID, after_id, notifications_listing
from inkwell.users import service as users
from inkwell.web.common import CsrfField, PageQuery, Viewer, page_router, render, sign_in_first
from inkwell.web.paging import links

router = page_router()

UnsubscribeToken = Annotated[str, Query(max_length=UNSUBSCRIBE_TOKEN_MAX_LENGTH)]


@router.get("/notifications", response_model=None)
async def notifications_page(
    request: Request, viewer: Viewer, reader: DbReader, page: PageQuery
) -> HTMLResponse | RedirectResponse:
    if viewer is None:
        return sign_in_first(request)
    name = notifications_listing(viewer.id)
    (after,) = page.after(name, ID) or (None,)
    listing = await notifications.list_notifications(
        reader, viewer.id, skip=page.skip, limit=page.limit, after=after
    )
    paging = links(page, name, after_id(listing.after), by_offset=True)
    context = {"page": listing, "paging": paging}
    return render(request, "notifications.html", context, current_user=viewer)


@router.post("/notifications/read", response_model=None)
async def mark_all_read(
    request: Request, csrf_token: CsrfField, session: DbSession
) -> RedirectResponse:
    """The "Mark all read" form: back to the list, where the badge is gone."""
    account = await form_user(request, csrf_token)
    if account is None:
        return sign_in_first(request)
    await notifications.mark_read(session, account.id, None)
    return RedirectResponse("/notifications", status_code=HTTP_303_SEE_OTHER)


@router.get("/unsubscribe")
async def unsubscribe(
    request: Request,
    viewer: Viewer,
    session: DbSession,
    outbox: NotificationOutbox,
    token: UnsubscribeToken = "",
) -> HTMLResponse:
    """The link in every notification email: one click turns the emails off (and opening
    it again changes nothing). A forged or expired link is a 400 page saying so."""
    user_id = outbox.tokens.read(token)
    found = await users.stop_notification_emails(session, user_id)
    return render(request, "unsubscribed.html", {"found": found}, current_user=viewer)


@router.post("/unsubscribe")
async def unsubscribe_one_click(
    request: Request, session: DbSession, outbox: NotificationOutbox, token: UnsubscribeToken = ""
) -> HTMLResponse:
    """RFC 8058: a mail client's own Unsubscribe button posts to the List-Unsubscribe link.
    The signed token is the credential; no session or CSRF token comes with it."""
    found = await users.stop_notification_emails(session, outbox.tokens.read(token))
    return render(request, "unsubscribed.html", {"found": found})
