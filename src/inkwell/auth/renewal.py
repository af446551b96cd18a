"""Renewing a cookie sign-in while it is used.

A cookie sign-in holds a short access token (ACCESS_TOKEN_EXPIRE_MINUTES) and a refresh
cookie naming its sign-in session and the session's current refresh secret. The first
request that finds the access token missing or expired renews it from the refresh cookie
in a transaction of its own (auth/service.renew_session: the secret rotates, the session
is seen and lasts SESSION_DAYS from now) and goes on signed in with the new token; the
cookies go back with its response, whatever it is. Requests whose access token is valid
read no session and write nothing.
"""

from dataclasses import dataclass

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inkwell.auth import service
from inkwell.auth.cookies import (
    CSRF_COOKIE,
    ISSUED_CSRF,
    REFRESH_COOKIE,
    SESSION_COOKIE,
    SignInCookies,
    clear_sign_in_cookies,
    new_csrf_token,
    set_sign_in_cookies,
)
from inkwell.auth.models import REFRESH_SECRET_LENGTH, SESSION_ID_LENGTH
from inkwell.auth.rows import SessionGrant
from inkwell.auth.tokens import AccessClaims, InvalidToken
from inkwell.state import State, state_of

# Where a request keeps its renewal (request.state), for the middleware to send its cookies.
RENEWAL = "sign_in_renewal"


@dataclass(frozen=True, slots=True)
class Renewal:
    """What renewing gave: the claims of the new access token (None: the session did not
    renew), and the Set-Cookie headers that tell the browser."""

    claims: AccessClaims | None
    set_cookies: tuple[bytes, ...]


def sign_in_cookies(state: State, grant: SessionGrant, csrf: str) -> SignInCookies:
    """The cookies of a session a sign-in started or a renewal renewed."""
    tokens = state["access_tokens"]
    claims = AccessClaims(grant.user_id, grant.security_stamp, grant.session_id)
    refresh = None
    if grant.refresh_secret is not None:
        refresh = f"{grant.session_id}.{grant.refresh_secret}"
    return SignInCookies(
        access_token=tokens.issue_in_session(claims),
        access_max_age=int(tokens.lifetime.total_seconds()),
        refresh=refresh,
        csrf=csrf,
        session_max_age=state["settings"].session_days * 86_400,
    )


async def session_claims(request: Request) -> AccessClaims:
    """The claims of the request's cookie sign-in: the session cookie's token, or when it is
    missing or expired, the token a renewal from the refresh cookie issues (at most one
    renewal per request). Raises InvalidToken when the cookies sign no one in."""
    state = state_of(request)
    access, refresh = request.cookies.get(SESSION_COOKIE), request.cookies.get(REFRESH_COOKIE)
    if access is not None:
        try:
            return state["access_tokens"].read(access)
        except InvalidToken:
            if refresh is None:
                raise
    if refresh is None:
        raise InvalidToken()
    renewal: Renewal | None = getattr(request.state, RENEWAL, None)
    if renewal is None:
        renewal = await _renew(request, state, refresh)
        setattr(request.state, RENEWAL, renewal)
    if renewal.claims is None:
        raise InvalidToken()
    return renewal.claims


async def _renew(request: Request, state: State, refresh: str) -> Renewal:
    """A session that does not renew has its cookies cleared, so the browser stops sending
    them; the CSRF token of one that does keeps its value (pages hold it in their forms),
    or, when the request had none, is a new one, which this request's page puts in its
    forms. A refresh cookie not shaped as issued (an id and a secret of their exact
    lengths) is cleared without reading the database."""
    settings = state["settings"]
    session_id, _, secret = refresh.partition(".")
    grant = None
    if len(session_id) == SESSION_ID_LENGTH and len(secret) == REFRESH_SECRET_LENGTH:
        async with state["sessionmaker"].begin() as session:
            terms = service.SessionTerms.from_settings(settings)
            grant = await service.renew_session(session, session_id, secret, terms)
    response = Response()
    claims = None
    if grant is None:
        clear_sign_in_cookies(request, response, settings.public_base_url)
    else:
        csrf = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
        cookies = sign_in_cookies(state, grant, csrf)
        set_sign_in_cookies(request, response, settings.public_base_url, cookies)
        # The page this request renders puts it in its forms (csrf_field_value).
        setattr(request.state, ISSUED_CSRF, csrf)
        claims = AccessClaims(grant.user_id, grant.security_stamp, grant.session_id)
    set_cookies = tuple(value for name, value in response.raw_headers if name == b"set-cookie")
    return Renewal(claims, set_cookies)


class RenewedCookiesMiddleware:
    """Sends a renewal's cookies with the response, whatever it is: pages answer responses of
    their own, which the headers of FastAPI's `Response` parameter would not reach. A cookie
    the response sets itself wins (signing out clears what the renewal set). A response
    that renews a sign-in is no one else's: no cache may keep it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                renewal: Renewal | None = scope.get("state", {}).get(RENEWAL)
                if renewal is not None:
                    headers = MutableHeaders(scope=message)
                    own = {_cookie_name(value) for value in headers.getlist("set-cookie")}
                    headers.raw.extend(
                        (b"set-cookie", value)
                        for value in renewal.set_cookies
                        if _cookie_name(value.decode("latin-1")) not in own
                    )
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_cookies)


def _cookie_name(set_cookie: str) -> str:
    return set_cookie.partition("=")[0].strip()
