"""HTTP caching of what anonymous readers share: a weak ETag, a Last-Modified, a public
Cache-Control that lets a shared cache keep it briefly, `Vary: Cookie, Authorization`,
and 304 to a reader that has this version, on every shared route; a signed-in answer is
`private, no-store`. Run on both databases."""

import time
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from httpx import AsyncClient
from starlette.datastructures import Headers

from inkwell.caching.conditional import not_modified, weak_etag
from inkwell.caching.middleware import SHARED_ROUTES, AnonymousCache, Sharing
from tests.conftest import Account
from tests.factories import Factory

# An address of each shared route, filled in with `world`.
EXAMPLES = {
    "/": "/",
    "/posts/{address}": "/posts/{id}-{slug}",
    "/@{username}": "/@author",
    "/tags/{tag}": "/tags/python",
    "/feed.atom": "/feed.atom",
    "/@{username}/feed.atom": "/@author/feed.atom",
    "/tags/{tag}/feed.atom": "/tags/python/feed.atom",
    "/api/posts": "/api/posts",
    "/api/posts/{post_id:int}": "/api/posts/{id}",
    "/api/posts/{post_id:int}/comments": "/api/posts/{id}/comments",
    "/api/users/{user_id:int}": "/api/users/{user_id}",
    "/api/users/{user_id:int}/posts": "/api/users/{user_id}/posts",
    "/api/tags": "/api/tags",
    "/search": "/search?q=words",
    "/api/search": "/api/search?q=words",
    "/sitemap.xml": "/sitemap.xml",
    "/robots.txt": "/robots.txt",
}


@pytest.fixture
async def world(factory: Factory) -> dict[str, Any]:
    author = await factory.account("author")
    post = await factory.post(author, title="Some words", tags=["python"])
    return {"id": post["id"], "slug": post["slug"], "user_id": author.id, "author": author}


def test_every_shared_route_has_an_example() -> None:
    assert set(EXAMPLES) == set(SHARED_ROUTES)


@pytest.mark.parametrize("route", SHARED_ROUTES)
async def test_a_shared_route_answers_304_to_a_reader_that_has_it(
    client: AsyncClient, world: dict[str, Any], cache: AnonymousCache, route: str
) -> None:
    address = EXAMPLES[route].format(**world)
    first = await client.get(address)
    assert first.status_code == 200, first.text

    again = await client.get(address, headers={"If-None-Match": first.headers["etag"]})

    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert "Cookie" in again.headers["vary"]
    assert cache.kept == (1 if SHARED_ROUTES[route] is Sharing.KEPT else 0)


@pytest.mark.parametrize("route", SHARED_ROUTES)
async def test_a_shared_route_lets_shared_caches_keep_the_anonymous_answer(
    client: AsyncClient, world: dict[str, Any], route: str
) -> None:
    answer = await client.get(EXAMPLES[route].format(**world))

    assert answer.headers["cache-control"].startswith("public")
    assert "private" not in answer.headers["cache-control"]
    assert answer.headers["vary"].endswith("Cookie, Authorization")


async def test_a_page_answers_with_a_weak_etag_of_its_bytes(
    client: AsyncClient, world: dict[str, Any]
) -> None:
    page = await client.get("/")

    assert page.headers["etag"] == weak_etag(page.content)
    assert page.headers["cache-control"] == "public, max-age=0, s-maxage=10"


async def test_a_page_kept_and_served_from_memory_still_answers_304(
    client: AsyncClient, world: dict[str, Any], cache: AnonymousCache
) -> None:
    first = await client.get("/")
    assert cache.kept == 1
    await client.get("/")

    again = await client.get("/", headers={"If-None-Match": f'"x", {first.headers["etag"]}'})

    assert again.status_code == 304


async def test_a_page_answers_304_to_if_modified_since_its_last_modified(
    client: AsyncClient, world: dict[str, Any], cache: AnonymousCache
) -> None:
    cache.generation.changed_at = time.time() - 10  # no write for ten seconds
    first = await client.get("/")
    modified = first.headers["last-modified"]
    long_before = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)

    assert (await client.get("/", headers={"If-Modified-Since": modified})).status_code == 304
    assert (await client.get("/", headers={"If-Modified-Since": long_before})).status_code == 200


async def test_a_write_makes_the_reader_s_version_stale(
    client: AsyncClient, world: dict[str, Any]
) -> None:
    first = await client.get("/")
    author: Account = world["author"]
    await client.post("/api/posts", json={"title": "More", "content": "c"}, headers=author.headers)

    again = await client.get("/", headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 200
    assert again.headers["etag"] != first.headers["etag"]


async def test_a_signed_in_answer_is_private_and_kept_by_no_cache(
    client: AsyncClient, world: dict[str, Any]
) -> None:
    author: Account = world["author"]
    answer = await client.get("/api/posts", headers=author.headers)

    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.headers["vary"] == "Cookie, Authorization"


async def test_a_route_that_is_not_shared_is_left_alone(client: AsyncClient) -> None:
    answer = await client.get("/login")

    assert "etag" not in answer.headers
    assert "vary" not in answer.headers


@pytest.mark.parametrize(
    ("request_headers", "expected"),
    [
        ({"If-None-Match": 'W/"a"'}, True),
        ({"If-None-Match": '"a"'}, True),  # weak comparison
        ({"If-None-Match": '"b", W/"a"'}, True),
        ({"If-None-Match": "*"}, True),
        ({"If-None-Match": '"b"', "If-Modified-Since": "Sat, 01 Jan 2050 00:00:00 GMT"}, False),
        ({"If-Modified-Since": "Sat, 01 Jan 2050 00:00:00 GMT"}, True),
        ({"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}, False),
        ({"If-Modified-Since": "not a date"}, False),
        ({}, False),
    ],
)
def test_conditional_requests_follow_rfc_9110(
    request_headers: dict[str, str], expected: bool
) -> None:
    modified = "Mon, 30 Nov 2026 08:00:00 GMT"

    assert not_modified(Headers(request_headers), 'W/"a"', modified) is expected
