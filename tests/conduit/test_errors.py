"""What each kind of failure answers in Conduit's shape, `{"errors": {field: [message]}}`, on
an app of the test's own with only Conduit's error handlers installed (the Conduit app's own
are installed once, when it is made, which no test would see change)."""

import logging
from collections.abc import AsyncIterator
from typing import Annotated

import pytest
from fastapi import Body, FastAPI, HTTPException, Query
from httpx import AsyncClient
from pydantic import BaseModel, StringConstraints, field_validator
from starlette.types import Receive, Scope, Send

from inkwell.conduit.errors import ConduitError, article_not_found, install_conduit_errors
from inkwell.errors import ErrorCode, NotFound, ServiceUnavailable, Unauthorized
from tests.failures import BUGS, FAILURES, OUTAGES, called_without_root_path, client_of, failing

OUTAGE = {"errors": {"database": ["is temporarily unavailable"]}}
BUG = {"errors": {"server": ["internal error"]}}

RAISED: dict[str, Exception] = {
    **FAILURES,
    "spoken": NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND),
    "unspoken": NotFound("No posts have this tag"),
    "unauthorized": Unauthorized("Not authenticated"),
    "unavailable": ServiceUnavailable("Temporarily unavailable; try again shortly"),
    "conduits-own": ConduitError(403, "article", "forbidden"),
    "conduits-own-401": ConduitError(401, "token", "is invalid"),
    "busy": HTTPException(503, "Service Unavailable", {"Retry-After": "7"}),
    "unreadable": HTTPException(400, "There was an error parsing the body"),
    "too-large": HTTPException(413, "Request body too large"),
    "unsupported": HTTPException(415, "Unsupported media type"),
}


class Article(BaseModel):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    tagList: list[str] = []  # noqa: N815  (the spec's name)

    @field_validator("title")
    @classmethod
    def _not_shouting(cls, title: str) -> str:
        if title.isupper():
            raise ValueError("Titles may not shout")
        if title.count(".") == 3:
            raise ValueError("IPv4 addresses are not titles")
        return title


async def refusing_every_method(scope: Scope, receive: Receive, send: Send) -> None:
    """An application mounted beside Conduit's routes, whose paths none of them declares."""
    raise HTTPException(405)


@pytest.fixture
def conduit_app() -> FastAPI:
    """/<failure> raises it; /articles validates a body, /articles/feed a query."""
    app = FastAPI()
    install_conduit_errors(app)
    for name, exc in RAISED.items():
        app.add_api_route(f"/{name}", failing(exc))

    async def create_article(article: Annotated[Article, Body(embed=True)]) -> None:
        return None

    async def feed(limit: Annotated[int, Query(ge=1)] = 20) -> None:
        return None

    async def update_article(slug: str) -> None:
        return None

    app.add_api_route("/articles", create_article, methods=["POST"])
    app.add_api_route("/articles/feed", feed, methods=["GET"])
    app.add_api_route("/articles/{slug}", update_article, methods=["PUT", "DELETE"])
    app.mount("/elsewhere", refusing_every_method)
    return app


@pytest.fixture
async def conduit_client(conduit_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with client_of(conduit_app) as client:
        yield client


@pytest.mark.parametrize("failure", OUTAGES)
async def test_a_lost_or_exhausted_database_is_a_503_to_retry(
    conduit_client: AsyncClient, failure: str
) -> None:
    response = await conduit_client.get(f"/{failure}")

    assert (response.status_code, response.json()) == (503, OUTAGE)
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize("failure", BUGS)
async def test_anything_else_is_a_500_that_tells_nothing_of_itself(
    conduit_client: AsyncClient, failure: str
) -> None:
    response = await conduit_client.get(f"/{failure}")

    assert (response.status_code, response.json()) == (500, BUG)
    assert "Retry-After" not in response.headers


@pytest.mark.parametrize(
    ("failure", "level", "message"),
    [("bug", logging.ERROR, "unhandled error"),
     ("unexplained", logging.ERROR, "unhandled error"),
     ("timeout", logging.WARNING, "database unavailable: TimeoutError")],
)  # fmt: skip
async def test_a_failure_is_logged_with_its_traceback(
    conduit_client: AsyncClient,
    caplog: pytest.LogCaptureFixture,
    failure: str,
    level: int,
    message: str,
) -> None:
    with caplog.at_level(logging.INFO, logger="inkwell.conduit.errors"):
        await conduit_client.get(f"/{failure}")

    (record,) = [r for r in caplog.records if r.name == "inkwell.conduit.errors"]
    assert (record.levelno, record.getMessage()) == (level, message)
    assert record.exc_info is not None
    assert record.exc_info[1] is RAISED[failure]


async def test_an_error_the_spec_words_takes_its_field_and_message(
    conduit_client: AsyncClient,
) -> None:
    response = await conduit_client.get("/spoken")

    assert (response.status_code, response.json()) == (404, {"errors": {"article": ["not found"]}})


async def test_an_error_the_spec_does_not_word_is_named_by_its_code_with_its_detail(
    conduit_client: AsyncClient,
) -> None:
    response = await conduit_client.get("/unspoken")

    assert response.status_code == 404
    assert response.json() == {"errors": {"not_found": ["No posts have this tag"]}}


async def test_a_rate_limit_says_when_to_come_back(conduit_client: AsyncClient) -> None:
    response = await conduit_client.get("/limited")

    assert response.status_code == 429
    assert response.json() == {
        "errors": {"rate_limited": ["Too many posts; try again in 42 seconds"]}
    }
    assert response.headers["Retry-After"] == "42"


async def test_a_service_unavailable_keeps_its_retry_after(conduit_client: AsyncClient) -> None:
    response = await conduit_client.get("/unavailable")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize("failure", ["unauthorized", "challenged", "conduits-own-401"])
async def test_a_401_challenges_with_conduits_token_scheme_alone(
    conduit_client: AsyncClient, failure: str
) -> None:
    response = await conduit_client.get(f"/{failure}")

    assert response.status_code == 401
    assert response.headers.get_list("WWW-Authenticate") == ["Token"]


async def test_a_401_the_spec_words_says_the_token_is_missing(
    conduit_client: AsyncClient,
) -> None:
    response = await conduit_client.get("/unauthorized")

    assert response.json() == {"errors": {"token": ["is missing"]}}


async def test_conduits_own_error_answers_as_raised(conduit_client: AsyncClient) -> None:
    response = await conduit_client.get("/conduits-own")

    assert (response.status_code, response.json()) == (403, {"errors": {"article": ["forbidden"]}})


def test_conduits_own_error_reads_as_its_field_and_message_in_a_traceback() -> None:
    assert str(article_not_found()) == "article not found"


async def test_an_http_error_keeps_the_headers_it_was_raised_with(
    conduit_client: AsyncClient,
) -> None:
    response = await conduit_client.get("/busy")

    assert response.status_code == 503
    assert response.json() == {"errors": {"request": ["service unavailable"]}}
    assert response.headers["Retry-After"] == "7"


@pytest.mark.parametrize(
    ("failure", "status", "errors"),
    [("unreadable", 422, {"body": ["there was an error parsing the body"]}),
     ("too-large", 413, {"body": ["request body too large"]}),
     ("unsupported", 415, {"body": ["unsupported media type"]}),
     ("teapot", 418, {"request": ["i'm a teapot"]}),
     ("challenged", 401, {"request": ["not authenticated"]}),
     ("read-only", 405, {"method": ["this is read only"]})],
    ids=["400 is 422", "413", "415", "any other", "401", "405"],
)  # fmt: skip
async def test_an_http_error_names_what_it_is_about_in_its_own_words_lower_cased(
    conduit_client: AsyncClient, failure: str, status: int, errors: dict[str, list[str]]
) -> None:
    response = await conduit_client.get(f"/{failure}")

    assert (response.status_code, response.json()) == (status, {"errors": errors})


async def test_a_path_no_route_answers_is_a_404_about_the_resource(
    conduit_client: AsyncClient,
) -> None:
    response = await conduit_client.get("/nowhere")

    assert response.status_code == 404
    assert response.json() == {"errors": {"resource": ["not found"]}}


async def test_a_405_raised_by_an_endpoint_names_the_methods_its_path_takes(
    conduit_client: AsyncClient,
) -> None:
    response = await conduit_client.get("/read-only")

    assert response.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("PATCH", "/articles/some-slug", "PUT, DELETE"),
     ("POST", "/articles/feed", "GET, HEAD"),
     ("GET", "/articles", "POST")],
    ids=["a path with a parameter", "the fewest parameters win", "a path without"],
)  # fmt: skip
async def test_a_wrong_method_is_a_405_allowing_the_methods_of_the_path(
    conduit_client: AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await conduit_client.request(method, path)

    assert response.status_code == 405
    assert response.json() == {"errors": {"method": ["method not allowed"]}}
    assert response.headers["Allow"] == allowed


async def test_under_a_root_path_the_methods_are_the_mounted_paths(
    conduit_app: FastAPI,
) -> None:
    async with client_of(conduit_app, root_path="/conduit/api") as client:
        response = await client.post("/conduit/api/articles/feed")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


NOT_A_STRING = "input should be a valid string"


async def test_a_server_that_sends_no_root_path_has_none(conduit_app: FastAPI) -> None:
    sent = await called_without_root_path(conduit_app, "POST", "/articles/feed")

    assert sent[0]["status"] == 405
    assert (b"allow", b"GET, HEAD") in sent[0]["headers"]


async def test_a_405_from_an_application_mounted_beside_names_no_methods(
    conduit_client: AsyncClient,
) -> None:
    response = await conduit_client.get("/elsewhere/anything")

    assert response.status_code == 405
    assert response.json() == {"errors": {"method": ["method not allowed"]}}
    assert "Allow" not in response.headers


def article(**fields: object) -> dict[str, object]:
    return {"article": fields}


@pytest.mark.parametrize(
    ("body", "errors"),
    [({}, {"article": ["can't be blank"]}),
     (article(tagList=[]), {"title": ["can't be blank"]}),
     (article(title="  "), {"title": ["can't be blank"]}),
     (article(title=7), {"title": [NOT_A_STRING]}),
     (article(title="LOUD"), {"title": ["titles may not shout"]}),
     (article(title="10.0.0.1"), {"title": ["IPv4 addresses are not titles"]}),
     (article(title="Tea", tagList=["a", 1, 2]), {"tagList": [NOT_A_STRING]}),
     (article(title=1, tagList=[2]), {"title": [NOT_A_STRING], "tagList": [NOT_A_STRING]})],
    ids=["missing", "missing within", "blank", "wrong type", "refused by a validator",
         "refused in words that start with an acronym", "each field once with each message once",
         "each field its own"],
)  # fmt: skip
async def test_an_invalid_body_is_a_422_by_field_in_the_specs_words(
    conduit_client: AsyncClient, body: object, errors: dict[str, list[str]]
) -> None:
    response = await conduit_client.post("/articles", json=body)

    assert (response.status_code, response.json()) == (422, {"errors": errors})


async def test_a_body_that_is_not_json_keeps_the_acronym_at_the_start_of_its_message(
    conduit_client: AsyncClient,
) -> None:
    response = await conduit_client.post(
        "/articles", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert (response.status_code, response.json()) == (
        422,
        {"errors": {"body": ["JSON decode error"]}},
    )


async def test_an_invalid_query_parameter_is_named_by_itself(conduit_client: AsyncClient) -> None:
    response = await conduit_client.get("/articles/feed", params={"limit": "0"})

    assert response.status_code == 422
    assert response.json() == {"errors": {"limit": ["input should be greater than or equal to 1"]}}
