"""Domain errors carry their own HTTP status; one handler turns them into `{"detail": ...}`."""

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

logger = logging.getLogger(__name__)


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    headers: ClassVar[dict[str, str] | None] = None

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


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)


async def _database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    """A lost or exhausted database is a temporary outage (503), not a server bug (500)."""
    if isinstance(exc, DBAPIError) and not (
        isinstance(exc, OperationalError) or exc.connection_invalidated
    ):
        return await _unexpected(_, exc)
    logger.warning("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
    return JSONResponse(
        {"detail": "The database is temporarily unavailable; try again shortly."},
        503,
        headers={"Retry-After": "5"},
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.error("unhandled error", exc_info=exc)
    return JSONResponse({"detail": "Internal server error"}, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(ConnectionError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)


class ErrorBody(BaseModel):
    detail: str


_DESCRIPTIONS = {
    400: "The request cannot be carried out as asked",
    401: "Missing, expired or invalid credentials",
    403: "The resource belongs to someone else",
    404: "No such resource",
    409: "The username or email is already taken, or the resource changed concurrently",
    413: "The upload is too large",
    415: "Unsupported media type",
    429: "Too many requests; retry after the given delay",
    503: "A backing service is temporarily unavailable",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer with."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}
