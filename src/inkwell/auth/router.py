from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth import service
from inkwell.auth.cookies import clear_sign_in_cookies, refuse_cross_site, set_sign_in_cookies
from inkwell.auth.dependencies import (
    AppSettings,
    ClientAddress,
    CurrentUser,
    Devices,
    PasswordChecks,
    RateLimits,
    Tokens,
)
from inkwell.auth.ratelimit import Action
from inkwell.auth.schemas import AccessToken, ForgotPassword, LoginForm, Message, ResetPassword
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import DbSession, Passwords
from inkwell.errors import responses
from inkwell.mail.dependencies import MailerDep
from inkwell.state import state_of
from inkwell.users import service as users
from inkwell.users.schemas import UserPrivate

router = APIRouter(prefix="/api/users", tags=["auth"], route_class=BodyLimitRoute)


async def _sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    return state_of(request)["sessionmaker"]


Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(_sessionmaker)]

FORGOT_PASSWORD_ANSWER = Message(
    detail="If an account uses this email, a link to reset its password is on its way."
)


async def _no_store(response: Response) -> None:
    """For answers that carry a token or private data: no cache, shared or the browser's,
    may keep them (RFC 6749, section 5.1)."""
    response.headers["Cache-Control"] = "no-store"


@router.post(
    "/token",
    responses=responses(401, 403, 429),
    summary="Sign in with the username or email and the password",
    dependencies=[Depends(_no_store)],
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
    """Answers the token and also sets it as an HttpOnly cookie, with a CSRF cookie beside it
    and a known-device cookie (auth/devices.py).

    Refused (403) when a browser says another site sent the request (login CSRF).
    """
    refuse_cross_site(request, settings.public_base_url)
    user = await service.authenticate(session, guard, form.username, form.password)
    devices.remember(request, response, settings.public_base_url, user.id)
    token = tokens.issue(user)
    lifetime = int(tokens.lifetime.total_seconds())
    set_sign_in_cookies(request, response, settings.public_base_url, token, lifetime)
    return AccessToken(access_token=token)


@router.get(
    "/me",
    responses=responses(401, 403),
    summary="The signed-in user's own profile",
    dependencies=[Depends(_no_store)],
)
async def me(user: CurrentUser) -> UserPrivate:
    return UserPrivate.model_validate(user)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403),
    summary="Sign out: void the token (and every other one of this user) and clear the cookies",
)
async def logout(
    user: CurrentUser, request: Request, response: Response, settings: AppSettings
) -> None:
    users.end_sessions(user)
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
    await limiter.spend(Action.FORGOT_PASSWORD, address=address)
    # Past the account's budget a stranger must not deny its owner: nothing is sent, and
    # the link last sent stays valid (see Settings).
    if await limiter.spend_quietly(Action.FORGOT_PASSWORD, account=data.email):
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
