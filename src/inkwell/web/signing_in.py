"""Pages about signing in and out: the sign-in and registration forms, signing out, the
forgotten and reset password forms, and confirming a new email address.

With JavaScript their forms post to the JSON API (forms.js); without it, they post here,
are checked and limited as the API checks and limits them (refused from another site), and
answer a 303 to the next page (or the page saying it is done), or the form again with each
problem at its field (web/form_answers.py).
"""

from typing import Annotated

from fastapi import BackgroundTasks, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.auth import service as auth
from inkwell.auth.browser import start_browser_session
from inkwell.auth.cookies import clear_sign_in_cookies, refuse_cross_site
from inkwell.auth.dependencies import (
    AppSettings,
    ClientAddress,
    Devices,
    PasswordChecks,
    RateLimits,
    Sessions,
    form_claims,
    unread_form_user,
)
from inkwell.auth.ratelimit import Action
from inkwell.auth.schemas import ForgotPassword, LoginForm, ResetPassword
from inkwell.dependencies import DbReader, DbSession, Passwords
from inkwell.errors import DomainError
from inkwell.mail.dependencies import MailerDep
from inkwell.mail.service import deliver
from inkwell.state import state_of
from inkwell.users import service as users
from inkwell.users.email_change import (
    EmailChangeTokens,
    InvalidConfirmation,
    changed_email,
)
from inkwell.users.models import User
from inkwell.users.rows import Account
from inkwell.users.schemas import CONFIRM_TOKEN_MAX_LENGTH, ConfirmEmail, UserCreate
from inkwell.web.common import (
    BackField,
    CsrfField,
    Viewer,
    local_path,
    page_router,
    render,
)
from inkwell.web.form_answers import NOT_THE_SAME, FormText, form_again

router = page_router()

# Messages the login page shows for the reason it was sent there (`?notice=`); others are ignored.
_LOGIN_NOTICES = {
    "password-changed": "Your password is changed and every session has ended. "
    "Sign in with the new password.",
    "email-changed": "Your email is changed and every session has ended. Sign in again.",
    "signed-out-everywhere": "You are signed out on every device.",
}


async def form_sender(
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


def signed_out(request: Request, target: str) -> RedirectResponse:
    """To `target`, this browser's sign-in cookies cleared."""
    response = RedirectResponse(target, status_code=HTTP_303_SEE_OTHER)
    clear_sign_in_cookies(request, response, state_of(request)["settings"].public_base_url)
    return response


@router.get("/login", response_model=None)
async def login(
    request: Request,
    viewer: Viewer,
    next_path: Annotated[str, Query(alias="next", max_length=2000)] = "/",
    notice: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse | RedirectResponse:
    """Someone already signed in goes where signing in would have taken them."""
    if viewer is not None:
        return RedirectResponse(local_path(next_path), status_code=HTTP_303_SEE_OTHER)
    context = {"next": local_path(next_path), "notice": _LOGIN_NOTICES.get(notice)}
    return render(request, "login.html", context)


@router.post("/login", response_model=None)
async def sign_in(
    *,
    request: Request,
    session: DbSession,
    guard: PasswordChecks,
    settings: AppSettings,
    devices: Devices,
    username: FormText = "",
    password: FormText = "",
    next_path: BackField = "/",
) -> HTMLResponse | RedirectResponse:
    """The sign-in form without JavaScript: as `POST /api/users/token`, refused (403) when
    the browser says another site sent it."""
    refuse_cross_site(request, settings.public_base_url)
    target = local_path(next_path)
    context = {"next": target, "notice": None, "values": {"username": username}}
    try:
        form = LoginForm.model_validate({"username": username, "password": password})
        user = await auth.authenticate(session, guard, form.username, form.password)
    except (ValidationError, DomainError) as exc:
        return form_again(request, "login.html", exc, context)
    return await _signed_in(request, target, session, settings, devices, user)


@router.get("/register", response_model=None)
async def register(request: Request, viewer: Viewer) -> HTMLResponse | RedirectResponse:
    """Someone already signed in has an account: the home page."""
    if viewer is not None:
        return RedirectResponse("/", status_code=HTTP_303_SEE_OTHER)
    return render(request, "register.html")


@router.post("/register", response_model=None)
async def create_account(
    *,
    request: Request,
    session: DbSession,
    passwords: Passwords,
    limiter: RateLimits,
    address: ClientAddress,
    settings: AppSettings,
    devices: Devices,
    username: FormText = "",
    email: FormText = "",
    password: FormText = "",
) -> HTMLResponse | RedirectResponse:
    """The registration form without JavaScript: as `POST /api/users`, then signed in (as
    forms.js does with JavaScript), from this site only."""
    refuse_cross_site(request, settings.public_base_url)
    context = {"values": {"username": username, "email": email}}
    try:
        data = UserCreate.model_validate(
            {"username": username, "email": email, "password": password}
        )
        await limiter.spend(Action.REGISTER, address=address, accounts=[data.username, data.email])
        user = await users.register(
            session, passwords, username=data.username, email=data.email, password=data.password
        )
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        return form_again(request, "register.html", exc, context)
    return await _signed_in(request, "/", session, settings, devices, user)


async def _signed_in(  # noqa: PLR0917  (what a sign-in session is made of)
    request: Request,
    target: str,
    session: DbSession,
    settings: AppSettings,
    devices: Devices,
    user: User,
) -> RedirectResponse:
    """To `target`, with the cookies of a new sign-in session for `user`."""
    response = RedirectResponse(target, status_code=HTTP_303_SEE_OTHER)
    await start_browser_session(
        request, response, session=session, settings=settings, devices=devices, user=user
    )
    return response


@router.post("/logout", response_model=None)
async def sign_out(request: Request, csrf_token: CsrfField, session: DbSession) -> RedirectResponse:
    """The navbar's Sign out: ends this browser's session (the others go on) and clears its
    cookies, then the home page."""
    signed_in = await form_sender(request, csrf_token, session)
    if signed_in is not None and signed_in[1] is not None:
        await auth.end_session(session, signed_in[0].id, signed_in[1])
    return signed_out(request, "/")


@router.get("/forgot-password")
async def forgot_password(request: Request, viewer: Viewer) -> HTMLResponse:
    return render(request, "forgot_password.html", current_user=viewer)


@router.post("/forgot-password")
async def ask_for_a_reset_link(
    *,
    request: Request,
    sessions: Sessions,
    settings: AppSettings,
    limiter: RateLimits,
    address: ClientAddress,
    mailer: MailerDep,
    background: BackgroundTasks,
    email: FormText = "",
) -> HTMLResponse:
    """The forgot-password form without JavaScript: as `POST /api/users/forgot-password`,
    within its limits, the same page whether or not an account uses the email (the email
    goes after the answer); from this site only.

    Answered as to a visitor, as the sign-in form is: `Viewer` would refuse a signed-in
    browser's POST, which carries no CSRF header. Its page shows a signed-in reader signed
    in all the same, as the page the form was on did.
    """
    refuse_cross_site(request, settings.public_base_url)
    viewer = await unread_form_user(request)
    try:
        data = ForgotPassword.model_validate({"email": email})
        if await auth.may_send_password_reset(limiter, address=address, email=data.email):
            background.add_task(auth.send_password_reset, sessions, settings, mailer, data.email)
    except (ValidationError, DomainError) as exc:
        context = {"values": {"email": email}}
        return form_again(request, "forgot_password.html", exc, context, current_user=viewer)
    return render(request, "forgot_password.html", {"sent": True}, current_user=viewer)


@router.get("/reset-password")
async def reset_password(
    request: Request,
    viewer: Viewer,
    reader: DbReader,
    token: Annotated[str, Query(max_length=1000)] = "",
) -> HTMLResponse:
    """Says at once when the link is used or expired, and offers a new one."""
    usable = bool(token) and await auth.reset_token_is_valid(reader, token)
    context = {"token": token, "usable": usable}
    return render(request, "reset_password.html", context, current_user=viewer)


@router.post("/reset-password")
async def choose_a_new_password(
    *,
    request: Request,
    session: DbSession,
    passwords: Passwords,
    settings: AppSettings,
    token: FormText = "",
    password: FormText = "",
    password_confirm: FormText = "",
) -> HTMLResponse:
    """The reset form without JavaScript: as `POST /api/users/reset-password`, then the page
    says it is done; a bad, used or expired link says so as the page does when opened. A
    refused form's page shows a signed-in reader signed in, as the page opened did; once
    done, every session has ended."""
    refuse_cross_site(request, settings.public_base_url)
    viewer = await unread_form_user(request)
    context = {"token": token, "usable": True}
    try:
        data = ResetPassword.model_validate({"token": token, "password": password})
    except ValidationError as exc:
        if any(error["loc"][:1] == ("token",) for error in exc.errors()):
            return _link_spent(request, token, viewer)
        return form_again(request, "reset_password.html", exc, context, current_user=viewer)
    if password_confirm != password:
        page = {**context, "errors": NOT_THE_SAME.errors}
        return render(request, "reset_password.html", page, current_user=viewer, status_code=422)
    try:
        await auth.reset_password(session, passwords, data.token, data.password)
    except DomainError:
        await session.rollback()
        return _link_spent(request, token, viewer)
    return render(request, "reset_password.html", {**context, "done": True})


def _link_spent(request: Request, token: str, viewer: Account | None) -> HTMLResponse:
    """The reset page as a used or expired link opens it (400: the API's answer)."""
    context = {"token": token, "usable": False}
    return render(request, "reset_password.html", context, current_user=viewer, status_code=400)


@router.get("/confirm-email")
async def confirm_email(
    request: Request,
    viewer: Viewer,
    token: Annotated[str, Query(max_length=CONFIRM_TOKEN_MAX_LENGTH)] = "",
) -> HTMLResponse:
    """A button that posts the token: opening the link (a mail scanner may) changes nothing."""
    return render(request, "confirm_email.html", {"token": token}, current_user=viewer)


@router.post("/confirm-email", response_model=None)
async def confirm_new_email(
    *,
    request: Request,
    session: DbSession,
    settings: AppSettings,
    mailer: MailerDep,
    background: BackgroundTasks,
    token: FormText = "",
) -> HTMLResponse | RedirectResponse:
    """The confirm button without JavaScript: as `POST /api/users/confirm-email`, from this
    site only (the token is the form's secret); every session has ended, so signed out, to
    sign in again as forms.js goes. A bad, used or expired link says so above the button, on
    a page that shows a signed-in reader signed in, as the page opened did."""
    refuse_cross_site(request, settings.public_base_url)
    try:
        try:
            data = ConfirmEmail.model_validate({"token": token})
        except ValidationError:
            raise InvalidConfirmation from None  # an empty or overlong token names nothing
        claims = EmailChangeTokens.from_settings(settings).read(data.token)
        user, old_email = await users.confirm_email(session, claims)
    except DomainError as exc:
        await session.rollback()
        viewer = await unread_form_user(request)
        return form_again(request, "confirm_email.html", exc, {"token": token}, current_user=viewer)
    background.add_task(deliver, mailer, changed_email(settings, user, old_email))
    return signed_out(request, "/login?notice=email-changed")
