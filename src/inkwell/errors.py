"""Domain errors carry their own HTTP status; one handler turns them into `{"detail": ...}`.

That is the answer under `/api` (and `/health`); everywhere else a person is looking at a
page, so the same handlers answer with the HTML error page given to `install_error_handlers`.
"""

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

logger = logging.getLogger(__name__)


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    headers: dict[str, str] | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Forbidden(DomainError):
    status_code = 403


class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  (never mutated)


class ServiceUnavailable(DomainError):
    status_code = 503
    headers = {"Retry-After": "5"}  # noqa: RUF012  (never mutated)


class TooManyRequests(DomainError):
    status_code = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


# Renders the HTML error page from the status code and the message (None: the status's own).
ErrorPage = Callable[[Request, int, str | None, Mapping[str, str] | None], Response]
_JSON_PREFIXES = ("/api", "/health")


def wants_json(request: Request) -> bool:
    """The one place that decides whether an error is answered as JSON or as a page."""
    path = request.url.path
    return any(path == prefix or path.startswith(prefix + "/") for prefix in _JSON_PREFIXES)


def _respond(
    request: Request, status: int, detail: str | None, headers: Mapping[str, str] | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": detail}, status, headers=headers)
    error_page: ErrorPage = request.app.state.error_page
    return error_page(request, status, detail, headers)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return _respond(request, exc.status_code, exc.detail, exc.headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """The methods some route answers at this path: FastAPI makes one route per method, so the
    405 it raises names only the methods of the first route whose path matched."""
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown URLs, wrong methods and bodies that cannot be read; a page shows the status's
    own message."""
    assert isinstance(exc, StarletteHTTPException)
    headers = exc.headers
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers = {**(headers or {}), "Allow": allowed}
    if not wants_json(request):
        return _respond(request, exc.status_code, None, headers)
    if exc.status_code == 400:
        # FastAPI's own 400s: a body that is not UTF-8, nested too deep for the JSON parser,
        # or malformed multipart. The API documents unreadable input as a validation error.
        error = {"type": "body_unreadable", "loc": ["body"], "msg": exc.detail}
        return JSONResponse({"detail": [error]}, 422)
    return await http_exception_handler(
        request, StarletteHTTPException(exc.status_code, exc.detail, headers)
    )


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _encodable(value: Any) -> bool:
    """Whether a JSON response can carry `value`: JSON has no NaN or infinity, and UTF-8 no
    lone surrogates, yet Python's JSON parser accepts all three (`NaN`, `1e999`, `"\\ud800"`)."""
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode()
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
    return True


def _encodable_copy(value: Any) -> Any:
    """`value` with lone surrogates as U+FFFD and non-finite numbers as their names."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {_encodable_copy(key): _encodable_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encodable_copy(item) for item in value]
    return value


def _encodable_error(error: dict[str, Any]) -> dict[str, Any]:
    """One of FastAPI's validation errors, less what JSON cannot carry: an input that cannot
    be encoded is left out rather than echoed, and the rest (field names, messages quoting
    the input) is mended. The input is only checked: it may nest as deep as the parser went."""
    return {
        name: value if name == "input" else _encodable_copy(value)
        for name, value in error.items()
        if name != "input" or _encodable(value)
    }


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """A page's only input is its URL, and a URL that does not parse names no page: 404."""
    assert isinstance(exc, RequestValidationError)
    if wants_json(request):
        errors = [_encodable_error(error) for error in jsonable_encoder(exc.errors())]
        return JSONResponse({"detail": errors}, 422)
    return _respond(request, 404, None)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """A lost or exhausted database is a temporary outage (503), not a server bug (500)."""
    if isinstance(exc, DBAPIError) and not (
        isinstance(exc, OperationalError) or exc.connection_invalidated
    ):
        return await _unexpected(request, exc)
    logger.warning("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
    return _respond(
        request,
        503,
        "The database is temporarily unavailable; try again shortly.",
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error", exc_info=exc)
    return _respond(request, 500, "Internal server error")


def install_error_handlers(app: FastAPI, error_page: ErrorPage) -> None:
    app.state.error_page = error_page
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(ConnectionError, _database_unavailable)
    # What asyncpg raises when connecting or a statement outlasts DATABASE_TIMEOUT.
    app.add_exception_handler(TimeoutError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


class ErrorBody(BaseModel):
    detail: str


_DESCRIPTIONS = {
    400: "The request cannot be carried out as asked",
    401: "Missing, expired or invalid credentials",
    403: "The resource belongs to someone else",
    404: "No such resource",
    409: "The username or email is already taken, or the resource changed concurrently",
    413: "The request body or upload is over its size limit",
    415: "Unsupported media type",
    429: "Too many requests; retry after the given delay",
    503: "A backing service is temporarily unavailable",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}
