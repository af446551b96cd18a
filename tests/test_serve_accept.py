"""`inkwell serve` takes in a burst of new connections at once, not one per turn of its loop.

A turn of a loaded event loop runs every ready request's work, tens of milliseconds; a loop
that accepts one connection a turn (uvloop's libuv, 1.45 on) kept a burst of 256 new
connections waiting seconds for their first answer, the benchmark's p99 (bench/NOTES.md).
"""

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from inkwell.cli import app

BURST = 32
PATIENCE_SECONDS = 10

runner = CliRunner()


class TurnCounter:
    """An ASGI app that counts its loop's turns and answers each request with the turn it was
    served on; `GET /hold` blocks the loop until released, so that a burst can queue up."""

    def __init__(self) -> None:
        self.turn = 0
        self.holding = threading.Event()
        self.released = threading.Event()
        self.served_on: list[int] = []
        self._ticker: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            self.turn += 1
            await asyncio.sleep(0)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick())
        if scope["path"] == "/hold":
            self.holding.set()
            self.released.wait(PATIENCE_SECONDS)  # blocks the loop on purpose
        else:
            self.served_on.append(self.turn)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def served_options(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The server options `inkwell serve` hands uvicorn; nothing is served."""
    options: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda _target, **kwargs: options.update(kwargs))
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    return options


@pytest.fixture
def counter(served_options: dict[str, Any]) -> Iterator[tuple[TurnCounter, tuple[str, int]]]:
    """A TurnCounter served on a free port as `inkwell serve` would serve the app."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=BURST * 2)
    counting = TurnCounter()
    config = uvicorn.Config(
        counting,
        loop=served_options["loop"],
        http=served_options["http"],
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]})
    thread.start()
    try:
        yield counting, listener.getsockname()
    finally:
        counting.released.set()
        server.should_exit = True
        thread.join(PATIENCE_SECONDS)
        listener.close()


def request(address: tuple[str, int], path: str) -> socket.socket:
    connection = socket.create_connection(address, timeout=PATIENCE_SECONDS)
    connection.sendall(f"GET {path} HTTP/1.1\r\nHost: inkwell\r\n\r\n".encode())
    return connection


def answered(connection: socket.socket) -> bool:
    with connection:
        return connection.recv(1024).startswith(b"HTTP/1.1 204")


def test_a_burst_of_new_connections_is_served_within_a_few_turns_of_the_loop(
    counter: tuple[TurnCounter, tuple[str, int]],
) -> None:
    counting, address = counter
    holder = request(address, "/hold")
    assert counting.holding.wait(PATIENCE_SECONDS)
    burst = [request(address, "/burst") for _ in range(BURST)]

    counting.released.set()

    assert all(answered(connection) for connection in [holder, *burst])
    assert len(counting.served_on) == BURST
    assert max(counting.served_on) - min(counting.served_on) <= 3, counting.served_on
