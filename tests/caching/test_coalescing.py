"""Coalesced misses: concurrent anonymous reads of a page that is not in memory (a cold
start, or right after a write) render it once, the first of them for all; when that render
is not kept, fails or takes too long, each renders for itself. A request whose answer would
not be kept never waits. Whatever the outcome, no render is left recorded as in flight.
Run on both databases."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI, HTTPException
from httpx import AsyncClient, Response
from starlette.requests import Request

from inkwell.caching.middleware import KEPT_QUERY_MAX_LENGTH, AnonymousCache
from inkwell.db import Reader
from inkwell.dependencies import _reader
from tests.conftest import Account, StatementCounter

HERD = 20
WAITERS = 5
# Long enough for a busy machine, short enough that a hang fails the test.
PATIENCE = 10.0
FORGED = "inkwell_session=expired.or.forged"


@dataclass
class Gate:
    """Every render that reads (through DbReader) is counted; the next one, once held, stops
    at its first read until opened, and then goes on or fails."""

    renders: int = 0
    held: bool = False
    failure: Exception | None = None
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    def hold_next(self, failure: Exception | None = None) -> None:
        self.held, self.failure = True, failure

    async def reader(self, request: Request) -> Reader:
        self.renders += 1
        if self.held:
            self.held = False
            self.entered.set()
            await self.opened.wait()
            if self.failure is not None:
                raise self.failure
        return await _reader(request)


@pytest.fixture
def gate(app: FastAPI, cache: AnonymousCache) -> Gate:
    gate = Gate()
    app.dependency_overrides[_reader] = gate.reader
    # A request that waits for a held render waits longer than the test: it fails.
    cache.wait = 2 * PATIENCE
    return gate


def waiting(cache: AnonymousCache) -> int:
    return sum(flight.waiting for flight in cache.flights.values())


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(PATIENCE):
        while not condition():
            await asyncio.sleep(0.005)


async def held_leader(gate: Gate, read: Awaitable[Response]) -> "asyncio.Task[Response]":
    """The first read of a page, started and held in its render."""
    leader = asyncio.ensure_future(read)
    async with asyncio.timeout(PATIENCE):
        await gate.entered.wait()
    return leader


async def released(gate: Gate, leader: "asyncio.Task[Response]") -> Response:
    """The answer of a leader still held in its render, once its gate is opened."""
    assert not leader.done()
    gate.opened.set()
    async with asyncio.timeout(PATIENCE):
        return await leader


async def write_a_post(client: AsyncClient, author: Account, title: str) -> None:
    response = await client.post(
        "/api/posts", json={"title": title, "content": "c"}, headers=author.headers
    )
    assert response.status_code == 201, response.text


async def test_concurrent_anonymous_reads_after_a_write_render_the_page_once(
    client: AsyncClient, author: Account, cache: AnonymousCache, count_statements: StatementCounter
) -> None:
    await write_a_post(client, author, "First words")
    before = len(count_statements)
    await client.get("/")
    one_render = len(count_statements) - before
    await write_a_post(client, author, "Second words")
    before = len(count_statements)

    pages = await asyncio.gather(*(client.get("/") for _ in range(HERD)))

    assert len(count_statements) - before == one_render
    assert {(page.status_code, page.content, page.headers["etag"]) for page in pages} == {
        (200, pages[0].content, pages[0].headers["etag"])
    }
    assert "Second words" in pages[0].text
    assert cache.flights == {}


async def test_a_waiter_that_has_the_leader_s_page_is_answered_304(
    client: AsyncClient, author: Account, cache: AnonymousCache, gate: Gate
) -> None:
    etag = (await client.get("/")).headers["etag"]
    cache.generation.changed()  # a write that changes nothing on this page: a miss again
    gate.hold_next()
    leader = await held_leader(gate, client.get("/"))
    waiter = asyncio.ensure_future(client.get("/", headers={"If-None-Match": etag}))
    await until(lambda: waiting(cache) == 1)

    gate.opened.set()

    assert ((await leader).status_code, (await waiter).status_code) == (200, 304)
    assert (await waiter).headers["etag"] == etag
    assert gate.renders == 2  # the first read, and the leader's
    assert cache.flights == {}


@pytest.mark.parametrize(
    "failure",
    [HTTPException(500, "The leader's own failure"), RuntimeError("the leader's own failure")],
    ids=["answers 500", "raises"],
)
async def test_when_the_leader_fails_each_waiter_renders_its_own_answer(
    client: AsyncClient,
    author: Account,
    cache: AnonymousCache,
    gate: Gate,
    failure: Exception,
) -> None:
    await write_a_post(client, author, "Standing words")
    gate.renders = 0  # the write's own reads
    gate.hold_next(failure)
    leader = await held_leader(gate, client.get("/api/posts"))
    waiters = [asyncio.ensure_future(client.get("/api/posts")) for _ in range(WAITERS)]
    await until(lambda: waiting(cache) == WAITERS)
    assert gate.renders == 1  # they wait: none renders while the leader does

    gate.opened.set()

    led, *answers = await asyncio.gather(leader, *waiters, return_exceptions=True)
    assert isinstance(led, RuntimeError) or (isinstance(led, Response) and led.status_code == 500)
    for answer in answers:
        assert isinstance(answer, Response)
        assert answer.status_code == 200
        assert [post["title"] for post in answer.json()["posts"]] == ["Standing words"]
    assert gate.renders == 1 + WAITERS
    assert cache.flights == {}


Read = Callable[[AsyncClient, Account, str], Awaitable[Response]]


def _get(client: AsyncClient, _: Account, address: str) -> Awaitable[Response]:
    return client.get(address)


@pytest.mark.parametrize(
    "case",
    [
        ("/", lambda client, author, address: client.get(address, headers=author.headers)),
        ("/", lambda client, _, address: client.get(address, headers={"Cookie": FORGED})),
        ("/?skip=10", _get),
        (f"/?tag={'t' * KEPT_QUERY_MAX_LENGTH}", _get),
    ],
    ids=["signed in", "sign-in cookie", "later page", "long query"],
)
async def test_a_request_whose_answer_would_not_be_kept_never_waits_for_a_leader(
    client: AsyncClient, author: Account, cache: AnonymousCache, gate: Gate, case: tuple[str, Read]
) -> None:
    """It completes while the first anonymous GET of the same address is held in its render."""
    address, read = case
    gate.hold_next()
    first = await held_leader(gate, client.get(address))

    async with asyncio.timeout(PATIENCE):
        answer = await read(client, author, address)

    assert answer.status_code == 200
    assert (await released(gate, first)).status_code == 200
    assert cache.flights == {}


async def test_a_waiter_renders_for_itself_once_its_wait_runs_out(
    client: AsyncClient, author: Account, cache: AnonymousCache, gate: Gate
) -> None:
    cache.wait = 0.05
    gate.hold_next()
    leader = await held_leader(gate, client.get("/api/posts"))

    async with asyncio.timeout(PATIENCE):
        waiter = await client.get("/api/posts")

    assert waiter.status_code == 200
    assert gate.renders == 2
    assert waiting(cache) == 0
    # Its own answer is an anonymous one like any other: shared, and kept.
    assert waiter.headers["cache-control"] == cache.public_cache_control
    assert cache.kept == 1
    assert (await released(gate, leader)).status_code == 200
    assert cache.flights == {}


async def test_a_cancelled_leader_leaves_nothing_in_flight_and_its_waiters_render(
    client: AsyncClient, author: Account, cache: AnonymousCache, gate: Gate
) -> None:
    gate.hold_next()
    leader = await held_leader(gate, client.get("/api/posts"))
    waiters = [asyncio.ensure_future(client.get("/api/posts")) for _ in range(WAITERS)]
    await until(lambda: waiting(cache) == WAITERS)

    leader.cancel()

    answers = await asyncio.gather(*waiters)
    assert [answer.status_code for answer in answers] == [200] * WAITERS
    assert leader.cancelled()
    assert gate.renders == 1 + WAITERS
    assert cache.flights == {}
