"""Conduit's error answers: `{"errors": {"<field>": ["<message>"]}}` with the RealWorld
spec's statuses and messages. Installed on the Conduit application only, so Inkwell's own
API keeps its `{"detail", "code"}`."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from inkwell.errors import DomainError, ErrorCode, is_database_outage
from inkwell.operations.head import allowed

logger = logging.getLogger(__name__)

TOKEN_SCHEME = {"WWW-Authenticate": "Token"}


class ConduitError(Exception):
    """An error Conduit itself answers (the façade's own checks: the article a slug names,
    whose it is)."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.status, self.field, self.message = status, field, message


def article_not_found() -> ConduitError:
    return ConduitError(404, "article", "not found")


class Errors(BaseModel):
    """What went wrong, by field (or resource): a list of messages each."""

    errors: dict[str, list[str]]


# The services' errors as the spec words them: (status, field, message) by code; an error
# not listed keeps its status, with its code as the field and its detail as the message.
_BY_CODE: dict[ErrorCode, tuple[int, str, str]] = {
    ErrorCode.NOT_AUTHENTICATED: (401, "token", "is missing"),
    ErrorCode.TOKEN_INVALID: (401, "token", "is invalid"),
    ErrorCode.INVALID_CREDENTIALS: (401, "email or password", "is invalid"),
    # Signing in as a user the moderators suspended: the spec has no word for it.
    ErrorCode.ACCOUNT_SUSPENDED: (403, "account", "is suspended"),
    ErrorCode.POST_NOT_FOUND: (404, "article", "not found"),
    ErrorCode.USER_NOT_FOUND: (404, "profile", "not found"),
    ErrorCode.COMMENT_NOT_FOUND: (404, "comment", "not found"),
    # The only other service of Conduit's that refuses with 403 is the comments' (deleting).
    ErrorCode.FORBIDDEN: (403, "comment", "forbidden"),
    ErrorCode.USERNAME_TAKEN: (409, "username", "has already been taken"),
    ErrorCode.USERNAME_TOO_SIMILAR: (409, "username", "is too similar to an existing one"),
    ErrorCode.EMAIL_TAKEN: (409, "email", "has already been taken"),
    ErrorCode.CANNOT_FOLLOW_YOURSELF: (422, "profile", "cannot follow yourself"),
}


def errors_response(
    status: int, errors: dict[str, list[str]], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    if status == 401:
        headers = {**(headers or {}), **TOKEN_SCHEME}
    return JSONResponse({"errors": errors}, status, headers=headers)


async def _conduit_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConduitError)
    return errors_response(exc.status, {exc.field: [exc.message]})


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status, field, message = _BY_CODE.get(exc.code, (exc.status_code, str(exc.code), exc.detail))
    headers = {key: value for key, value in (exc.headers or {}).items() if key == "Retry-After"}
    return errors_response(status, {field: [message]}, headers)


def _message(error: dict[str, Any]) -> str:
    """The spec's "can't be blank" for what is missing or says nothing; pydantic's own words,
    lower-cased at the start unless they start with an acronym ("JSON decode error"), for the
    rest."""
    value = error.get("input")
    if error["type"] == "missing" or (isinstance(value, str) and not value.strip()):
        return "can't be blank"
    message: str = error["msg"].removeprefix("Value error, ")
    return message if message[1:2].isupper() else message[:1].lower() + message[1:]


def _field(location: tuple[Any, ...]) -> str:
    """The field a validation error is about: the innermost name (`title` of
    `body.article.title`, `tagList` of `body.article.tagList.3`, `limit` of `query.limit`)."""
    names = [part for part in location[1:] if isinstance(part, str)]
    return names[-1] if names else str(location[0])


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        messages = errors.setdefault(_field(tuple(error["loc"])), [])
        if (message := _message(error)) not in messages:
            messages.append(message)
    return errors_response(422, errors)


_HTTP_FIELDS = {404: "resource", 405: "method", 413: "body", 415: "body"}


def _allowed_methods(request: Request) -> str:
    """The methods of the path as documented: of the routes whose path matches, those with
    the fewest parameters (`/articles/feed` is GET only, though `/articles/{slug}` would
    match it for PUT and DELETE)."""
    path = request.url.path.removeprefix(request.scope.get("root_path", ""))
    routes = [
        context.original_route
        for context in iter_route_contexts(request.app.router.routes)
        if isinstance(context.original_route, Route)
        and context.original_route.path_regex.match(path)
    ]
    if not routes:
        return ""
    fewest = min(len(route.param_convertors) for route in routes)
    methods = set().union(
        *(route.methods or () for route in routes if len(route.param_convertors) == fewest)
    )
    return allowed(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths, wrong methods, bodies too large or unreadable."""
    assert isinstance(exc, StarletteHTTPException)
    status = 422 if exc.status_code == 400 else exc.status_code
    field = _HTTP_FIELDS.get(status, "body" if status == 422 else "request")
    headers = exc.headers
    if status == 405 and (allowed := _allowed_methods(request)):
        headers = {**(headers or {}), "Allow": allowed}
    return errors_response(status, {field: [str(exc.detail).lower()]}, headers)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """A lost or exhausted database is an outage (503); any other database error a bug."""
    if not is_database_outage(exc):
        return await _unexpected(request, exc)
    logger.warning("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
    return errors_response(503, {"database": ["is temporarily unavailable"]}, {"Retry-After": "5"})


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error", exc_info=exc)
    return errors_response(500, {"server": ["internal error"]})


def install_conduit_errors(app: FastAPI) -> None:
    app.add_exception_handler(ConduitError, _conduit_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for unavailable in (DBAPIError, PoolTimeoutError, ConnectionError, TimeoutError):
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
