"""Pages about one's own account: signing in and registering, the account page, the
forgotten and reset password forms, and confirming an email address. Their forms post to
the JSON API; these pages only serve them, except ending sessions: plain forms (they
work without JavaScript) posted here."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.auth import service as auth
from inkwell.auth.cookies import clear_sign_in_cookies, csrf_field_value
from inkwell.auth.dependencies import form_claims, page_session_id
from inkwell.auth.schemas import SessionId
from inkwell.dependencies import DbReader, DbSession
from inkwell.state import state_of
from inkwell.users import service as users
from inkwell.users.models import User
from inkwell.users.schemas import CONFIRM_TOKEN_MAX_LENGTH
from inkwell.web.common import CsrfField, Viewer, local_path, page_router, render, sign_in_first

router = page_router()


# Messages the login page shows for the reason it was sent there (`?notice=`); others are ignored.
_LOGIN_NOTICES = {
    "password-changed": "Your password is changed and every session has ended. "
    "Sign in with the new password.",
    "email-changed": "Your email is changed and every session has ended. Sign in again.",
    "signed-out-everywhere": "You are signed out on every device.",
}


@router.get("/account", response_model=None)
async def account(
    request: Request, viewer: Viewer, reader: DbReader
) -> HTMLResponse | RedirectResponse:
    """With the list of sessions, the viewer's own marked."""
    if viewer is None:
        return sign_in_first(request)
    sessions = await auth.list_sessions(reader, viewer.id)
    context = {
        "sessions": sessions,
        "current_session": await page_session_id(request),
        "csrf_token": csrf_field_value(request),
    }
    return render(request, "account.html", context, current_user=viewer)


@router.post("/account/sessions/{session_id}/end", response_model=None)
async def end_session(
    request: Request, session_id: SessionId, csrf_token: CsrfField, session: DbSession
) -> RedirectResponse:
    """A session's "End" button in the list: back to the list, or to the sign-in page when it
    was this browser's own session."""
    signed_in = await _form_sender(request, csrf_token, session)
    if signed_in is None:
        return sign_in_first(request)
    user, own_session = signed_in
    await auth.end_session(session, user.id, session_id)
    if session_id != own_session:
        return RedirectResponse("/account#sessions-heading", status_code=HTTP_303_SEE_OTHER)
    return _signed_out(request, "/login")


@router.post("/account/sessions/end-all", response_model=None)
async def end_every_session(
    request: Request, csrf_token: CsrfField, session: DbSession
) -> RedirectResponse:
    """ "Sign out everywhere": every session ends, this browser's too."""
    signed_in = await _form_sender(request, csrf_token, session)
    if signed_in is None:
        return sign_in_first(request)
    await auth.end_every_session(session, signed_in[0])
    return _signed_out(request, "/login?notice=signed-out-everywhere")


async def _form_sender(
    request: Request, csrf_token: str, session: DbSession
) -> tuple[User, str | None] | None:
    """Who sent a form about their sessions, loaded into the request's session, and the
    session they sent it from; None when they are not signed in."""
    claims = await form_claims(request, csrf_token)
    if claims is None:
        return None
    user = await users.get_signed_in_user(
        session, claims.user_id, claims.security_stamp, claims.session_id
    )
    return None if user is None else (user, claims.session_id)


def _signed_out(request: Request, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=HTTP_303_SEE_OTHER)
    clear_sign_in_cookies(request, response, state_of(request)["settings"].public_base_url)
    return response


@router.get("/login")
async def login(
    request: Request,
    viewer: Viewer,
    next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/",
    notice: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    context = {"next": local_path(next_path), "notice": _LOGIN_NOTICES.get(notice)}
    return render(request, "login.html", context, current_user=viewer)


@router.get("/register")
async def register(request: Request, viewer: Viewer) -> HTMLResponse:
    return render(request, "register.html", current_user=viewer)


@router.get("/forgot-password")
async def forgot_password(request: Request, viewer: Viewer) -> HTMLResponse:
    return render(request, "forgot_password.html", current_user=viewer)


@router.get("/reset-password")
async def reset_password(
    request: Request, viewer: Viewer, token: Annotated[str, Query(max_length=1000)] = ""
) -> HTMLResponse:
    return render(request, "reset_password.html", {"token": token}, current_user=viewer)


@router.get("/confirm-email")
async def confirm_email(
    request: Request,
    viewer: Viewer,
    token: Annotated[str, Query(max_length=CONFIRM_TOKEN_MAX_LENGTH)] = "",
) -> HTMLResponse:
    """A button that posts the token: opening the link (a mail scanner may) changes nothing."""
    return render(request, "confirm_email.html", {"token": token}, current_user=viewer)
