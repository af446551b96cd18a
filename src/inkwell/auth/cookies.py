"""The sign-in cookies and the checks that keep other sites from using them.

A cookie sign-in is a short-lived access token in the session cookie and, beside it, the
refresh cookie: the sign-in session's id and its current refresh secret, which renews the
access token when it has expired (auth/renewal.py). Both are HttpOnly. The CSRF cookie
is readable by the site's JavaScript, which echoes it in the X-CSRF-Token header
(double-submit); it lasts as long as the session and keeps its value when the session
renews, so that pages open for days still send the right one. A foreign site can neither
read the cookies nor set the header, and its Origin is refused when the browser sends one.
Signing in is refused from a foreign site too (login CSRF): its form could otherwise
sign the victim's browser into the attacker's account.

The refresh cookie's path is `/`, as the others': any page or API request may be the one
that finds the access token expired, and it renews it then, without a round trip.
"""

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response

from inkwell.errors import ErrorCode, Forbidden

SESSION_COOKIE = "inkwell_session"
REFRESH_COOKIE = "inkwell_refresh"
CSRF_COOKIE = "inkwell_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Where a request keeps the CSRF token its response sets (request.state), when it sets one.
ISSUED_CSRF = "issued_csrf_token"


@dataclass(frozen=True, slots=True)
class SignInCookies:
    """What a sign-in or a renewal sets: the access token for its lifetime; the refresh
    cookie (None: the client keeps the one it has) and the CSRF token for the session's."""

    access_token: str
    access_max_age: int
    refresh: str | None
    csrf: str
    session_max_age: int


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def set_sign_in_cookies(
    request: Request, response: Response, public_base_url: str, cookies: SignInCookies
) -> None:
    secure = secure_cookies(request, public_base_url)
    response.set_cookie(
        SESSION_COOKIE,
        cookies.access_token,
        max_age=cookies.access_max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    if cookies.refresh is not None:
        response.set_cookie(
            REFRESH_COOKIE,
            cookies.refresh,
            max_age=cookies.session_max_age,
            path="/",
            secure=secure,
            httponly=True,
            samesite="lax",
        )
    response.set_cookie(
        CSRF_COOKIE,
        cookies.csrf,
        max_age=cookies.session_max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="lax",
    )


def clear_sign_in_cookies(request: Request, response: Response, public_base_url: str) -> None:
    secure = secure_cookies(request, public_base_url)
    for name in (SESSION_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="lax")


def has_sign_in_cookies(request: Request) -> bool:
    """Whether the request says it is signed in with cookies (a valid sign-in or not)."""
    cookies = request.cookies
    return SESSION_COOKIE in cookies or REFRESH_COOKIE in cookies


def secure_cookies(request: Request, public_base_url: str) -> bool:
    """Behind a proxy that does not say it terminated TLS, the request looks like plain HTTP:
    an https PUBLIC_BASE_URL still keeps the cookies off any plain-HTTP connection."""
    return request.url.scheme == "https" or urlsplit(public_base_url).scheme.lower() == "https"


def refuse_cross_site(request: Request, public_base_url: str) -> None:
    """For the requests that set the session cookie. Clients that send neither header (curl,
    API clients) are no browser carrying someone else's intent, and pass."""
    if _from_another_site(request, public_base_url):
        raise Forbidden("Cross-site request refused", code=ErrorCode.CROSS_SITE_REFUSED)


def check_csrf(request: Request, public_base_url: str) -> None:
    """For a request authenticated by the session cookie; bearer requests need no check."""
    if request.method in SAFE_METHODS:
        return
    _check_double_submit(request, request.headers.get(CSRF_HEADER, ""), public_base_url)


def check_form_csrf(request: Request, sent: str, public_base_url: str) -> None:
    """For a plain HTML form, one that works without JavaScript: the page that holds it
    puts the CSRF cookie's value in a hidden field (CSRF_FIELD), which comes back in the
    form's body instead of the header. A foreign site can read neither."""
    _check_double_submit(request, sent, public_base_url)


def csrf_field_value(request: Request) -> str:
    """What a page puts in its forms' CSRF_FIELD: the CSRF cookie the browser will send
    them with. That is the one the page's response sets, when it sets one (a renewal
    without the cookie issues a new token: the request's is then none), else the one the
    request came with. Either way the form's POST is checked against its cookie as ever."""
    issued: str | None = getattr(request.state, ISSUED_CSRF, None)
    return issued or request.cookies.get(CSRF_COOKIE, "")


def _check_double_submit(request: Request, sent: str, public_base_url: str) -> None:
    expected = request.cookies.get(CSRF_COOKIE, "")
    if (
        not expected
        or not secrets.compare_digest(expected.encode(), sent.encode())
        or _from_another_site(request, public_base_url)
    ):
        raise Forbidden("CSRF check failed", code=ErrorCode.CSRF_FAILED)


def _from_another_site(request: Request, public_base_url: str) -> bool:
    """What the browser says about where the request comes from: its Origin, when it sends
    one, must be this site's (as requested or as published); Sec-Fetch-Site must not say
    cross-site."""
    origin = request.headers.get("origin")
    own_origins = {_origin(str(request.base_url)), _origin(public_base_url)}
    return (origin is not None and origin.lower() not in own_origins) or request.headers.get(
        "sec-fetch-site", ""
    ).lower() == "cross-site"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
