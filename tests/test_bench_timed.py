"""bench.apps.timed: every benchmarked app times its own requests, and answers their median
and 99th percentile when asked, starting afresh each time."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from bench.apps import Receive, Scope, Send
from bench.apps.timed import LATENCY_PATH, Timed, percentile
from httpx import ASGITransport, AsyncClient


async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers after as many milliseconds as its path says: /20 after 20 ms."""
    await asyncio.sleep(int(scope["path"].strip("/")) / 1000)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
async def client() -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=Timed(slow_app))
    async with AsyncClient(transport=transport, base_url="http://bench") as client:
        yield client


async def test_the_app_answers_its_requests_median_and_99th_percentile(client: AsyncClient) -> None:
    for delay in (10, 10, 10, 60):
        assert (await client.get(f"/{delay}")).text == "ok"

    figures = (await client.get(LATENCY_PATH)).json()

    assert figures["requests"] == 4
    assert 10 <= figures["p50_ms"] < 60
    assert figures["p99_ms"] >= 60


async def test_asking_starts_afresh_and_is_not_timed(client: AsyncClient) -> None:
    await client.get("/1")
    await client.get(LATENCY_PATH)

    assert (await client.get(LATENCY_PATH)).json() == {"requests": 0, "p50_ms": 0, "p99_ms": 0}


@pytest.mark.parametrize(
    ("share", "expected"), [(0.5, 50.0), (0.99, 99.0), (1.0, 100.0), (0.001, 1.0)]
)
def test_percentiles_are_nearest_rank(share: float, expected: float) -> None:
    assert percentile([float(n) for n in range(1, 101)], share) == expected


def test_no_requests_have_no_percentile() -> None:
    assert percentile([], 0.99) == 0.0
