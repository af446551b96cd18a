"""Request body limits, enforced while the body streams in.

FastAPI reads a whole JSON body into memory before validating it, whatever its size, so
every API route that reads a body has a ceiling. FastAPI's own `max_body_size` would answer
a too-large Content-Length in plain text; this keeps the API's JSON errors (`body_too_large`).
A limit counts the whole request body, as nginx's `client_max_body_size` does.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from starlette.types import Message, Receive

from inkwell.errors import responses

# The ceiling of a JSON body, unless a router's route class sets its own (`max_bytes`).
MAX_JSON_BODY_BYTES = 1024 * 1024
_BODILESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


class BodyTooLarge(HTTPException):
    """An HTTPException, because FastAPI turns anything else raised while parsing into a 400."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(413, f"The {what} is larger than the limit of {limit} bytes")


class BodyLimitRoute(APIRoute):
    """Refuses a declared Content-Length over the limit before reading anything, and cuts off
    a body that turns out larger (chunked, or lying) as soon as it passes the limit.

    Routes that read no body are left as they are: the listings are the busiest routes.
    """

    what = "request body"
    max_bytes = MAX_JSON_BODY_BYTES

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self._reads_body():
            self.responses = responses(413) | self.responses

    def _reads_body(self) -> bool:
        return not (self.methods or set()) <= _BODILESS_METHODS

    def limit(self, request: Request) -> int:
        return self.max_bytes

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not self._reads_body():
            return handler

        async def limited(request: Request) -> Response:
            limit = self.limit(request)
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(self.what, limit)
            return await handler(Request(request.scope, self._counted(request.receive, limit)))

        return limited

    def _counted(self, receive: Receive, limit: int) -> Receive:
        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(self.what, limit)
            return message

        return receive_counted
