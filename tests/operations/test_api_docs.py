"""/docs works offline and under the strict CSP: no inline script, every asset served here."""

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import pytest
from httpx import ASGITransport, AsyncClient

from inkwell.app import create_app
from inkwell.config import Settings
from tests.conftest import started

DOCS_PATHS = ["/docs", "/docs/oauth2-redirect", "/docs/assets/swagger-ui.css", "/openapi.json"]


@pytest.fixture
async def client_without_docs(settings: Settings) -> AsyncIterator[AsyncClient]:
    """The app as production may run it: API_DOCS=false."""
    app = create_app(settings.model_copy(update={"api_docs": False}))
    async with (
        started(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client,
    ):
        yield client


class AssetCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "data-openapi-url", "data-oauth2-redirect-url"):
            if values.get(name):
                self.urls.append(values[name] or "")
        self._in_script = tag == "script"
        if self._in_script and not values.get("src"):
            self.inline_scripts.append("")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


async def parse_docs(client: AsyncClient) -> AssetCollector:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    collector = AssetCollector()
    collector.feed(response.text)
    return collector


async def test_the_docs_page_has_no_inline_script_or_style(client: AsyncClient) -> None:
    page = await client.get("/docs")
    collector = await parse_docs(client)
    assert collector.inline_scripts == []
    assert "<style" not in page.text
    assert not re.search(r"\son\w+=", page.text), "inline event handlers are scripts too"


async def test_every_asset_of_the_docs_page_comes_from_the_app(client: AsyncClient) -> None:
    collector = await parse_docs(client)
    assert len(collector.urls) == 7
    for url in collector.urls:
        assert url.startswith("/"), f"{url} is not served by the app"
        response = await client.get(url)
        assert response.status_code == 200, url


async def test_the_docs_scripts_are_served_as_javascript(client: AsyncClient) -> None:
    for path in ("/docs/assets/swagger-ui-bundle.js", "/static/js/swagger-init.js"):
        response = await client.get(path)
        assert response.headers["content-type"].startswith("text/javascript"), path


async def test_redoc_is_not_served(client: AsyncClient) -> None:
    assert (await client.get("/redoc")).status_code == 404


async def test_the_docs_and_the_schema_are_served_by_default(client: AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    schema = await client.get("/openapi.json")
    assert schema.status_code == 200
    assert "/api/posts" in schema.json()["paths"]


@pytest.mark.parametrize("path", DOCS_PATHS)
async def test_with_api_docs_off_the_docs_and_the_schema_are_not_found(
    client_without_docs: AsyncClient, path: str
) -> None:
    assert (await client_without_docs.get(path)).status_code == 404


async def test_with_api_docs_off_the_api_still_answers(client_without_docs: AsyncClient) -> None:
    assert (await client_without_docs.get("/api/posts")).status_code == 200
