"""Domain errors carry their own HTTP status and code; one handler turns them into
`{"detail": ..., "code": ...}`, where `code` is stable and `detail` is for people.

The route that failed decides the shape: a page route (`ErrorPageRoute`) answers with the
HTML error page given to `install_error_handlers`, any other route with JSON.
"""

import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Mount

from inkwell.field_errors import FieldError, field_error, field_errors
from inkwell.operations.head import KNOWN_METHODS, allowed

logger = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    """What went wrong, for a program: stable, unlike the `detail` people read."""

    BAD_REQUEST = "bad_request"
    VALIDATION_FAILED = "validation_failed"
    CURSOR_INVALID = "cursor_invalid"
    BODY_UNREADABLE = "body_unreadable"
    CURRENT_PASSWORD_INCORRECT = "current_password_incorrect"  # noqa: S105  (a code)
    CANNOT_FOLLOW_YOURSELF = "cannot_follow_yourself"
    CONFIRMATION_LINK_INVALID = "confirmation_link_invalid"
    RESET_LINK_INVALID = "reset_link_invalid"
    UNSUBSCRIBE_LINK_INVALID = "unsubscribe_link_invalid"
    UPLOAD_INVALID = "upload_invalid"
    IMAGE_UNREADABLE = "image_unreadable"
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOKEN_INVALID = "token_invalid"  # noqa: S105  (a code, not a token)
    FORBIDDEN = "forbidden"
    ADMINS_ONLY = "admins_only"
    ACCOUNT_SUSPENDED = "account_suspended"
    CSRF_FAILED = "csrf_failed"
    CROSS_SITE_REFUSED = "cross_site_refused"
    NOT_FOUND = "not_found"
    USER_NOT_FOUND = "user_not_found"
    POST_NOT_FOUND = "post_not_found"
    COMMENT_NOT_FOUND = "comment_not_found"
    REPORT_NOT_FOUND = "report_not_found"
    SESSION_NOT_FOUND = "session_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    USERNAME_TAKEN = "username_taken"
    USERNAME_TOO_SIMILAR = "username_too_similar"
    EMAIL_TAKEN = "email_taken"
    CHANGED_CONCURRENTLY = "changed_concurrently"
    ADMIN_NOT_SUSPENDABLE = "admin_not_suspendable"
    BODY_TOO_LARGE = "body_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    INTERNAL_ERROR = "internal_error"
    SERVICE_UNAVAILABLE = "service_unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"
    STORAGE_UNAVAILABLE = "storage_unavailable"
    HTTP_ERROR = "http_error"


class DomainError(Exception):
    """A subclass declares its status and its code; a raise may name a more specific code
    where one class serves several cases (`NotFound(..., code=ErrorCode.POST_NOT_FOUND)`)."""

    status_code: ClassVar[int] = 400
    code: ErrorCode = ErrorCode.BAD_REQUEST
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class NotFound(DomainError):
    status_code = 404
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    status_code = 409
    code = ErrorCode.CONFLICT


class Forbidden(DomainError):
    status_code = 403
    code = ErrorCode.FORBIDDEN


class BadRequest(DomainError):
    status_code = 400
    code = ErrorCode.BAD_REQUEST


class Unauthorized(DomainError):
    status_code = 401
    code = ErrorCode.NOT_AUTHENTICATED
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012  (never mutated)


class ServiceUnavailable(DomainError):
    status_code = 503
    code = ErrorCode.SERVICE_UNAVAILABLE
    retry_after = 5  # seconds, for a page to say when
    headers = {"Retry-After": str(retry_after)}  # noqa: RUF012  (never mutated)


class TooManyRequests(DomainError):
    status_code = 429
    code = ErrorCode.RATE_LIMITED

    def __init__(self, what: str, *, retry_after: int) -> None:
        """`what` was refused for `retry_after` seconds: the detail says it, and when."""
        super().__init__(f"{what}; try again in {wait_in_words(retry_after)}")
        self.retry_after = retry_after  # seconds, for a page to say when
        self.headers = {"Retry-After": str(retry_after)}


def wait_in_words(seconds: int) -> str:
    """'40 seconds', '3 minutes', '2 hours': how long a reader must wait (a 429's
    Retry-After), rounded up, never shorter than it."""
    if seconds < 60:
        return _count(seconds, "second")
    if seconds < 3600:
        return _count(math.ceil(seconds / 60), "minute")
    return _count(math.ceil(seconds / 3600), "hour")


def _count(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


class ErrorPageRoute(APIRoute):
    """A route a person looks at: its errors are answered with the HTML error page."""


# Renders the HTML error page from the status code, the message (None: the status's own), the
# headers, and the code: a page may say in its own words what a `detail` says to developers.
ErrorPage = Callable[
    [Request, int, str | None, Mapping[str, str] | None, ErrorCode | None], Response
]


def _route_path(request: Request) -> str:
    path: str = request.scope["path"]
    return path.removeprefix(request.scope.get("root_path", ""))


def _area(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


def _shows_error_page(request: Request) -> bool:
    """The one place that decides whether an error is answered as a page or as JSON.

    The route that failed decides. A request no route answers (an unknown path, or a file
    missing from a mount such as /static) asks the routes of its area, the first path
    segment: /api/nope is JSON like the API, /nope a page like the site. Where no route
    shares the area, or a page route does, it is a page: a person following a link is the
    likeliest to be there. A mounted application (a second API) answers its own errors.
    """
    route = request.scope.get("route")
    if isinstance(route, BaseRoute) and not isinstance(route, Mount):
        return isinstance(route, ErrorPageRoute)
    area = _area(_route_path(request))
    neighbours = [
        context.original_route
        for context in iter_route_contexts(request.app.router.routes)
        if isinstance(context.original_route, APIRoute) and _area(context.path or "/") == area
    ]
    return not neighbours or any(isinstance(route, ErrorPageRoute) for route in neighbours)


def _respond(
    request: Request,
    status: int,
    detail: str | None,
    code: ErrorCode,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if _shows_error_page(request):
        return _error_page(request, status, detail, headers, code)
    return JSONResponse({"detail": detail, "code": code}, status, headers=headers)


def _error_page(
    request: Request,
    status: int,
    detail: str | None,
    headers: Mapping[str, str] | None = None,
    code: ErrorCode | None = None,
) -> Response:
    error_page: ErrorPage = request.app.state.error_page
    return error_page(request, status, detail, headers, code)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return _respond(request, exc.status_code, exc.detail, exc.code, exc.headers)


_HTTP_ERROR_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


def _allowed_methods(request: Request) -> str:
    """The methods some route answers at this path: FastAPI makes one route per method, so the
    405 it raises names only the methods of the first route whose path matched."""
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    return allowed(
        method
        for method in KNOWN_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    )


def _validation_failed(
    errors: list[dict[str, Any]], code: ErrorCode, fields: list[dict[str, Any]]
) -> JSONResponse:
    """pydantic's list under `detail`, as ever, and the same problems field by field in
    plain words under `errors` (inkwell.field_errors)."""
    return JSONResponse({"detail": errors, "code": code, "errors": fields}, 422)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown URLs, wrong methods and bodies that cannot be read or are too large; a page
    shows the status's own message."""
    assert isinstance(exc, StarletteHTTPException)
    headers = exc.headers
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers = {**(headers or {}), "Allow": allowed}
    if _shows_error_page(request):
        return _error_page(request, exc.status_code, None, headers)
    if exc.status_code == 400:
        # FastAPI's own 400s: a body that is not UTF-8, nested too deep for the JSON parser,
        # or malformed multipart. The API documents unreadable input as a validation error.
        error = {"type": "body_unreadable", "loc": ["body"], "msg": exc.detail}
        return _validation_failed([error], ErrorCode.BODY_UNREADABLE, field_errors([error]))
    code = _HTTP_ERROR_CODES.get(exc.status_code, ErrorCode.HTTP_ERROR)
    return _respond(request, exc.status_code, exc.detail, code, headers)


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


def _refused_page(request: Request, errors: Sequence[Mapping[str, Any]]) -> Response:
    """A page's address whose path does not parse names no page: 404. One whose query the
    page cannot use (`?skip=abc`) is a bad request, 400, that says which part is wrong and
    how, in the API's plain words (a `cursor` is a broken link to a page of a listing, as
    one that does not decode is); a form the page cannot read is a 400 as well."""
    if any(error["loc"][0] == "path" for error in errors):
        return _error_page(request, 404, None)
    query = [field_error(error) for error in errors if error["loc"][0] == "query"]
    if any(problem.field == "cursor" for problem in query):
        return _error_page(request, 400, None, code=ErrorCode.CURSOR_INVALID)
    detail = " ".join(
        f"This page's address has a “{problem.field}” it cannot use. {problem.message}"
        for problem in query
    )
    return _error_page(request, 400, detail or None)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _shows_error_page(request):
        return _refused_page(request, exc.errors())
    errors = [_encodable_error(error) for error in jsonable_encoder(exc.errors())]
    fields = _encodable_copy(field_errors(exc.errors()))
    return _validation_failed(errors, ErrorCode.VALIDATION_FAILED, fields)


# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (DATABASE_READ_TIMEOUT).
QUERY_CANCELED = "57014"


def is_database_outage(exc: Exception) -> bool:
    """Whether a database error is a lost or exhausted database (a temporary outage, 503)
    rather than a server bug (500)."""
    return not isinstance(exc, DBAPIError) or (
        isinstance(exc, OperationalError)
        or exc.connection_invalidated
        or getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED
    )


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """A lost or exhausted database is a temporary outage (503), not a server bug (500)."""
    if not is_database_outage(exc):
        return await _unexpected(request, exc)
    logger.warning("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
    return _respond(
        request,
        503,
        "The database is temporarily unavailable; try again shortly.",
        ErrorCode.DATABASE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error", exc_info=exc)
    return _respond(request, 500, "Internal server error", ErrorCode.INTERNAL_ERROR)


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
    _document_validation_code(app)


class ErrorBody(BaseModel):
    detail: str = Field(description="What went wrong, for a person; its wording may change")
    code: ErrorCode = Field(description="What went wrong, for a program; stable")


_VALIDATION_CODES = [ErrorCode.VALIDATION_FAILED, ErrorCode.BODY_UNREADABLE]


def _document_validation_code(app: FastAPI) -> None:
    """FastAPI documents its 422 answer as `{"detail": [...]}` itself; this adds the `code`
    and the `errors` its handler here sends beside the list, the way FastAPI's docs extend
    the schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        components = schema.get("components", {}).get("schemas", {})
        body = components.get("HTTPValidationError")
        if body is not None and "code" not in body["properties"]:
            body["properties"]["code"] = {
                "type": "string",
                "enum": _VALIDATION_CODES,
                "title": "Code",
                "description": "What went wrong, for a program; stable",
            }
            body["properties"]["errors"] = {
                "type": "array",
                "items": {"$ref": "#/components/schemas/FieldError"},
                "title": "Errors",
                "description": "The same problems, one per field, in plain words to show at "
                "the field; `code` is stable",
            }
            body.setdefault("required", []).extend(["code", "errors"])
            field_error = FieldError.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(field_error.pop("$defs"))  # FieldCode, an enum
            components["FieldError"] = field_error
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_DESCRIPTIONS = {
    400: "The request cannot be carried out as asked",
    401: "Missing, expired or invalid credentials",
    403: "The resource belongs to someone else, the action is for admins, the account is "
    "suspended, or a browser's request came from another site",
    404: "No such resource",
    409: "The username or email is already taken, the resource changed concurrently, or an "
    "admin cannot be suspended",
    413: "The request body or upload is over its size limit",
    415: "Unsupported media type",
    422: "The request does not validate (a list of problems), or the uploaded file is empty, "
    "damaged or too large to decode, or the `cursor` is not one this listing answered "
    "(`detail` is then a message)",
    429: "Too many requests; retry after the given delay",
    503: "A backing service is temporarily unavailable",
}
# The codes each status may carry, listed in its description.
_CODES = {
    400: [
        ErrorCode.BAD_REQUEST,
        ErrorCode.CURRENT_PASSWORD_INCORRECT,
        ErrorCode.CONFIRMATION_LINK_INVALID,
        ErrorCode.RESET_LINK_INVALID,
        ErrorCode.UNSUBSCRIBE_LINK_INVALID,
        ErrorCode.CANNOT_FOLLOW_YOURSELF,
    ],
    401: [ErrorCode.NOT_AUTHENTICATED, ErrorCode.INVALID_CREDENTIALS, ErrorCode.TOKEN_INVALID],
    403: [
        ErrorCode.FORBIDDEN,
        ErrorCode.ADMINS_ONLY,
        ErrorCode.ACCOUNT_SUSPENDED,
        ErrorCode.CSRF_FAILED,
        ErrorCode.CROSS_SITE_REFUSED,
    ],
    404: [
        ErrorCode.NOT_FOUND,
        ErrorCode.USER_NOT_FOUND,
        ErrorCode.POST_NOT_FOUND,
        ErrorCode.COMMENT_NOT_FOUND,
        ErrorCode.REPORT_NOT_FOUND,
        ErrorCode.SESSION_NOT_FOUND,
    ],
    409: [
        ErrorCode.USERNAME_TAKEN,
        ErrorCode.USERNAME_TOO_SIMILAR,
        ErrorCode.EMAIL_TAKEN,
        ErrorCode.CHANGED_CONCURRENTLY,
        ErrorCode.ADMIN_NOT_SUSPENDABLE,
    ],
    413: [ErrorCode.BODY_TOO_LARGE],
    415: [ErrorCode.UNSUPPORTED_MEDIA_TYPE],
    422: [
        *_VALIDATION_CODES,
        ErrorCode.UPLOAD_INVALID,
        ErrorCode.IMAGE_UNREADABLE,
        ErrorCode.CURSOR_INVALID,
    ],
    429: [ErrorCode.RATE_LIMITED],
    503: [
        ErrorCode.SERVICE_UNAVAILABLE,
        ErrorCode.DATABASE_UNAVAILABLE,
        ErrorCode.STORAGE_UNAVAILABLE,
    ],
}


# A route that judges an uploaded file answers 422 both ways: FastAPI's list of validation
# problems, or a domain error about the file. The schemas are the components FastAPI adds.
_EITHER_422 = {
    "application/json": {
        "schema": {
            "anyOf": [
                {"$ref": "#/components/schemas/HTTPValidationError"},
                {"$ref": "#/components/schemas/ErrorBody"},
            ]
        }
    }
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer with (422: for a route whose
    service answers it too; FastAPI documents its own validation 422 by itself)."""
    return {
        status: {
            **({"content": _EITHER_422} if status == 422 else {"model": ErrorBody}),
            "description": f"{_DESCRIPTIONS[status]}. Codes: "
            + ", ".join(f"`{code}`" for code in _CODES[status]),
        }
        for status in statuses
    }
