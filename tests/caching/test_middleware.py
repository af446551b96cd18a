"""What the cached read path keeps, on a bare app whose routes are at shared paths: never an
answer setting a cookie or saying private or no-store, never one rendered across a write,
never one larger than the bound, and never more than the bound in all."""

import asyncio
from collections.abc import Callable

import pytest
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inkwell.caching.config import CacheSettings
from inkwell.caching.middleware import (
    KEPT_QUERY_MAX_LENGTH,
    STATE_KEY,
    AnonymousCache,
    SharedResponsesMiddleware,
)
from inkwell.operations.head import HeadAsGetMiddleware


def behind_the_cache(cache: AnonymousCache, app: ASGIApp) -> ASGIApp:
    """`app` behind the middleware, with `cache` in every request's state."""
    cached = SharedResponsesMiddleware(app)

    async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
        await cached({**scope, "state": {STATE_KEY: cache}}, receive, send)

    return with_state


def shared_app(cache: AnonymousCache, page: Callable[[Request], Response]) -> ASGIApp:
    async def endpoint(request: Request) -> Response:
        return page(request)

    routes = [Route("/", endpoint), Route("/posts/{address}", endpoint)]
    return behind_the_cache(cache, Starlette(routes=routes))


def served(cache: AnonymousCache, page: Callable[[Request], Response]) -> AsyncClient:
    transport = ASGITransport(app=shared_app(cache, page))
    return AsyncClient(transport=transport, base_url="http://test")


def a_cache(capacity: int = 100_000, wait: float = 5.0) -> AnonymousCache:
    """`wait`: how long a miss waits for another's render of it (0: never)."""
    settings = CacheSettings(anonymous_cache_bytes=capacity, anonymous_cache_wait_seconds=wait)
    return AnonymousCache.from_settings(settings, None)


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


def request_scope(path: str = "/", query: bytes = b"", **changes: object) -> Scope:
    """An anonymous GET's scope as a server makes it; `changes` replace or add keys."""
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"test")],
    }
    return {**scope, **changes}


def request_body(body: bytes = b"") -> Receive:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def call(app: ASGIApp, scope: Scope, receive: Receive | None = None) -> list[Message]:
    """What `app` sends for `scope`."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive or request_body(), send)
    return sent


def body_of(sent: list[Message]) -> bytes:
    return b"".join(message.get("body", b"") for message in sent[1:])


class Pages:
    """A page naming its address, counting its renders."""

    def __init__(self) -> None:
        self.renders = 0

    def __call__(self, request: Request) -> Response:
        self.renders += 1
        return PlainTextResponse(request.path_params.get("address", "home"))


async def test_a_head_answered_from_memory_sends_no_body() -> None:
    """Seen at the ASGI level: a server drops a HEAD's body, but the kept page's bytes
    should not be sent to it for nothing."""
    cache = a_cache()
    app = HeadAsGetMiddleware(shared_app(cache, lambda _: PlainTextResponse("hello")))
    await call(app, request_scope())
    assert cache.kept == 1

    sent = await call(app, request_scope(method="HEAD"))

    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200
    assert (b"content-length", b"5") in sent[0]["headers"]
    assert sent[1]["body"] == b""


async def test_a_request_without_a_host_header_is_kept_and_served_from_memory() -> None:
    """HTTP/1.0 needs no Host header."""
    cache, pages = a_cache(), Pages()
    app = shared_app(cache, pages)

    answers = [await call(app, request_scope(headers=[])) for _ in range(2)]

    assert [body_of(sent) for sent in answers] == [b"home", b"home"]
    assert (cache.kept, pages.renders) == (1, 1)


async def test_a_request_whose_server_gives_no_raw_path_is_kept_by_its_path() -> None:
    """ASGI makes raw_path optional."""
    cache, pages = a_cache(), Pages()
    app = shared_app(cache, pages)
    scope = request_scope("/posts/a")
    del scope["raw_path"]

    answers = [await call(app, scope) for _ in range(2)]

    assert [body_of(sent) for sent in answers] == [b"a", b"a"]
    assert (cache.kept, pages.renders) == (1, 1)


async def test_an_encoded_question_mark_in_a_path_is_not_taken_for_a_query() -> None:
    """Keyed by the decoded path, /posts/a%3Fb and /posts/a?b? would share an entry: one
    post's page answered for another's address."""
    cache, pages = a_cache(), Pages()
    app = shared_app(cache, pages)
    encoded = request_scope("/posts/a?b", raw_path=b"/posts/a%3Fb")
    await call(app, encoded)

    sent = await call(app, request_scope("/posts/a", query=b"b?"))

    assert body_of(sent) == b"a"


LONGEST_QUERY = b"tag=" + b"t" * (KEPT_QUERY_MAX_LENGTH - len(b"tag="))


@pytest.mark.parametrize(
    "query", [b"", b"skip=0", b"skip=", b"skip=%20", b"tag=x&skip=0", LONGEST_QUERY]
)
async def test_a_first_page_is_kept(query: bytes) -> None:
    cache = a_cache()

    await call(shared_app(cache, Pages()), request_scope(query=query))

    assert cache.kept == 1


@pytest.mark.parametrize(
    "query", [b"skip=10", b"tag=x&skip=1", b"cursor=abc", b"cursor=", LONGEST_QUERY + b"t"]
)
async def test_a_later_page_or_a_long_query_is_not_kept(query: bytes) -> None:
    """Cursors and offsets are countless: their pages would crowd the first ones out."""
    cache = a_cache()

    sent = await call(shared_app(cache, Pages()), request_scope(query=query))

    assert (sent[0]["status"], cache.kept) == (200, 0)


async def test_every_render_reads_its_own_request() -> None:
    """A render may read its request (to notice its client leaving): the one that leads a
    miss and the one that renders beside it, as on any route."""
    cache = a_cache(wait=10)
    heard: list[bytes] = []
    leading = asyncio.Event()
    go_on = asyncio.Event()

    async def page(scope: Scope, receive: Receive, send: Send) -> None:
        heard.append((await receive())["body"])
        if len(heard) == 1:
            leading.set()
            await go_on.wait()
        await PlainTextResponse("hello")(scope, receive, send)

    app = behind_the_cache(cache, page)

    leader = asyncio.ensure_future(call(app, request_scope(), request_body(b"first")))
    async with asyncio.timeout(10):
        await leading.wait()
        await call(app, request_scope(), request_body(b"second"))
        go_on.set()
        await leader

    assert heard == [b"first", b"second"]


def _under_a_root_path() -> Scope:
    return request_scope("/blog/", root_path="/blog", raw_path=b"/blog/")


def _with_no_root_path() -> Scope:
    scope = request_scope()
    del scope["root_path"]  # ASGI makes it optional
    return scope


class HeldHome:
    """The home page at /, its renders counted; the first is held until `go_on` is set."""

    def __init__(self) -> None:
        self.renders = 0
        self.leading, self.go_on = asyncio.Event(), asyncio.Event()
        self.app = Starlette(routes=[Route("/", self.render)])

    async def held(self, app: ASGIApp, scope: Scope) -> "asyncio.Future[list[Message]]":
        """The first request of `scope` to `app`, started and held in its render."""
        leader = asyncio.ensure_future(call(app, scope))
        await self.leading.wait()
        return leader

    async def render(self, _: Request) -> Response:
        self.renders += 1
        if self.renders == 1:
            self.leading.set()
            await self.go_on.wait()
        return PlainTextResponse("home")


@pytest.mark.parametrize("scope_of", [_under_a_root_path, _with_no_root_path])
async def test_concurrent_misses_wait_for_the_first_whatever_the_root_path(
    scope_of: Callable[[], Scope],
) -> None:
    """Served under a prefix (a proxy's --root-path), or by a server that gives none."""
    cache = a_cache(wait=10)
    home = HeldHome()
    app = behind_the_cache(cache, home.app)
    async with asyncio.timeout(10):
        leader = await home.held(app, scope_of())
        waiter = asyncio.ensure_future(call(app, scope_of()))
        while sum(flight.waiting for flight in cache.flights.values()) < 1:
            await asyncio.sleep(0.001)
        home.go_on.set()
        answers = await asyncio.gather(leader, waiter)

    assert [body_of(sent) for sent in answers] == [b"home", b"home"]
    assert home.renders == 1


async def test_the_app_s_own_vary_is_kept_and_the_credentials_added() -> None:
    cache = a_cache()
    page = PlainTextResponse("hello", headers={"Vary": "Accept-Language"})

    sent = await call(shared_app(cache, lambda _: page), request_scope())

    assert dict(sent[0]["headers"])[b"vary"] == b"Accept-Language, Cookie, Authorization"


class _Endpoint:
    """An ASGI app as a route's endpoint (Starlette calls a function with a Request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def at_the_home_page(app: ASGIApp) -> ASGIApp:
    """`app` answering the shared route /."""
    return Starlette(routes=[Route("/", _Endpoint(app))])


async def test_a_body_sent_in_parts_is_kept_whole() -> None:
    """ASGI lets the last part leave out its body (an empty one)."""
    cache = a_cache()

    async def page(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hel", "more_body": True})
        await send({"type": "http.response.body", "body": b"lo", "more_body": True})
        await send({"type": "http.response.body"})

    app = behind_the_cache(cache, at_the_home_page(page))
    answers = [await call(app, request_scope()) for _ in range(2)]

    assert [body_of(sent) for sent in answers] == [b"hello", b"hello"]
    assert cache.kept == 1


async def test_without_coalescing_a_miss_is_kept_and_reads_its_request() -> None:
    cache = a_cache(wait=0)
    heard: list[bytes] = []

    async def page(scope: Scope, receive: Receive, send: Send) -> None:
        heard.append((await receive())["body"])
        await PlainTextResponse("hello")(scope, receive, send)

    app = behind_the_cache(cache, at_the_home_page(page))
    await call(app, request_scope(), request_body(b"mine"))

    assert (heard, cache.kept) == ([b"mine"], 1)


@pytest.mark.parametrize(("wait", "flights"), [(0, 0), (0.5, 1)])
async def test_a_miss_leads_a_flight_for_others_to_wait_for_whenever_they_may_wait(
    wait: float, flights: int
) -> None:
    """Any wait above 0 (a fraction of a second too) is one to wait for; 0 turns it off."""
    cache = a_cache(wait=wait)
    in_flight: list[int] = []

    async def page(scope: Scope, receive: Receive, send: Send) -> None:
        in_flight.append(len(cache.flights))
        await PlainTextResponse("hello")(scope, receive, send)

    app = behind_the_cache(cache, at_the_home_page(page))
    await call(app, request_scope())

    assert (in_flight, cache.flights, cache.kept) == ([flights], {}, 1)


async def test_a_post_to_a_kept_page_s_address_reaches_the_app() -> None:
    cache, pages = a_cache(), Pages()
    app = shared_app(cache, pages)
    await call(app, request_scope())

    sent = await call(app, request_scope(method="POST"))

    assert sent[0]["status"] == 405  # the route's own answer, not the kept page
    assert pages.renders == 1


@pytest.mark.parametrize(
    "scope", [{"type": "lifespan"}, request_scope()], ids=["lifespan", "no state"]
)
async def test_what_carries_no_cache_passes_through(scope: Scope) -> None:
    """Lifespan events, and an app run without its lifespan (no state), meet no cache."""
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    await SharedResponsesMiddleware(app)(scope, request_body(), lambda _: asyncio.sleep(0))

    assert seen == [scope["type"]]


async def test_the_app_s_own_last_modified_is_kept() -> None:
    cache = a_cache()
    cache.generation.changed_at = 0  # long ago: the cache would name a Last-Modified
    own = "Mon, 30 Nov 2026 08:00:00 GMT"
    page = PlainTextResponse("feed", headers={"Last-Modified": own})

    sent = await call(shared_app(cache, lambda _: page), request_scope())

    assert dict(sent[0]["headers"])[b"last-modified"] == own.encode()


async def test_a_cache_of_zero_bytes_makes_no_request_wait_for_another() -> None:
    """Off (as `inkwell serve --workers N` turns it), it coalesces nothing either."""
    cache = a_cache(capacity=0, wait=10)
    home = HeldHome()
    app = behind_the_cache(cache, home.app)
    async with asyncio.timeout(10):
        leader = await home.held(app, request_scope())
        await call(app, request_scope())  # answered while the first is held
        home.go_on.set()
        await leader

    assert home.renders == 2


async def test_a_mounted_applications_route_at_a_shared_path_is_not_kept() -> None:
    """Its path is relative to its mount: `/` under `/mounted` is not the home page."""

    async def endpoint(_: Request) -> Response:
        return PlainTextResponse("mounted")

    cache = a_cache()
    app = Starlette(routes=[Mount("/mounted", routes=[Route("/", endpoint)])])
    transport = ASGITransport(app=behind_the_cache(cache, app))
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.get("/mounted/")
    assert (answer.status_code, answer.text) == (200, "mounted")
    assert cache.kept == 0
