from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, Response, status

from inkwell.auth import service
from inkwell.auth.browser import start_browser_session
from inkwell.auth.cookies import clear_sign_in_cookies, refuse_cross_site
from inkwell.auth.dependencies import (
    AppSettings,
    ClientAddress,
    CurrentUser,
    Devices,
    PasswordChecks,
    PresentedClaims,
    RateLimits,
    Sessions,
    SignedIn,
    Tokens,
)
from inkwell.auth.schemas import (
    AccessToken,
    ForgotPassword,
    LoginForm,
    Message,
    ResetPassword,
    SessionId,
    SessionRead,
)
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import NO_STORE, DbReader, DbSession, Passwords
from inkwell.errors import responses
from inkwell.mail.dependencies import MailerDep
from inkwell.users import service as users
from inkwell.users.schemas import UserPrivate

router = APIRouter(prefix="/api/users", tags=["auth"], route_class=BodyLimitRoute)
sessions_router = APIRouter(prefix="/api/sessions", tags=["auth"], route_class=BodyLimitRoute)


FORGOT_PASSWORD_ANSWER = Message(
    detail="If an account uses this email, a link to reset its password is on its way."
)


@router.post(
    "/token",
    responses=responses(401, 403, 429),
    summary="Sign in with the username or email and the password",
    dependencies=[NO_STORE],
)
async def login(
    *,
    form: Annotated[LoginForm, Form()],
    request: Request,
    response: Response,
    session: DbSession,
    guard: PasswordChecks,
    tokens: Tokens,
    settings: AppSettings,
    devices: Devices,
) -> AccessToken:
    """Answers a bearer token, valid for ACCESS_TOKEN_EXPIRE_MINUTES, and also starts a
    sign-in session for browsers: HttpOnly cookies with a short access token and the
    session's refresh secret, which renews it for 14 days after each use, a CSRF cookie
    beside them, and a known-device cookie (auth/devices.py).

    Refused (403) when a browser says another site sent the request (login CSRF).
    """
    refuse_cross_site(request, settings.public_base_url)
    user = await service.authenticate(session, guard, form.username, form.password)
    await start_browser_session(
        request, response, session=session, settings=settings, devices=devices, user=user
    )
    return AccessToken(access_token=tokens.issue(user))


@router.get(
    "/me",
    responses=responses(401, 403),
    summary="The signed-in user's own profile",
    dependencies=[NO_STORE],
)
async def me(user: CurrentUser) -> UserPrivate:
    return UserPrivate.model_validate(user)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403),
    summary="Sign out: end this sign-in session, or void every token of a bearer's user",
)
async def logout(
    *,
    user: CurrentUser,
    claims: PresentedClaims,
    session: DbSession,
    request: Request,
    response: Response,
    settings: AppSettings,
) -> None:
    """Signed in with the cookies, ends their session (the others go on) and clears them.
    A bearer token belongs to no session: every token of the user is voided, and with them
    every session (as `DELETE /api/sessions`)."""
    if claims is None or claims.session_id is None:
        users.end_sessions(user)
    else:
        await service.end_session(session, user.id, claims.session_id)
    clear_sign_in_cookies(request, response, settings.public_base_url)


@router.post(
    "/forgot-password",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(429),
    summary="Email a password reset link, if an account uses this email",
)
async def forgot_password(
    *,
    data: ForgotPassword,
    sessions: Sessions,
    settings: AppSettings,
    limiter: RateLimits,
    address: ClientAddress,
    mailer: MailerDep,
    background: BackgroundTasks,
) -> Message:
    """The same answer, after the same work, whether or not the email is known: the lookup,
    the token and the email all happen after the response."""
    if await service.may_send_password_reset(limiter, address=address, email=data.email):
        background.add_task(service.send_password_reset, sessions, settings, mailer, data.email)
    return FORGOT_PASSWORD_ANSWER


@router.post(
    "/reset-password",
    responses=responses(400),
    summary="Set a new password with the token from the emailed link",
)
async def reset_password(data: ResetPassword, session: DbSession, passwords: Passwords) -> Message:
    """Signs the user out everywhere: all tokens issued before are void."""
    await service.reset_password(session, passwords, data.token, data.password)
    return Message(detail="Your password has been changed; sign in with the new one.")


@sessions_router.get(
    "",
    responses=responses(401, 403),
    summary="The signed-in user's sign-in sessions, the most recently seen first",
    dependencies=[NO_STORE],
)
async def list_sessions(
    account: SignedIn, claims: PresentedClaims, reader: DbReader
) -> list[SessionRead]:
    """Each cookie sign-in that may still renew: the device it signed in from, when, when it
    was last seen (renewed) and when it ends unless used. `current` marks the session the
    request signed in with (none for a bearer token)."""
    current = None if claims is None else claims.session_id
    rows = await service.list_sessions(reader, account.id)
    return [SessionRead.of(row, current=row.id == current) for row in rows]


@sessions_router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403, 404),
    summary="End one of the signed-in user's sessions",
)
async def end_session(
    *,
    session_id: SessionId,
    account: SignedIn,
    claims: PresentedClaims,
    session: DbSession,
    request: Request,
    response: Response,
    settings: AppSettings,
) -> None:
    """Its refresh secret and its access token stop working at once. Ending the session the
    request signed in with signs it out: its cookies are cleared."""
    await service.end_session(session, account.id, session_id)
    if claims is not None and claims.session_id == session_id:
        clear_sign_in_cookies(request, response, settings.public_base_url)


@sessions_router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403),
    summary="Sign out everywhere: end every session and void every token of the user",
)
async def revoke_all_sessions(
    *,
    user: CurrentUser,
    session: DbSession,
    request: Request,
    response: Response,
    settings: AppSettings,
) -> None:
    """This session's too (its cookies are cleared), and bearer tokens issued before."""
    await service.end_every_session(session, user)
    clear_sign_in_cookies(request, response, settings.public_base_url)
