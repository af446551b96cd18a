"""What the cached read path keeps, on a bare app whose routes are at shared paths: never an
answer setting a cookie or saying private or no-store, never one rendered across a write,
never one larger than the bound, and never more than the bound in all."""

from collections.abc import Callable

import pytest
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inkwell.caching.config import CacheSettings
from inkwell.caching.middleware import STATE_KEY, AnonymousCache, SharedResponsesMiddleware


def shared_app(cache: AnonymousCache, page: Callable[[Request], Response]) -> ASGIApp:
    async def endpoint(request: Request) -> Response:
        return page(request)

    app = SharedResponsesMiddleware(
        Starlette(routes=[Route("/", endpoint), Route("/posts/{address}", endpoint)])
    )

    async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, "state": {STATE_KEY: cache}}, receive, send)

    return with_state


def served(cache: AnonymousCache, page: Callable[[Request], Response]) -> AsyncClient:
    transport = ASGITransport(app=shared_app(cache, page))
    return AsyncClient(transport=transport, base_url="http://test")


def a_cache(capacity: int = 100_000) -> AnonymousCache:
    return AnonymousCache.from_settings(CacheSettings(anonymous_cache_bytes=capacity), None)


async def test_an_answer_that_sets_a_cookie_is_private_and_not_kept() -> None:
    def page(_: Request) -> Response:
        response = PlainTextResponse("hello")
        response.set_cookie("visitor", "42")
        return response

    cache = a_cache()
    async with served(cache, page) as client:
        answer = await client.get("/")

    assert answer.headers["cache-control"] == "private, no-store"
    assert cache.kept == 0


@pytest.mark.parametrize("cache_control", ["no-store", "private, max-age=60"])
async def test_an_answer_the_route_calls_private_is_not_kept(cache_control: str) -> None:
    cache = a_cache()
    page = PlainTextResponse("hello", headers={"Cache-Control": cache_control})
    async with served(cache, lambda _: page) as client:
        await client.get("/")

    assert cache.kept == 0


async def test_an_answer_rendered_across_a_write_is_not_kept() -> None:
    cache = a_cache()

    def page(_: Request) -> Response:
        cache.generation.local += 1  # a write committed while this page was read
        return PlainTextResponse("hello")

    async with served(cache, page) as client:
        assert (await client.get("/")).status_code == 200

    assert cache.kept == 0


async def test_an_answer_larger_than_the_bound_is_answered_and_not_kept() -> None:
    cache = a_cache(capacity=1_000)
    async with served(cache, lambda _: PlainTextResponse("x" * 1_000)) as client:
        answer = await client.get("/")

    assert (answer.status_code, len(answer.content)) == (200, 1_000)
    assert (cache.kept, cache.store.size) == (0, 0)


async def test_the_kept_answers_never_exceed_the_bound() -> None:
    cache = a_cache(capacity=8_000)
    async with served(cache, lambda r: PlainTextResponse("x" * 40 * len(r.url.path))) as client:
        for number in range(1, 60):
            await client.get(f"/posts/{number:0{number % 7 + 1}d}")
            assert cache.store.size <= cache.store.capacity

    assert cache.kept == 59
    assert 0 < len(cache.store) < 59


async def test_a_cache_of_zero_bytes_keeps_nothing_and_still_validates() -> None:
    cache = a_cache(capacity=0)
    async with served(cache, lambda _: PlainTextResponse("hello")) as client:
        first = await client.get("/")
        again = await client.get("/", headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
    assert cache.kept == 0


async def test_a_head_answered_from_memory_sends_no_body() -> None:
    """Seen at the ASGI level: a server drops a HEAD's body, but the kept page's bytes
    should not be sent to it for nothing."""
    cache = a_cache()
    app = shared_app(cache, lambda _: PlainTextResponse("hello"))
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        await client.get("/")
    assert cache.kept == 1
    scope: Scope = {
        "type": "http",
        "method": "HEAD",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test")],
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)

    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b""
