"""What each kind of failure answers, on an app of the test's own with only the error
handlers installed (the app's own are installed once, when it is made, which no test would
see change): a lost or exhausted database is a 503 to retry, a bug a 500 that tells nothing
of itself, a request that does not validate a 422 with its code, a page route hands every
error to the error page, and a path no route answers takes the shape of its area's routes.
The 422's code and field errors are in the API document."""

import json
import logging
from collections.abc import AsyncIterator, Mapping

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from httpx import AsyncClient

from inkwell.errors import (
    ErrorCode,
    TooManyRequests,
    _encodable_error,
    install_error_handlers,
)
from inkwell.field_errors import FieldError
from inkwell.web.common import PageRoute
from tests.failures import BUGS, FAILURES, OUTAGES, called_without_root_path, client_of, failing

OUTAGE = {"detail": "The database is temporarily unavailable; try again shortly.",
          "code": "database_unavailable"}  # fmt: skip
BUG = {"detail": "Internal server error", "code": "internal_error"}


def error_page(
    request: Request,
    status: int,
    detail: str | None,
    headers: Mapping[str, str] | None,
    code: ErrorCode | None,
) -> Response:
    """A stand-in for the HTML error page that shows what it was handed."""
    return PlainTextResponse(f"page {status}: {detail}", status, headers=headers)


@pytest.fixture
def failing_app() -> FastAPI:
    """/api/<failure> fails as JSON routes do, /pages/<failure> as pages do."""
    app = FastAPI()
    install_error_handlers(app, error_page)
    for name, exc in FAILURES.items():
        app.add_api_route(f"/api/{name}", failing(exc))
        app.router.add_api_route(f"/pages/{name}", failing(exc), route_class_override=PageRoute)
    return app


@pytest.fixture
async def failures(failing_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with client_of(failing_app) as client:
        yield client


@pytest.mark.parametrize("failure", OUTAGES)
async def test_a_lost_or_exhausted_database_is_a_503_to_retry(
    failures: AsyncClient, failure: str
) -> None:
    response = await failures.get(f"/api/{failure}")
    assert (response.status_code, response.json()) == (503, OUTAGE)
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize("failure", BUGS)
async def test_anything_else_is_a_500_that_tells_nothing_of_itself(
    failures: AsyncClient, failure: str
) -> None:
    response = await failures.get(f"/api/{failure}")
    assert (response.status_code, response.json()) == (500, BUG)
    assert "Retry-After" not in response.headers


async def test_a_database_outage_on_a_page_is_the_error_page_with_its_retry_after(
    failures: AsyncClient,
) -> None:
    response = await failures.get("/pages/timeout")
    assert response.status_code == 503
    assert response.text == f"page 503: {OUTAGE['detail']}"
    assert response.headers["Retry-After"] == "5"


async def test_a_bug_on_a_page_is_the_error_page(failures: AsyncClient) -> None:
    response = await failures.get("/pages/bug")
    assert (response.status_code, response.text) == (500, "page 500: Internal server error")


async def test_a_rate_limit_says_when_to_come_back(failures: AsyncClient) -> None:
    response = await failures.get("/api/limited")
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Too many posts; try again in 42 seconds",
        "code": "rate_limited",
    }
    assert response.headers["Retry-After"] == "42"


@pytest.mark.parametrize(
    ("failure", "level", "message"),
    [("bug", logging.ERROR, "unhandled error"),
     ("unexplained", logging.ERROR, "unhandled error"),
     ("timeout", logging.WARNING, "database unavailable: TimeoutError")],
)  # fmt: skip
async def test_a_failure_is_logged_with_its_traceback(
    failures: AsyncClient, caplog: pytest.LogCaptureFixture, failure: str, level: int, message: str
) -> None:
    with caplog.at_level(logging.INFO, logger="inkwell.errors"):
        await failures.get(f"/api/{failure}")
    (record,) = [record for record in caplog.records if record.name == "inkwell.errors"]
    assert (record.levelno, record.getMessage()) == (level, message)
    assert record.exc_info is not None
    assert record.exc_info[1] is FAILURES[failure]


async def test_an_http_error_keeps_the_headers_it_was_raised_with(failures: AsyncClient) -> None:
    for path in ("/api/challenged", "/pages/challenged"):
        response = await failures.get(path)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_405_an_endpoint_raises_itself_names_the_methods_its_path_takes(
    failures: AsyncClient,
) -> None:
    response = await failures.get("/api/read-only")
    assert response.status_code == 405
    assert response.json() == {"detail": "This is read only", "code": "method_not_allowed"}
    assert response.headers["Allow"] == "GET, HEAD"


API_404 = {"detail": "Not Found", "code": "not_found"}
PAGE_404 = "page 404: None"


@pytest.mark.parametrize(
    ("path", "page"),
    [("/api/no/such/thing", False), ("/pages/no-such-page", True), ("/nowhere", True),
     # The area is the first segment whole: one that only holds the API's name is not it.
     ("/Xapi/nothing", True), ("/apis/nothing", True)],
)  # fmt: skip
async def test_a_path_no_route_answers_takes_the_shape_of_its_areas_routes(
    failures: AsyncClient, path: str, page: bool
) -> None:
    response = await failures.get(path)
    assert response.status_code == 404
    assert (response.text == PAGE_404) if page else (response.json() == API_404)


@pytest.mark.parametrize(("path", "page"), [("/blog/api/nothing", False), ("/blog/nowhere", True)])
async def test_under_a_root_path_the_area_is_the_first_segment_after_it(
    failing_app: FastAPI, path: str, page: bool
) -> None:
    async with client_of(failing_app, root_path="/blog") as client:
        response = await client.get(path)
    assert response.status_code == 404
    assert (response.text == PAGE_404) if page else (response.json() == API_404)


async def test_a_server_that_sends_no_root_path_has_none(failing_app: FastAPI) -> None:
    """ASGI lets a server leave `root_path` out of the scope; it is then the empty path."""
    sent = await called_without_root_path(failing_app, "GET", "/api/nothing")

    assert sent[0]["status"] == 404
    assert json.loads(sent[1]["body"]) == API_404


async def test_an_http_error_of_a_status_with_no_code_of_its_own_has_the_general_one(
    failures: AsyncClient,
) -> None:
    response = await failures.get("/api/teapot")
    assert response.status_code == 418
    assert response.json() == {"detail": "I'm a teapot", "code": "http_error"}


async def numbered(number: int) -> int:
    return number


@pytest.fixture
def validating_app(failing_app: FastAPI) -> FastAPI:
    """The failing app with a JSON route and a page that take a number in their query, and
    a page that takes it in its path."""
    failing_app.add_api_route("/api/numbered", numbered)
    failing_app.router.add_api_route("/pages/numbered", numbered, route_class_override=PageRoute)
    failing_app.router.add_api_route(
        "/pages/numbered/{number}", numbered, route_class_override=PageRoute
    )
    return failing_app


async def test_a_request_that_does_not_validate_is_a_422_with_its_code(
    validating_app: FastAPI,
) -> None:
    async with client_of(validating_app) as client:
        response = await client.get("/api/numbered", params={"number": "many"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"] == [
        {"field": "number", "code": "invalid_type", "message": "Use a whole number."}
    ]


async def test_a_page_path_that_does_not_validate_names_no_page(
    validating_app: FastAPI,
) -> None:
    async with client_of(validating_app) as client:
        response = await client.get("/pages/numbered/many")
    assert (response.status_code, response.text) == (404, PAGE_404)


async def test_a_page_query_that_does_not_validate_is_a_400_that_says_what_is_wrong(
    validating_app: FastAPI,
) -> None:
    async with client_of(validating_app) as client:
        response = await client.get("/pages/numbered", params={"number": "many"})
    assert response.status_code == 400
    assert response.text == (
        "page 400: This page's address has a “number” it cannot use. Use a whole number."
    )


def test_the_api_document_gives_a_422_its_code_and_its_field_errors(
    validating_app: FastAPI,
) -> None:
    schemas = validating_app.openapi()["components"]["schemas"]
    body = schemas["HTTPValidationError"]
    assert body["properties"]["code"] == {
        "type": "string",
        "enum": ["validation_failed", "body_unreadable"],
        "title": "Code",
        "description": "What went wrong, for a program; stable",
    }
    assert body["properties"]["errors"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/FieldError"},
        "title": "Errors",
        "description": "The same problems, one per field, in plain words to show at the field; "
        "`code` is stable",
    }
    assert body["required"] == ["code", "errors"]
    field_error = FieldError.model_json_schema(ref_template="#/components/schemas/{model}")
    assert schemas["FieldError"] == {
        name: value for name, value in field_error.items() if name != "$defs"
    }
    assert all(schemas[name] == value for name, value in field_error["$defs"].items())


def test_the_api_document_is_extended_once_however_often_it_is_read(
    validating_app: FastAPI,
) -> None:
    first = json.dumps(validating_app.openapi())
    assert json.dumps(validating_app.openapi()) == first


def test_an_api_with_nothing_to_validate_documents_no_field_errors(failing_app: FastAPI) -> None:
    assert "FieldError" not in failing_app.openapi().get("components", {}).get("schemas", {})


def test_a_429_keeps_its_wait_for_a_page_to_word_its_own_way() -> None:
    assert TooManyRequests("Too many comments", retry_after=40).retry_after == 40


def test_a_domain_error_reads_as_its_detail_in_logs_and_tracebacks() -> None:
    assert str(TooManyRequests("Slow down", retry_after=1)) == "Slow down; try again in 1 second"


def test_what_json_cannot_carry_is_mended_in_a_validation_error_and_its_input_left_out() -> None:
    """Python's JSON parser reads `NaN`, `1e999` and `"\\ud800"`; JSON and UTF-8 cannot
    carry them back: lone surrogates become U+FFFD and non-finite numbers their names."""
    error = {
        "type": "extra_forbidden", "loc": ["body", "a\ud800b"], "msg": "Extra \udfff input",
        "input": [1, float("nan")],
        "ctx": {"limit": float("inf"), "seen": [float("-inf"), 2.5], "na\udc00me": 1},
    }  # fmt: skip
    assert _encodable_error(error) == {
        "type": "extra_forbidden", "loc": ["body", "a\ufffdb"], "msg": "Extra \ufffd input",
        "ctx": {"limit": "inf", "seen": ["-inf", 2.5], "na\ufffdme": 1},
    }  # fmt: skip


@pytest.mark.parametrize("value", ["plain", {"nested": [1, "two", None]}, 1.5])
def test_an_input_json_can_carry_is_echoed_as_it_came(value: object) -> None:
    error = {"type": "string_type", "loc": ["body", "title"], "msg": "Input should be text"}
    assert _encodable_error(error | {"input": value}) == error | {"input": value}


def test_an_input_with_a_lone_surrogate_is_left_out() -> None:
    error = {"type": "string_too_long", "loc": ["body", "title"], "msg": "Too long"}
    assert _encodable_error(error | {"input": "a\ud800"}) == error
