"""Pages about one's own account: signing in and registering, the account page, the
forgotten and reset password forms, and confirming an email address. Their forms post to
the JSON API; these pages only serve them."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from inkwell.users.schemas import CONFIRM_TOKEN_MAX_LENGTH
from inkwell.web.common import Viewer, local_path, page_router, render, sign_in_first

router = page_router()

# Messages the login page shows for the reason it was sent there (`?notice=`); others are ignored.
_LOGIN_NOTICES = {
    "password-changed": "Your password is changed and every session has ended. "
    "Sign in with the new password.",
    "email-changed": "Your email is changed and every session has ended. Sign in again.",
}


@router.get("/account", response_model=None)
async def account(request: Request, viewer: Viewer) -> HTMLResponse | RedirectResponse:
    if viewer is None:
        return sign_in_first(request)
    return render(request, "account.html", current_user=viewer)


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
