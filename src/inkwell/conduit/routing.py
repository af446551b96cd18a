"""The Conduit routes' class and their documented error answers."""

from collections.abc import Callable
from typing import Any

from inkwell.conduit.errors import Errors
from inkwell.posts.router import PostBodyRoute

_DESCRIPTIONS = {
    401: "Missing or invalid token (`token`), or wrong credentials",
    403: "The article or comment is someone else's, or the account is suspended (`account`)",
    404: "No such article, profile or comment",
    409: "The username or email is already taken",
    413: "The request body is over its size limit",
    422: "The request does not validate: the problems by field",
    429: "Too many requests; retry after the given delay",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route answers, all `{"errors": {...}}`."""
    return {status: {"model": Errors, "description": _DESCRIPTIONS[status]} for status in statuses}


class ConduitRoute(PostBodyRoute):
    """Posts' body limit (an article is a post), with every error documented in Conduit's
    shape, FastAPI's own 422 included."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        statuses = [status for status in _DESCRIPTIONS if status in self.responses]
        documented_errors = documented(*statuses, 422)
        self.responses = {**self.responses, **documented_errors}
