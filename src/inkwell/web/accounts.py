"""Pages about one's own account: signing in and registering, the account page, the
forgotten and reset password forms, and confirming an email address.

With JavaScript their forms post to the JSON API (forms.js). Signing in, registering,
signing out, recovering a forgotten password and every form of the account page also work
without it: the forms post here, are checked and limited as the API checks and limits them
(refused from another site, the account page's with the CSRF field), and answer a 303 to
the next page (or the page saying it is done), or the form again with each problem at its
field. Ending sessions are plain forms posted here too.
"""

from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.auth import service as auth
from inkwell.auth.browser import start_browser_session
from inkwell.auth.cookies import clear_sign_in_cookies, csrf_field_value, refuse_cross_site
from inkwell.auth.dependencies import (
    AppSettings,
    ClientAddress,
    Devices,
    PasswordChecks,
    RateLimits,
    Sessions,
    form_claims,
    form_user,
    page_session_id,
    unread_form_user,
)
from inkwell.auth.ratelimit import Action, PasswordGuard
from inkwell.auth.rows import ActiveSession
from inkwell.auth.schemas import ForgotPassword, LoginForm, ResetPassword, SessionId
from inkwell.body_limits import BodyTooLarge
from inkwell.db import Reader
from inkwell.dependencies import DbReader, DbSession, Passwords
from inkwell.errors import DomainError, ErrorCode
from inkwell.field_errors import field_error
from inkwell.mail.dependencies import MailerDep
from inkwell.mail.service import deliver
from inkwell.media import service as media
from inkwell.media.dependencies import MediaChanges, Pictures, UploadBudget
from inkwell.media.uploads import UploadLimitRoute
from inkwell.security import PasswordHasher
from inkwell.state import state_of
from inkwell.users import service as users
from inkwell.users.email_change import (
    EmailChangeTokens,
    InvalidConfirmation,
    changed_email,
    requested_emails,
)
from inkwell.users.models import User
from inkwell.users.rows import Account
from inkwell.users.schemas import CONFIRM_TOKEN_MAX_LENGTH, ConfirmEmail, UserCreate, UserUpdate
from inkwell.web.common import (
    BackField,
    CsrfField,
    PageRoute,
    SignInFirst,
    Viewer,
    local_path,
    page_router,
    render,
    sign_in_first,
)
from inkwell.web.rendering import time_ago

router = page_router()

# A field of a form posted without JavaScript: missing or too long, it is the form's own
# check that says so at the field (a page route's validation error would be a 404 page).
FormText = Annotated[str, Form()]

# Where a refusal of the service is shown on the form: at a field, or (None) above the form.
_PROBLEM_FIELDS = {
    ErrorCode.CURRENT_PASSWORD_INCORRECT: "current_password",
    ErrorCode.USERNAME_TAKEN: "username",
    ErrorCode.USERNAME_TOO_SIMILAR: "username",
    ErrorCode.EMAIL_TAKEN: "email",
    # What is wrong with a picture is said at the file chosen.
    ErrorCode.UPLOAD_INVALID: "file",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "file",
    ErrorCode.IMAGE_UNREADABLE: "file",
}
_PROBLEM_MESSAGES = {
    ErrorCode.USERNAME_TAKEN: "This username is taken. Choose another.",
    ErrorCode.USERNAME_TOO_SIMILAR: "This username looks too much like an existing one. "
    "Choose another.",
    ErrorCode.EMAIL_TAKEN: "An account already uses this email. Sign in, or reset its "
    "password from the sign-in page.",
}


@dataclass(frozen=True, slots=True)
class _Told:
    """What a form posted without JavaScript is told of a refusal: problems by field, the
    others (above the form), and the answer's status and headers (a 429's Retry-After)."""

    errors: dict[str, str]
    problems: list[str]
    status: int
    headers: Mapping[str, str] | None = None


def _told(refusal: ValidationError | DomainError) -> _Told:
    errors: dict[str, str] = {}
    problems: list[str] = []
    if isinstance(refusal, ValidationError):
        for problem in map(field_error, refusal.errors()):
            if problem.field is None:
                problems.append(problem.message)
            else:
                errors.setdefault(problem.field, problem.message)
        return _Told(errors, problems, 422)
    message = _PROBLEM_MESSAGES.get(refusal.code, refusal.detail)
    if (name := _PROBLEM_FIELDS.get(refusal.code)) is not None:
        errors[name] = message
    else:
        problems.append(message)
    return _Told(errors, problems, refusal.status_code, refusal.headers)


# A new password is typed twice; forms.js compares them before sending, the server when the
# form comes without JavaScript.
_NOT_THE_SAME = _Told({"password_confirm": "The two passwords are not the same."}, [], 422)
# The API takes the account's own email as no change (clients send whole objects); the form
# would say a link is on its way. forms.js checks it before sending (data-must-differ).
_ALREADY_YOURS = _Told({"email": "This is already your email."}, [], 422)

# The picture form sent with no file chosen (the browser checks it first, as `required`).
_NO_PICTURE = _Told({"file": "Choose an image to upload."}, [], 422)


# The account page's message after a form saved (`?saved=`), shown in the form's section.
_SAVED_NOTICES = {
    "picture": ("picture", "Your new picture is saved."),
    "picture-removed": ("picture", "Your picture is removed."),
    "profile": ("profile", "Your profile is saved."),
    "notification-emails": ("notification-emails", "Your choice of notification emails is saved."),
    "email": (
        "email",
        "A link to confirm the new address is on its way to it. Your email stays the one "
        "above until you open the link.",
    ),
}


def _saved(saved: str) -> RedirectResponse:
    """Back to the account page after a form saved, at the form's section, which says so."""
    section, _ = _SAVED_NOTICES[saved]
    return RedirectResponse(f"/account?saved={saved}#{section}-heading", HTTP_303_SEE_OTHER)


# Messages the login page shows for the reason it was sent there (`?notice=`); others are ignored.
_LOGIN_NOTICES = {
    "password-changed": "Your password is changed and every session has ended. "
    "Sign in with the new password.",
    "email-changed": "Your email is changed and every session has ended. Sign in again.",
    "signed-out-everywhere": "You are signed out on every device.",
}


@router.get("/account", response_model=None)
async def account(
    request: Request,
    viewer: Viewer,
    reader: DbReader,
    saved: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse | RedirectResponse:
    """With the list of sessions, the viewer's own marked. The forms come back here after
    saving (`?saved=`): the page, its header and the navbar show what is now stored."""
    if viewer is None:
        return sign_in_first(request)
    section, notice = _SAVED_NOTICES.get(saved, ("", ""))
    context = await _account_context(request, reader, viewer)
    context["notices"] = {section: notice} if section else {}
    return render(request, "account.html", context, current_user=viewer)


async def _account_context(
    request: Request, reader: DbReader, viewer: Account
) -> dict[str, object]:
    sessions = await auth.list_sessions(reader, viewer.id)
    current_session = await page_session_id(request)
    return {
        "sessions": sessions,
        "current_session": current_session,
        "sign_out_names": _sign_out_names(sessions, current_session),
        "csrf_token": csrf_field_value(request),
        "notices": {},
        "told": {},
    }


def _sign_out_names(sessions: list[ActiveSession], current: str | None) -> dict[str, str]:
    """Each session's Sign out button's accessible name, told apart from the others': its
    device and when it was last seen, and where browsers of one kind were seen in the same
    minute, its place among them in the list (the most recently seen first)."""
    names = {
        session.id: "Sign out here"
        if session.id == current
        else f"Sign out {session.device}, last seen {time_ago(session.last_seen_at)}"
        for session in sessions
    }
    alike = Counter(names.values())
    counted: Counter[str] = Counter()
    for session_id, name in names.items():
        if alike[name] > 1:
            counted[name] += 1
            names[session_id] = f"{name} ({counted[name]} of {alike[name]})"
    return names


@dataclass(frozen=True, slots=True)
class _Sender:
    """Who sent one of the account page's forms: loaded into the request's session for the
    services (`user`), and read apart as the page shows them (`viewer`), for the page again."""

    user: User
    viewer: Account


async def _account_sender(request: Request, csrf_token: CsrfField, session: DbSession) -> _Sender:
    """The sender, the form's CSRF field checked; a visitor who is not signed in (or no
    longer) is sent to sign in, then back to the account page."""
    signed_in = await _form_sender(request, csrf_token, session)
    viewer = await form_user(request, csrf_token)
    if signed_in is None or viewer is None:
        raise SignInFirst(sign_in_first(request, "/account"))
    return _Sender(signed_in[0], viewer)


AccountSender = Annotated[_Sender, Depends(_account_sender)]


@router.post("/account/password", response_model=None)
async def change_password(
    *,
    request: Request,
    reader: DbReader,
    sender: AccountSender,
    session: DbSession,
    passwords: Passwords,
    guard: PasswordChecks,
    current_password: FormText = "",
    password: FormText = "",
    password_confirm: FormText = "",
) -> HTMLResponse | RedirectResponse:
    """The password form without JavaScript: as `PATCH /api/users/{id}`, within the same
    limits. A new password ends every session, this one too: then to sign in again, as
    forms.js goes."""
    viewer = sender.viewer
    try:
        data = UserUpdate.model_validate(
            {"password": password, "current_password": current_password or None}
        )
        if password_confirm != password:
            return await _account_again(request, reader, viewer, "password", _NOT_THE_SAME)
        await users.update_user(
            session,
            passwords,
            guard,
            sender.user,
            password=data.password,
            current_password=data.current_password,
        )
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        return await _account_again(request, reader, viewer, "password", _told(exc))
    return _signed_out(request, "/login?notice=password-changed&next=%2Faccount")


@router.post("/account/email", response_model=None)
async def change_email(
    *,
    request: Request,
    reader: DbReader,
    sender: AccountSender,
    session: DbSession,
    passwords: Passwords,
    guard: PasswordChecks,
    settings: AppSettings,
    mailer: MailerDep,
    background: BackgroundTasks,
    email: FormText = "",
    current_password: FormText = "",
) -> HTMLResponse | RedirectResponse:
    """The email form without JavaScript: as `PATCH /api/users/{id}`, within the same limits:
    the link to confirm goes to the new address, and the current one is told. The address
    the account already has (as stored: normalized) is said at the field, and nothing sent."""
    user = sender.user
    try:
        data = UserUpdate.model_validate(
            {"email": email, "current_password": current_password or None}
        )
        if data.email == user.email:
            values = {"email": email}
            return await _account_again(
                request, reader, sender.viewer, "email", _ALREADY_YOURS, values
            )
        new_email = await users.update_user(
            session,
            passwords,
            guard,
            user,
            email=data.email,
            current_password=data.current_password,
        )
    except (ValidationError, DomainError) as exc:
        await session.rollback()
        told = _told(exc)
        return await _account_again(request, reader, sender.viewer, "email", told, {"email": email})
    if new_email is not None:
        tokens = EmailChangeTokens.from_settings(settings)
        for message in requested_emails(settings, tokens, user, new_email):
            background.add_task(deliver, mailer, message)
    return _saved("email")


@dataclass(frozen=True, slots=True)
class _ProfileChanges:
    """What saving the profile's forms takes: their sender, and the services and page of
    `PATCH /api/users/{id}`."""

    request: Request
    reader: Reader
    sender: _Sender
    session: AsyncSession
    passwords: PasswordHasher
    guard: PasswordGuard

    async def save(self, form: str, typed: Mapping[str, str]) -> HTMLResponse | RedirectResponse:
        """Saves what was typed in `form`'s fields as `PATCH /api/users/{id}` saves them (an
        empty display name or bio clears it); refused, the account page again, `form`
        showing each problem at its field and what was typed."""
        session, viewer = self.session, self.sender.viewer
        try:
            changes = UserUpdate.model_validate(typed).model_dump(exclude_unset=True)
            await users.update_user(
                session, self.passwords, self.guard, self.sender.user, **changes
            )
        except (ValidationError, DomainError) as exc:
            await session.rollback()
            return await _account_again(self.request, self.reader, viewer, form, _told(exc), typed)
        return _saved(form)


async def _profile_changes(
    *,
    request: Request,
    reader: DbReader,
    sender: AccountSender,
    session: DbSession,
    passwords: Passwords,
    guard: PasswordChecks,
) -> _ProfileChanges:
    return _ProfileChanges(request, reader, sender, session, passwords, guard)


ProfileChanges = Annotated[_ProfileChanges, Depends(_profile_changes)]


@router.post("/account/profile", response_model=None)
async def save_profile(
    changes: ProfileChanges,
    username: FormText = "",
    display_name: FormText = "",
    bio: FormText = "",
) -> HTMLResponse | RedirectResponse:
    """The profile form without JavaScript: as `PATCH /api/users/{id}` with its fields; a
    taken or refused name is said at its field, what was typed kept."""
    typed = {"username": username, "display_name": display_name, "bio": bio}
    return await changes.save("profile", typed)


@router.post("/account/notification-emails", response_model=None)
async def save_notification_emails(
    changes: ProfileChanges, email_notifications: FormText = ""
) -> HTMLResponse | RedirectResponse:
    """The notification emails switch without JavaScript: as `PATCH /api/users/{id}`. The
    form's hidden field sends false, the switch after it true when on: the last one counts."""
    return await changes.save("notification-emails", {"email_notifications": email_notifications})


@dataclass(frozen=True, slots=True)
class _Uploading:
    """Who sent the picture form, and why they may not upload now (None: they may)."""

    viewer: Account
    refusal: DomainError | None


async def _uploading(
    request: Request, csrf_token: CsrfField, limits: UploadBudget
) -> AsyncIterator[_Uploading]:
    """The picture form's sender, the CSRF field checked, read as the API's `Uploader` reads
    them (no database connection held while the picture is processed), holding their one
    upload until the request's session has committed; a refusal of the upload budget (one
    upload at a time, so many an hour) is for the page to say."""
    viewer = await form_user(request, csrf_token)
    if viewer is None:
        raise SignInFirst(sign_in_first(request, "/account"))
    async with AsyncExitStack() as held:
        refusal = None
        try:
            await held.enter_async_context(limits.upload(viewer.id))
        except DomainError as exc:
            refusal = exc
        yield _Uploading(viewer, refusal)


PictureFile = Annotated[UploadFile | str | None, File()]


async def upload_picture(
    *,
    request: Request,
    uploading: Annotated[_Uploading, Depends(_uploading, scope="function")],
    reader: DbReader,
    session: DbSession,
    pictures: Pictures,
    changes: MediaChanges,
    file: PictureFile = None,
) -> HTMLResponse | RedirectResponse:
    """The picture form without JavaScript: as `PUT /api/users/{id}/picture`, within the
    same limits (`_PictureRoute`); a file refused is said at its field."""
    viewer = uploading.viewer
    if uploading.refusal is not None:
        return await _account_again(request, reader, viewer, "picture", _told(uploading.refusal))
    if file is None or isinstance(file, str):  # no file chosen, or a text field
        return await _account_again(request, reader, viewer, "picture", _NO_PICTURE)
    try:
        await media.replace_picture(session, pictures, changes, viewer, file)
    except DomainError as exc:
        await session.rollback()  # removes the picture if it was stored
        return await _account_again(request, reader, viewer, "picture", _told(exc))
    return _saved("picture")


class _PictureRoute(UploadLimitRoute, PageRoute):
    """The picture form's route: its body within the API's upload limit (MAX_UPLOAD_BYTES),
    and a file past it said at its field like the other refusals, not on an error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except BodyTooLarge as exc:
                return await _picture_too_large(request, exc)

        return route


async def _picture_too_large(request: Request, refusal: BodyTooLarge) -> Response:
    """The account page again, from this site only: the form's body (and its CSRF field) is
    not read, so nothing changes."""
    refuse_cross_site(request, state_of(request)["settings"].public_base_url)
    viewer = await unread_form_user(request)
    if viewer is None:
        return sign_in_first(request, "/account")
    told = _Told({"file": refusal.detail}, [], refusal.status_code)
    return await _account_again(request, state_of(request)["reader"], viewer, "picture", told)


router.add_api_route(
    "/account/picture",
    upload_picture,
    methods=["POST"],
    response_model=None,
    route_class_override=_PictureRoute,
)


@router.post("/account/picture/remove", response_model=None)
async def remove_picture(
    *,
    request: Request,
    reader: DbReader,
    sender: AccountSender,
    session: DbSession,
    changes: MediaChanges,
) -> HTMLResponse | RedirectResponse:
    """ "Remove the picture" without JavaScript: as `DELETE /api/users/{id}/picture`."""
    try:
        await media.remove_picture(session, changes, sender.user)
    except DomainError as exc:
        await session.rollback()
        told = _told(exc)
        return await _account_again(request, reader, sender.viewer, "picture-remove", told)
    return _saved("picture-removed")


@router.post("/account/delete", response_model=None)
async def delete_account(
    *,
    request: Request,
    reader: DbReader,
    sender: AccountSender,
    session: DbSession,
    changes: MediaChanges,
    confirm_username: FormText = "",
) -> HTMLResponse | RedirectResponse:
    """The delete form without JavaScript: as `DELETE /api/users/{id}`, once the username
    typed to confirm is the account's (forms.js checks it before sending); then signed out,
    as the navbar's Sign out does, on the home page."""
    user = sender.user
    if confirm_username != user.username:
        told = _Told({"confirm_username": f"Type “{user.username}” to confirm."}, [], 422)
        typed = {"confirm_username": confirm_username}
        return await _account_again(request, reader, sender.viewer, "delete", told, typed)
    await media.delete_account(session, changes, user)
    return _signed_out(request, "/")


async def _account_again(  # noqa: PLR0917  (the page, and what one form is told)
    request: Request,
    reader: DbReader,
    viewer: Account,
    form: str,
    told: _Told,
    values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The account page again, `form` showing each problem at its field and what was typed
    in it (never a password)."""
    context = await _account_context(request, reader, viewer)
    context["told"] = {
        "form": form,
        "errors": told.errors,
        "problems": told.problems,
        "values": values or {},
    }
    return render(
        request,
        "account.html",
        context,
        current_user=viewer,
        status_code=told.status,
        headers=told.headers,
    )


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
        return _form_again(request, "login.html", exc, context)
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
        return _form_again(request, "register.html", exc, context)
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
    signed_in = await _form_sender(request, csrf_token, session)
    if signed_in is not None and signed_in[1] is not None:
        await auth.end_session(session, signed_in[0].id, signed_in[1])
    return _signed_out(request, "/")


def _form_again(
    request: Request,
    template: str,
    refusal: ValidationError | DomainError,
    context: Mapping[str, object],
    *,
    current_user: Account | None = None,
) -> HTMLResponse:
    """The form again, what was typed in it kept (never a password), each problem at its
    field and the others above the form."""
    told = _told(refusal)
    page = {**context, "errors": told.errors, "problems": told.problems}
    return render(
        request,
        template,
        page,
        current_user=current_user,
        status_code=told.status,
        headers=told.headers,
    )


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
        return _form_again(request, "forgot_password.html", exc, context, current_user=viewer)
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
        return _form_again(request, "reset_password.html", exc, context, current_user=viewer)
    if password_confirm != password:
        page = {**context, "errors": _NOT_THE_SAME.errors}
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
        return _form_again(
            request, "confirm_email.html", exc, {"token": token}, current_user=viewer
        )
    background.add_task(deliver, mailer, changed_email(settings, user, old_email))
    return _signed_out(request, "/login?notice=email-changed")
