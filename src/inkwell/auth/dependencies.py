"""Who is calling: `CurrentUser` and `SelfUser` for the API, `optional_user` for pages."""

from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth.cookies import (
    SESSION_COOKIE,
    check_csrf,
    check_form_csrf,
    has_sign_in_cookies,
)
from inkwell.auth.devices import KnownDevices
from inkwell.auth.ratelimit import PasswordGuard, RateLimiter
from inkwell.auth.renewal import session_claims
from inkwell.auth.tokens import AccessClaims, AccessTokens, InvalidToken
from inkwell.config import Settings
from inkwell.db import Reader
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
    description="Set by sign-in, and renewed for 14 days of use from the inkwell_refresh "
    "cookie; writes must also send X-CSRF-Token (the inkwell_csrf cookie).",
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


async def _sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    return state_of(request)["sessionmaker"]


AppSettings = Annotated[Settings, Depends(_settings)]
# Database sessions of their own, for work done after the response (a background task).
Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(_sessionmaker)]
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


async def _claims_of(
    request: Request, settings: Settings, tokens: AccessTokens, bearer_token: str | None
) -> AccessClaims | None:
    """The bearer header wins; the cookies are taken only with a passing CSRF check, and
    renewed when the access token has expired (auth/renewal.py). None when the request
    carries neither; InvalidToken when what it carries signs no one in."""
    if bearer_token is not None:
        return tokens.read(bearer_token)
    if not has_sign_in_cookies(request):
        return None
    check_csrf(request, settings.public_base_url)
    return await session_claims(request)


async def _presented_claims(
    request: Request,
    settings: AppSettings,
    tokens: Tokens,
    bearer_token: Annotated[str | None, Depends(_bearer)],
    # Read by session_claims with the refresh cookie; declared here for the OpenAPI document.
    _cookie_token: Annotated[str | None, Depends(_session_cookie)],
) -> AccessClaims | None:
    return await _claims_of(request, settings, tokens, bearer_token)


# What the request signs in with: a token's claims, None when anonymous.
PresentedClaims = Annotated[AccessClaims | None, Depends(_presented_claims)]


async def _owner(session: DbSession, claims: AccessClaims) -> User:
    """The user `claims` name, loaded into the request's session, while the token's security
    stamp (and, for a cookie's, its session) is still theirs and they are not suspended."""
    user = await users.get_signed_in_user(
        session, claims.user_id, claims.security_stamp, claims.session_id
    )
    if user is None:
        raise InvalidToken()
    if user.suspended_at is not None:  # suspending ends every session; this makes sure
        raise InvalidToken()
    return user


async def token_owner(session: DbSession, tokens: Tokens, token: str) -> User:
    """The user a bearer access token names (a second API reads its own header with this);
    a cookie's token is none (AccessTokens.read_bearer)."""
    return await _owner(session, tokens.read_bearer(token))


async def current_user(claims: PresentedClaims, session: DbSession) -> User:
    """The signed-in user, loaded into the request's session (401 anonymous)."""
    if claims is None:
        raise Unauthorized("Not authenticated")
    return await _owner(session, claims)


CurrentUser = Annotated[User, Depends(current_user)]


async def _signed_in(claims: PresentedClaims, reader: DbReader) -> Account:
    """CurrentUser's answers (401), read in one short statement: CurrentUser loads the user
    into the request's session, whose connection then stays checked out until the response,
    and a route that works long without the database (a picture, a preview) keeps none."""
    if claims is None:
        raise Unauthorized("Not authenticated")
    return await _claimed_account(reader, claims)


SignedIn = Annotated[Account, Depends(_signed_in)]


async def _account(reader: Reader, claims: AccessClaims) -> Account | None:
    return await users.get_account(reader, claims.user_id, claims.security_stamp, claims.session_id)


async def _claimed_account(reader: Reader, claims: AccessClaims) -> Account:
    """The account the claims name, while they still sign it in (InvalidToken otherwise)."""
    account = await _account(reader, claims)
    if account is None:
        raise InvalidToken()
    return account


async def optional_user(request: Request) -> Account | None:
    """Who is signed in; None when the credentials are missing, expired or invalid (a CSRF
    failure still raises).

    A read-only snapshot, read without a session: pages show who is signed in, and every
    change goes through the API, which loads its CurrentUser into the request's session.
    Every page asks for it, so it takes what it needs from the State itself: solving the
    six dependencies that would otherwise feed it cost FastAPI a tenth of a page's CPU.
    """
    return await _tolerated_account(request, await _bearer(request))


async def _tolerated_account(request: Request, bearer_token: str | None) -> Account | None:
    state = state_of(request)
    try:
        claims = await _claims_of(request, state["settings"], state["access_tokens"], bearer_token)
    except Unauthorized:
        return None
    return None if claims is None else await _account(state["reader"], claims)


async def form_user(request: Request, csrf_token: str) -> Account | None:
    """Who sent a plain HTML form (one that works without JavaScript): the sign-in cookies,
    with the CSRF cookie's value in the form's `csrf_token` field (a failure raises 403).
    None when the session is missing, expired or invalid. Forms carry no bearer token."""
    claims = await form_claims(request, csrf_token)
    return None if claims is None else await _account(state_of(request)["reader"], claims)


async def form_claims(request: Request, csrf_token: str) -> AccessClaims | None:
    """form_user's claims, for a form that needs the session too (ending sessions)."""
    if not has_sign_in_cookies(request):
        return None
    check_form_csrf(request, csrf_token, state_of(request)["settings"].public_base_url)
    return await _cookie_claims(request)


async def _cookie_claims(request: Request) -> AccessClaims | None:
    """The claims of the request's sign-in cookies, not checked against a CSRF token;
    None when they sign no one in."""
    if not has_sign_in_cookies(request):
        return None
    try:
        return await session_claims(request)
    except Unauthorized:
        return None


async def page_session_id(request: Request) -> str | None:
    """The sign-in session a page was asked for with (its viewer already known)."""
    claims = await _cookie_claims(request)
    return None if claims is None else claims.session_id


async def unread_form_user(request: Request) -> Account | None:
    """Who the sign-in cookies name, for the page that answers a form whose body was never
    read (too large), or a form whose secret is a link's token (no CSRF field): there is no
    CSRF field to check, so it may only show a page, never change anything."""
    claims = await _cookie_claims(request)
    return None if claims is None else await _account(state_of(request)["reader"], claims)


async def _viewer_id(request: Request) -> int | None:
    """Who reads an API listing, for what only they see in it (whether they like a post);
    None when anonymous.

    A bearer token the client chose to send must still sign someone in (401 otherwise, as
    RFC 6750 asks): answered as anonymous, a client would take "not liked" and a missing
    draft for facts instead of learning to sign in again. Sign-in cookies travel with every
    request unasked, so those that no longer sign anyone in read as anonymous, as on pages.
    """
    bearer_token = await _bearer(request)
    if bearer_token is None:
        account = await _tolerated_account(request, None)
    else:
        state = state_of(request)
        claims = state["access_tokens"].read(bearer_token)
        account = await _claimed_account(state["reader"], claims)
    return None if account is None else account.id


ViewerId = Annotated[int | None, Depends(_viewer_id)]


async def _self_user(user_id: ResourceId, user: CurrentUser, session: DbSession) -> User:
    if user.id == user_id:
        return user
    await users.get_user(session, user_id)
    raise Forbidden("You may only change your own account")


SelfUser = Annotated[User, Depends(_self_user)]
