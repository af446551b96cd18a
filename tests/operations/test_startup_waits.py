"""The operations tests wait for a server patiently while it works (a busy machine starts
it slowly) and not at all once it has died, hung or spun past its budget."""

import asyncio
import sys

import pytest

from tests import servers
from tests.servers import running, wait_until

BUSY = (sys.executable, "-c", "while True: pass")
IDLE = (sys.executable, "-c", "import time; time.sleep(60)")


@pytest.fixture(autouse=True)
def short_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servers, "IDLE_WINDOW", 0.5)


def after(seconds: float) -> "asyncio.Future[None]":
    return asyncio.ensure_future(asyncio.sleep(seconds))


@pytest.mark.slow
async def test_a_working_server_is_waited_for_past_the_patience() -> None:
    done = after(3)
    async with running(*BUSY) as server:
        await wait_until(server, lambda: _is_done(done), "not ready", patience=1)


@pytest.mark.slow
async def test_a_server_that_stopped_working_fails_soon_after_the_patience() -> None:
    async with running(*IDLE) as server:
        with pytest.raises(AssertionError, match="stopped working"):
            async with asyncio.timeout(30):
                await wait_until(server, _never, "not ready", patience=1)


@pytest.mark.slow
async def test_a_server_that_exits_fails_at_once() -> None:
    async with running(sys.executable, "-c", "print('bye')") as server:
        with pytest.raises(AssertionError, match="exited before: not ready"):
            async with asyncio.timeout(30):
                await wait_until(server, _never, "not ready", patience=600)


@pytest.mark.slow
async def test_a_spinning_server_fails_once_past_its_cpu_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(servers, "STARTUP_CPU_BUDGET", 0.5)
    async with running(*BUSY) as server:
        with pytest.raises(AssertionError, match="CPU-s"):
            async with asyncio.timeout(60):
                await wait_until(server, _never, "not ready", patience=1)


def test_the_cpu_time_of_a_process_tree_is_read() -> None:
    used = servers.tree_cpu_seconds(1)
    assert used is None or used >= 0


async def _is_done(future: "asyncio.Future[None]") -> bool:
    return future.done()


async def _never() -> bool:
    return False
