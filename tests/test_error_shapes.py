"""The route that failed decides an error's shape: a page route answers with the HTML error
page, any other route with JSON, wherever their paths are; a mounted application answers its
own errors."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from httpx import ASGITransport, AsyncClient

from inkwell.errors import DomainError, NotFound
from inkwell.web.common import PageRoute
from tests.conftest import started


async def missing() -> None:
    raise NotFound("Nothing here")


@pytest.fixture
async def shapes_client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """The app with a JSON route outside /api, a page route inside it, and a second API
    mounted with its own error shape (as the Conduit API will be)."""
    app.router.add_api_route("/elsewhere/missing", missing)
    app.router.add_api_route("/api/page/missing", missing, route_class_override=PageRoute)
    second_api = FastAPI()
    second_api.add_api_route("/missing", missing)

    async def own_shape(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return JSONResponse({"errors": {"body": [exc.detail]}}, exc.status_code)

    second_api.add_exception_handler(DomainError, own_shape)
    app.mount("/second/api", second_api)
    async with (
        started(app) as started_app,
        AsyncClient(transport=ASGITransport(app=started_app), base_url="http://test") as client,
    ):
        yield client


async def test_a_json_route_answers_json_outside_the_api_prefix(
    shapes_client: AsyncClient,
) -> None:
    response = await shapes_client.get("/elsewhere/missing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nothing here", "code": "not_found"}


async def test_a_wrong_method_on_a_json_route_answers_json_outside_the_api_prefix(
    shapes_client: AsyncClient,
) -> None:
    response = await shapes_client.delete("/elsewhere/missing")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed", "code": "method_not_allowed"}


async def test_a_page_route_answers_the_html_page_inside_the_api_prefix(
    shapes_client: AsyncClient,
) -> None:
    response = await shapes_client.get("/api/page/missing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Nothing here" in response.text


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/no-such-thing", "application/json"),
        ("/health/no-such-check", "application/json"),
        ("/no/such/page", "text/html; charset=utf-8"),
        ("/users/4242/no-such-page", "text/html; charset=utf-8"),
        ("/static/no-such-file.css", "text/html; charset=utf-8"),
    ],
)
async def test_an_unknown_path_takes_the_shape_of_the_routes_of_its_first_segment(
    client: AsyncClient, path: str, content_type: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == content_type


async def test_a_mounted_api_answers_its_errors_in_its_own_shape(
    shapes_client: AsyncClient,
) -> None:
    response = await shapes_client.get("/second/api/missing")
    assert response.status_code == 404
    assert response.json() == {"errors": {"body": ["Nothing here"]}}
