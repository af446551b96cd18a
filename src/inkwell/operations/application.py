"""The FastAPI application class, with the operational layers wrapped around everything."""

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp

from inkwell.auth.renewal import RenewedCookiesMiddleware
from inkwell.caching.middleware import SharedResponsesMiddleware
from inkwell.operations.head import HeadAsGetMiddleware
from inkwell.operations.headers import SecurityHeadersMiddleware
from inkwell.operations.logs import RequestContextMiddleware
from inkwell.operations.proxies import ProxyHeadersMiddleware, TrustedProxies


class InkwellFastAPI(FastAPI):
    """FastAPI whose proxy-header, request-id/access-log, security-header, anonymous cache
    and renewed sign-in cookie layers sit outside Starlette's server-error handler.

    `add_middleware` places middleware inside that handler, so a 500 would leave without
    a request id, an access-log line or security headers. These wrap the whole stack, and
    being part of the app they behave the same under any ASGI server and in tests.
    """

    def __init__(self, *, trusted_proxies: str, media_origin: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trusted_proxies = TrustedProxies.parse(trusted_proxies)
        self.media_origin = media_origin

    def build_middleware_stack(self) -> ASGIApp:
        # A sign-in renewed before a server error still reaches the browser: its refresh
        # secret has rotated, and the replaced one would end the session after the grace.
        app: ASGIApp = RenewedCookiesMiddleware(super().build_middleware_stack())
        # Inside the security headers and the access log: a cached answer gets them too.
        app = SharedResponsesMiddleware(app)
        # Outside the cache: a HEAD is kept and answered from memory as its GET is; the log
        # still says HEAD.
        app = HeadAsGetMiddleware(app)
        app = SecurityHeadersMiddleware(app, media_origin=self.media_origin)
        app = RequestContextMiddleware(app)
        return ProxyHeadersMiddleware(app, trusted=self.trusted_proxies)
