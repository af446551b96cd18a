"""The sign-in cookies and the CSRF check that cookie-authenticated writes must pass.

The session cookie is HttpOnly; the CSRF cookie is readable by the site's JavaScript,
which echoes it in the X-CSRF-Token header (double-submit). A foreign site can neither
read the cookie nor set the header, and its Origin is refused when the browser sends one.
"""

import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from inkwell.errors import Forbidden

SESSION_COOKIE = "inkwell_session"
CSRF_COOKIE = "inkwell_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def set_sign_in_cookies(request: Request, response: Response, token: str, max_age: int) -> None:
    secure = request.url.scheme == "https"
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


def clear_sign_in_cookies(request: Request, response: Response) -> None:
    secure = request.url.scheme == "https"
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, httponly=False, samesite="lax")


def check_csrf(request: Request, public_base_url: str) -> None:
    """For a request authenticated by the session cookie; bearer requests need no check."""
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    origin = request.headers.get("origin")
    own_origins = {_origin(str(request.base_url)), _origin(public_base_url)}
    if (
        not expected
        or not secrets.compare_digest(expected.encode(), sent.encode())
        or (origin is not None and origin.lower() not in own_origins)
    ):
        raise Forbidden("CSRF check failed")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
