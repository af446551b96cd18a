"""The upload size limit, enforced while the body streams in.

FastAPI's own `max_body_size` answers a too-large Content-Length in plain text; this keeps the
API's `{"detail": ...}` JSON errors. The limit counts the whole request body, as nginx's
`client_max_body_size` does.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from starlette.types import Message, Receive

from inkwell.config import Settings


class UploadTooLarge(HTTPException):
    """An HTTPException, because FastAPI turns anything else raised while parsing into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The upload is larger than the limit of {limit} bytes")


class UploadLimitRoute(APIRoute):
    """Refuses a declared Content-Length over MAX_UPLOAD_BYTES before reading anything, and
    cuts off a body that turns out larger (chunked, or lying) as soon as it passes the limit."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            settings: Settings = request.app.state.settings
            limit = settings.max_upload_bytes
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise UploadTooLarge(limit)
            return await handler(Request(request.scope, _counted(request.receive, limit)))

        return limited


def _counted(receive: Receive, limit: int) -> Receive:
    received = 0

    async def receive_counted() -> Message:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise UploadTooLarge(limit)
        return message

    return receive_counted
