"""The slow-I/O scenario: a stub upstream that answers after 50 ms, and async apps that await it.

The stub (`python -m bench.apps.upstream PORT`) is a bare asyncio protocol, so it costs next
to no CPU on the machine it shares with the servers under test. An async app takes part by
being served through `create_app`, which awaits one call to the stub before each request,
as an `async def` route calling an external service would. The sync app makes the same call
itself, blocking, as sync code would (see bench.apps.sync_app).
"""

import asyncio
import sys
from typing import cast

import aiohttp
import uvloop

from bench.apps import ASGIApp, Receive, Scope, Send, app_named_by, upstream_url

DELAY_SECONDS = 0.05
RESPONSE = (
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'
)


class _DelayedAnswers(asyncio.Protocol):
    """Answers every request on the connection DELAY_SECONDS after it arrived, in order."""

    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        loop = asyncio.get_running_loop()
        while b"\r\n\r\n" in self._buffer:  # requests are bodiless GETs
            _, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
            loop.call_later(DELAY_SECONDS, self._answer)

    def _answer(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(RESPONSE)


async def serve_stub(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(
        _DelayedAnswers, "127.0.0.1", port, backlog=1024
    )
    async with server:
        await server.serve_forever()


class AwaitUpstream:
    """Awaits one call to the upstream before handing each HTTP request to the app.

    aiohttp and, in the sync app, urllib3 are the lightest common clients: the scenario
    measures waiting, and httpx would spend more CPU per call than the apps themselves.
    """

    def __init__(self, app: ASGIApp, url: str) -> None:
        self._app = app
        self._url = url
        self._http: aiohttp.ClientSession | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # the app's lifespan ends when the server stops
            try:
                await self._app(scope, receive, send)
            finally:
                if self._http is not None:
                    await self._http.close()
            return
        if scope["type"] == "http":
            if self._http is None:  # a session belongs to the running loop
                self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
            async with self._http.get(self._url) as response:
                response.raise_for_status()
                await response.read()
        await self._app(scope, receive, send)


def create_app() -> AwaitUpstream:
    """Serves the app factory named by BENCH_WRAPPED_APP (`module:factory`) behind the stub."""
    url = upstream_url()
    if url is None:
        raise RuntimeError("BENCH_UPSTREAM_URL is not set")
    return AwaitUpstream(app_named_by("BENCH_WRAPPED_APP"), url)


if __name__ == "__main__":
    uvloop.run(serve_stub(int(sys.argv[1])))
