"""Security headers on every response, added by a pure ASGI middleware."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(media_origin: str | None) -> str:
    """No 'unsafe-inline' anywhere: every script and style is a file under /static.

    Images may also be `blob:` (the account page previews a picture before uploading it)
    and come from `media_origin`, where /media redirects when pictures live elsewhere (S3).
    deploy/nginx copies the policy without a media origin for the files nginx serves itself.
    """
    image_sources = "'self' data: blob:" + (f" {media_origin}" if media_origin else "")
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {image_sources}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
}

# Two years, the preload list's minimum; sent only over HTTPS, where browsers honour it.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Adds the headers a response does not set itself; HSTS only when the request was HTTPS.

    The scheme is the one proxies.ProxyHeadersMiddleware restored from a trusted proxy's
    X-Forwarded-Proto, so HSTS follows the client's connection, not nginx's.
    """

    def __init__(self, app: ASGIApp, *, media_origin: str | None) -> None:
        self.app = app
        headers = SECURITY_HEADERS | {
            "Content-Security-Policy": content_security_policy(media_origin)
        }
        # Encoded once: every response of the process carries the same ones.
        self.raw_headers = [(n.lower().encode(), v.encode()) for n, v in headers.items()]
        self.raw_headers_over_https = [
            *self.raw_headers,
            (b"strict-transport-security", STRICT_TRANSPORT_SECURITY.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.raw_headers_over_https if scope["scheme"] == "https" else self.raw_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                present = {name.lower() for name, _ in headers.raw}
                headers.raw.extend(header for header in extra if header[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
