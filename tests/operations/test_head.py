"""HEAD is answered as GET without its body wherever GET is answered: the API's routes,
Conduit's, the health check and the pages (operations/head.py). Run on both databases."""

import pytest
from httpx import AsyncClient

from tests.conftest import Account, Api


@pytest.mark.parametrize(
    "path", ["/api/posts", "/api/users/1", "/health", "/conduit/api/articles", "/", "/@author"]
)
async def test_head_answers_with_the_headers_of_get_and_no_body(
    client: AsyncClient, author: Account, path: str
) -> None:
    got, head = await client.get(path), await client.head(path)

    assert (got.status_code, head.status_code) == (200, 200)
    for header in ("content-type", "content-length"):
        assert head.headers[header] == got.headers[header]
    assert head.content == b""


async def test_head_of_a_streamed_answer_has_its_headers_and_no_body(
    client: AsyncClient, api: Api, author: Account
) -> None:
    """A sitemap streams: its response listens for the client leaving while it sends."""
    await api.post(author)

    got, head = (
        await client.get("/sitemaps/posts-1.xml"),
        await client.head("/sitemaps/posts-1.xml"),
    )

    assert (got.status_code, head.status_code) == (200, 200)
    assert head.headers["content-type"] == got.headers["content-type"]
    assert b"<urlset" in got.content
    assert head.content == b""


async def test_head_of_what_get_does_not_find_is_its_404(client: AsyncClient) -> None:
    response = await client.head("/api/posts/999")

    assert response.status_code == 404
    assert response.content == b""


async def test_head_where_only_post_is_answered_is_a_405_naming_post(client: AsyncClient) -> None:
    response = await client.head("/api/users/token")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_a_405_names_head_beside_get(client: AsyncClient) -> None:
    response = await client.delete("/api/posts")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
