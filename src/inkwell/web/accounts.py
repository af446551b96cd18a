"""The account page and its forms: the password, the email, the profile, notification
emails, removing the picture (uploading one: web/account_picture.py), the sessions (each
one's Sign out, and everywhere), and deleting the account.

With JavaScript its forms post to the JSON API (forms.js). Without it, they post here with
the CSRF field, are checked and limited as the API checks and limits them (refused from
another site), and answer a 303 back to the page's section saying it is saved, or the page
again with each problem at its field (web/form_answers.py).
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.status import HTTP_303_SEE_OTHER

from inkwell.auth import service as auth
from inkwell.auth.cookies import csrf_field_value
from inkwell.auth.dependencies import (
    AppSettings,
    PasswordChecks,
    form_user,
    page_session_id,
)
from inkwell.auth.ratelimit import PasswordGuard
from inkwell.auth.rows import ActiveSession
from inkwell.auth.schemas import SessionId
from inkwell.db import Reader
from inkwell.dependencies import DbReader, DbSession, Passwords
from inkwell.errors import DomainError
from inkwell.mail.dependencies import MailerDep
from inkwell.mail.service import deliver
from inkwell.media import service as media
from inkwell.media.dependencies import MediaChanges
from inkwell.security import PasswordHasher
from inkwell.users import service as users
from inkwell.users.email_change import (
    EmailChangeTokens,
    requested_emails,
)
from inkwell.users.models import User
from inkwell.users.rows import Account
from inkwell.users.schemas import UserUpdate
from inkwell.web.common import (
    CsrfField,
    SignInFirst,
    Viewer,
    page_router,
    render,
    sign_in_first,
)
from inkwell.web.form_answers import NOT_THE_SAME, FormText, Refused, told_of
from inkwell.web.rendering import time_ago
from inkwell.web.signing_in import form_sender, signed_out

router = page_router()

# The API takes the account's own email as no change (clients send whole objects); the form
# would say a link is on its way. forms.js checks it before sending (data-must-differ).
_ALREADY_YOURS = Refused({"email": "This is already your email."}, [], 422)


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


def saved(form: str) -> RedirectResponse:
    """Back to the account page after `form` saved, at the form's section, which says so."""
    section, _ = _SAVED_NOTICES[form]
    return RedirectResponse(f"/account?saved={form}#{section}-heading", HTTP_303_SEE_OTHER)


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
    signed_in = await form_sender(request, csrf_token, session)
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
            return await account_again(request, reader, viewer, "password", NOT_THE_SAME)
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
        return await account_again(request, reader, viewer, "password", told_of(exc))
    return signed_out(request, "/login?notice=password-changed&next=%2Faccount")


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
            return await account_again(
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
        told = told_of(exc)
        return await account_again(request, reader, sender.viewer, "email", told, {"email": email})
    if new_email is not None:
        tokens = EmailChangeTokens.from_settings(settings)
        for message in requested_emails(settings, tokens, user, new_email):
            background.add_task(deliver, mailer, message)
    return saved("email")


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
            return await account_again(self.request, self.reader, viewer, form, told_of(exc), typed)
        return saved(form)


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
        told = told_of(exc)
        return await account_again(request, reader, sender.viewer, "picture-remove", told)
    return saved("picture-removed")


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
        told = Refused({"confirm_username": f"Type “{user.username}” to confirm."}, [], 422)
        typed = {"confirm_username": confirm_username}
        return await account_again(request, reader, sender.viewer, "delete", told, typed)
    await media.delete_account(session, changes, user)
    return signed_out(request, "/")


async def account_again(  # noqa: PLR0917  (the page, and what one form is told)
    request: Request,
    reader: DbReader,
    viewer: Account,
    form: str,
    told: Refused,
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
    signed_in = await form_sender(request, csrf_token, session)
    if signed_in is None:
        return sign_in_first(request)
    user, own_session = signed_in
    await auth.end_session(session, user.id, session_id)
    if session_id != own_session:
        return RedirectResponse("/account#sessions-heading", status_code=HTTP_303_SEE_OTHER)
    return signed_out(request, "/login")


@router.post("/account/sessions/end-all", response_model=None)
async def end_every_session(
    request: Request, csrf_token: CsrfField, session: DbSession
) -> RedirectResponse:
    """ "Sign out everywhere": every session ends, this browser's too."""
    signed_in = await form_sender(request, csrf_token, session)
    if signed_in is None:
        return sign_in_first(request)
    await auth.end_every_session(session, signed_in[0])
    return signed_out(request, "/login?notice=signed-out-everywhere")
