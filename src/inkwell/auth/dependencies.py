"""Who is calling: `CurrentUser` and `SelfUser` for the API, `optional_user` for pages."""

import secrets
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer

from inkwell.auth.cookies import SESSION_COOKIE, check_csrf, check_form_csrf
from inkwell.auth.devices import KnownDevices
from inkwell.auth.ratelimit import PasswordGuard, RateLimiter
from inkwell.auth.tokens import AccessTokens, InvalidToken
from inkwell.config import Settings
from inkwell.dependencies import DbReader, DbSession, Passwords, ResourceId
from inkwell.errors import Forbidden, Unauthorized
from inkwell.state import state_of
from inkwell.users import service as users
from inkwell.users.models import User
from inkwell.users.rows import Account

TOKEN_URL = "/api/users/token"  # noqa: S105  (a path, not a password)

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, scheme_name="AccessToken", auto_error=False)
_session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="SessionCookie",
    auto_error=False,
    description="Set by sign-in; writes must also send X-CSRF-Token (the inkwell_csrf cookie).",
)


async def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _settings(request: Request) -> Settings:
    return state_of(request)["settings"]


async def _access_tokens(request: Request) -> AccessTokens:
    return state_of(request)["access_tokens"]


async def _rate_limiter(request: Request) -> RateLimiter:
    return state_of(request)["rate_limiter"]


async def _known_devices(request: Request) -> KnownDevices:
    return state_of(request)["known_devices"]


AppSettings = Annotated[Settings, Depends(_settings)]
Tokens = Annotated[AccessTokens, Depends(_access_tokens)]
RateLimits = Annotated[RateLimiter, Depends(_rate_limiter)]
ClientAddress = Annotated[str, Depends(_client_address)]
Devices = Annotated[KnownDevices, Depends(_known_devices)]


async def _password_guard(
    request: Request,
    limiter: RateLimits,
    passwords: Passwords,
    address: ClientAddress,
    devices: Devices,
) -> PasswordGuard:
    return PasswordGuard(limiter, passwords, address, partial(devices.device_of, request))


# What every route that checks a password the client sent checks it with.
PasswordChecks = Annotated[PasswordGuard, Depends(_password_guard)]


def _chosen_token(
    request: Request, settings: Settings, bearer_token: str | None, cookie_token: str | None
) -> str | None:
    """The bearer header wins; the cookie is taken only with a passing CSRF check."""
    if bearer_token is not None:
        return bearer_token
    if cookie_token is not None:
        check_csrf(request, settings.public_base_url)
    return cookie_token


async def _presented_token(
    request: Request,
    settings: AppSettings,
    bearer_token: Annotated[str | None, Depends(_bearer)],
    cookie_token: Annotated[str | None, Depends(_session_cookie)],
) -> str | None:
    return _chosen_token(request, settings, bearer_token, cookie_token)


PresentedToken = Annotated[str | None, Depends(_presented_token)]


async def token_owner(session: DbSession, tokens: Tokens, token: str) -> User:
    """The user an access token names, loaded into the request's session, while the token's
    security stamp is still theirs (a second API reads its own header with this)."""
    claims = tokens.read(token)
    user = await session.get(User, claims.user_id)
    if user is None or not secrets.compare_digest(user.security_stamp, claims.security_stamp):
        raise InvalidToken()
    if user.suspended_at is not None:  # suspending ends every session; this makes sure
        raise InvalidToken()
    return user


async def _current_user(token: PresentedToken, session: DbSession, tokens: Tokens) -> User:
    if token is None:
        raise Unauthorized("Not authenticated")
    return await token_owner(session, tokens, token)


CurrentUser = Annotated[User, Depends(_current_user)]


async def _signed_in(token: PresentedToken, tokens: Tokens, reader: DbReader) -> Account:
    """CurrentUser's answers (401), read in one short statement: CurrentUser loads the user
    into the request's session, whose connection then stays checked out until the response,
    and a route that works long without the database (a picture, a preview) keeps none."""
    if token is None:
        raise Unauthorized("Not authenticated")
    claims = tokens.read(token)
    account = await users.get_account(reader, claims.user_id, claims.security_stamp)
    if account is None:
        raise InvalidToken()
    return account


SignedIn = Annotated[Account, Depends(_signed_in)]


async def optional_user(request: Request) -> Account | None:
    """Who is signed in; None when the credentials are missing, expired or invalid (a CSRF
    failure still raises).

    A read-only snapshot, read without a session: pages show who is signed in, and every
    change goes through the API, which loads its CurrentUser into the request's session.
    Every page asks for it, so it takes what it needs from the State itself: solving the
    six dependencies that would otherwise feed it cost FastAPI a tenth of a page's CPU.
    """
    state = state_of(request)
    bearer_token, cookie_token = await _bearer(request), await _session_cookie(request)
    token = _chosen_token(request, state["settings"], bearer_token, cookie_token)
    if token is None:
        return None
    try:
        claims = state["access_tokens"].read(token)
    except Unauthorized:
        return None
    return await users.get_account(state["reader"], claims.user_id, claims.security_stamp)


async def form_user(request: Request, csrf_token: str) -> Account | None:
    """Who sent a plain HTML form (one that works without JavaScript): the session cookie,
    with the CSRF cookie's value in the form's `csrf_token` field (a failure raises 403).
    None when the session is missing, expired or invalid. Forms carry no bearer token."""
    state = state_of(request)
    token = await _session_cookie(request)
    if token is None:
        return None
    check_form_csrf(request, csrf_token, state["settings"].public_base_url)
    try:
        claims = state["access_tokens"].read(token)
    except Unauthorized:
        return None
    return await users.get_account(state["reader"], claims.user_id, claims.security_stamp)


async def _viewer_id(request: Request) -> int | None:
    """Who reads an API listing, for what only they see in it (whether they like a post):
    None when anonymous, and when the credentials are missing, expired or invalid, so a
    stale token never turns a public read into an error."""
    account = await optional_user(request)
    return None if account is None else account.id


ViewerId = Annotated[int | None, Depends(_viewer_id)]


async def _self_user(user_id: ResourceId, user: CurrentUser, session: DbSession) -> User:
    if user.id == user_id:
        return user
    await users.get_user(session, user_id)
    raise Forbidden("You may only change your own account")


SelfUser = Annotated[User, Depends(_self_user)]
