"""Every app of the benchmark with its own latency kept: the time from the app's call for a
request to its return, after its last `send`. wrk's latency also holds the time a request
waits outside the app (the kernel's accept queue, wrk's own threads); set beside the app's,
the report tells the two apart (bench/NOTES.md, 2026-12-01: the tail @256 is outside).

`GET /_bench/latency` answers the requests timed since the last time it was asked, with
their median and 99th percentile, and starts afresh; it is never timed itself.
"""

import json
import time

from bench.apps import ASGIApp, Receive, Scope, Send, app_named_by

LATENCY_PATH = "/_bench/latency"


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted `ordered`; 0 for none."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Timed:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._seconds: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if scope["path"] == LATENCY_PATH:
            await self._answer(send)
            return
        started = time.perf_counter()
        try:
            await self._app(scope, receive, send)
        finally:
            self._seconds.append(time.perf_counter() - started)

    async def _answer(self, send: Send) -> None:
        ordered = sorted(self._seconds)
        self._seconds = []
        body = json.dumps(
            {
                "requests": len(ordered),
                "p50_ms": 1000 * percentile(ordered, 0.5),
                "p99_ms": 1000 * percentile(ordered, 0.99),
            }
        ).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_app() -> Timed:
    """Serves the app factory named by BENCH_TIMED_APP (`module:factory`), timed."""
    return Timed(app_named_by("BENCH_TIMED_APP"))
