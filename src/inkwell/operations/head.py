"""HEAD answered as GET without its body, wherever GET is answered (RFC 9110 9.3.2): uptime
checks and `curl -I` send it. FastAPI routes answer only the methods they declare, and
declaring HEAD beside each GET would add a second operation of each to the OpenAPI
documents; this answers it for every route, the API's, Conduit's and the pages' alike."""

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The methods a 405 may name, in the order it names them.
KNOWN_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed(methods: Iterable[str]) -> str:
    """A 405's Allow header for a path whose routes answer `methods`: HEAD with GET."""
    answered = set(methods)
    if "GET" in answered:
        answered.add("HEAD")
    return ", ".join(method for method in KNOWN_METHODS if method in answered)


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            # The headers are GET's, Content-Length included; the server sends no body
            # for a HEAD, and none is handed to it.
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
