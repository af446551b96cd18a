"""The sign-in cookies and the checks that keep other sites from using them.

The session cookie is HttpOnly; the CSRF cookie is readable by the site's JavaScript,
which echoes it in the X-CSRF-Token header (double-submit). A foreign site can neither
read the cookie nor set the header, and its Origin is refused when the browser sends one.
Signing in is refused from a foreign site too (login CSRF): its form could otherwise
sign the victim's browser into the attacker's account.
"""

import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from inkwell.errors import ErrorCode, Forbidden

SESSION_COOKIE = "inkwell_session"
CSRF_COOKIE = "inkwell_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def set_sign_in_cookies(
    request: Request, response: Response, public_base_url: str, token: str, max_age: int
) -> None:
    secure = secure_cookies(request, public_base_url)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(32),
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,
        samesite="lax",
    )


def clear_sign_in_cookies(request: Request, response: Response, public_base_url: str) -> None:
    secure = secure_cookies(request, public_base_url)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="lax")


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
    """What a page puts in its forms' CSRF_FIELD: the CSRF cookie it was sent with."""
    return request.cookies.get(CSRF_COOKIE, "")


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
