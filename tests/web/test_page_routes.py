"""What makes a route a page, on pages of the test's own (the site's are built at import):
it answers HTML, stays out of the API's document, and a dependency may send its visitor to
sign in first."""

from collections.abc import AsyncIterator

import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import ASGITransport, AsyncClient

from inkwell.web.common import PageRoute, SignInFirst, page_router


async def signed_out() -> None:
    raise SignInFirst(RedirectResponse("/login?next=%2Fmine", status_code=303))


@pytest.fixture
def pages() -> FastAPI:
    router = page_router()

    async def hello() -> str:
        return "<p>Hello</p>"

    async def sent() -> str:
        return "<p>Sent</p>"

    async def mine() -> str:
        return "<p>Yours</p>"

    router.add_api_route("/hello", hello, methods=["GET"])
    router.add_api_route("/form", sent, methods=["POST"])
    router.add_api_route("/mine", mine, methods=["GET"], dependencies=[Depends(signed_out)])
    app = FastAPI()
    app.include_router(router)
    return app


@pytest.fixture
async def visitor(pages: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=pages), base_url="http://test") as client:
        yield client


async def test_a_page_answers_html(visitor: AsyncClient) -> None:
    response = await visitor.get("/hello")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == "<p>Hello</p>"


async def test_a_dependency_may_send_the_visitor_to_sign_in_first(visitor: AsyncClient) -> None:
    response = await visitor.get("/mine")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fmine"
    assert response.text == ""


async def test_pages_stay_out_of_the_api_document(pages: FastAPI) -> None:
    assert pages.openapi()["paths"] == {}


async def test_a_page_routers_routes_are_page_routes(pages: FastAPI) -> None:
    """What tells an error on a page (answered with the HTML page) from one in the API."""
    routes = {
        context.path: context.original_route
        for context in iter_route_contexts(pages.routes)
        if isinstance(context.original_route, APIRoute)
    }
    assert set(routes) == {"/hello", "/form", "/mine"}
    assert all(type(route) is PageRoute for route in routes.values())


def test_a_sign_in_redirect_that_escapes_a_page_reads_as_what_it_is() -> None:
    """Raised outside a page (an API route, by mistake), it is a 500 logged as this."""
    assert str(SignInFirst(RedirectResponse("/login"))) == "sign in first"
