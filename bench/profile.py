"""One app under one load: its server's and PostgreSQL's CPU per request, and optionally a
py-spy profile.

    .venv/bin/python -m bench.profile "Inkwell PG" /api/posts
    .venv/bin/python -m bench.profile "raw ceiling" /api/posts --connections 256
    .venv/bin/python -m bench.profile "Inkwell PG" / --py-spy profile.txt
    .venv/bin/python -m bench.profile "Inkwell PG" /api/posts --calls
    .venv/bin/python -m bench.profile "Inkwell SQLite" /api/posts --sqlite /tmp/bench.db
    .venv/bin/python -m bench.profile "Inkwell PG" "/api/posts?tag=python" --in-process \
        --database postgresql+asyncpg://postgres@127.0.0.1:5432/inkwell_million

The app names are the report's; the database is the PostgreSQL one `make bench` seeded last. On a
machine shared with wrk and PostgreSQL, requests per second swing from run to run; the
server's own CPU time (utime + stime from /proc) divided by the requests it answered
moves much less, so it is the figure to compare a change with. PostgreSQL's share is the
CPU time of the backends serving the server's connections over the same run (the database
of `make bench` is on this machine; other work on the same PostgreSQL is not counted): it
showed that counting the posts cost more than the rest of a listing.
`--calls` counts the
Python calls one request makes instead (in-process, no server, no load): exact, so it
shows a change too small for any timing to see. `--in-process` times the process's CPU per
request the same way (median and best of 30 batches), with the answer's size.
"""

import argparse
import asyncio
import cProfile
import importlib
import os
import pstats
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.report import parse_wrk_output
from bench.runner import (
    POSTS_SCENARIO,
    Server,
    Settings,
    first_answer,
    free_port,
    running,
    seconds,
    seed,
    servers,
    uvicorn_command,
    wrk,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def _local_ports(pid: int, remote_port: int) -> set[int]:
    """The local ports of `pid`'s TCP connections to `remote_port` on this machine."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with suppress(OSError):
            if (target := os.readlink(fd)).startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == remote_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def postgres_cpu_seconds(server_pid: int, port: int) -> dict[int, float]:
    """The CPU time of each PostgreSQL backend serving the server's connections (their
    process titles name the client's address and port), not of other work on the same
    PostgreSQL."""
    clients = {f"({client})" for client in _local_ports(server_pid, port)}
    backends = {}
    for process in Path("/proc").glob("[0-9]*"):
        with suppress(OSError):
            if (process / "comm").read_text().strip() == "postgres":
                title = (process / "cmdline").read_bytes().decode(errors="replace")
                if any(client in title for client in clients):
                    backends[int(process.name)] = cpu_seconds(int(process.name))
    return backends


# The SQLite file `make bench` seeds is gone when it ends: "Inkwell SQLite" needs `--sqlite`.
NO_SQLITE = "sqlite+aiosqlite:///:memory:"


def find_server(app: str, settings: Settings, sqlite: Path | None = None) -> Server:
    """The report's server of `app`; SQLite's on the file `sqlite`, seeded as `make bench`
    seeds it the first time."""
    sqlite_url = NO_SQLITE if sqlite is None else f"sqlite+aiosqlite:///{sqlite.resolve()}"
    if sqlite is not None and not sqlite.exists():
        seed(sqlite_url)
    candidates = {
        load.app: server
        for server in servers(settings.postgres, sqlite_url, upstream="", post_page="/")
        if server.scenario == POSTS_SCENARIO and server.env.get("DATABASE_URL") != NO_SQLITE
        for load in server.loads
    }
    if app not in candidates:
        raise SystemExit(f"no app named {app!r}; the apps are: {', '.join(sorted(candidates))}")
    return candidates[app]


def _requests_in_process(
    factory: str, path: str
) -> tuple[Any, Callable[[int, dict[str, Any]], Awaitable[None]], Callable[[], int]]:
    """The app, a coroutine that sends it `count` requests for `path` as a server would, and
    the bytes of body they were answered with so far."""
    module, name = factory.split(":")
    app = getattr(importlib.import_module(module), name)()
    path, _, query = path.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }

    sent = [0]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise SystemExit(f"{path} answers {message['status']}")
        sent[0] += len(message.get("body", b""))

    async def requests(count: int, state: dict[str, Any]) -> None:
        for _ in range(count):
            # What a server does: each request gets a copy of the lifespan's state.
            await app({**scope, "state": state.copy()}, receive, send)

    return app, requests, lambda: sent[0]


async def _calls_per_request(factory: str, path: str) -> float:
    """Python calls of one request, from two batches whose difference cancels start-up."""
    app, send_requests, _ = _requests_in_process(factory, path)

    async def requests(count: int, state: dict[str, Any]) -> int:
        profile = cProfile.Profile()
        profile.enable()
        await send_requests(count, state)
        profile.disable()
        return pstats.Stats(profile).total_calls  # type: ignore[attr-defined, no-any-return]

    async with app.router.lifespan_context(app) as started:
        state = dict(started or {})
        await requests(100, state)  # warm-up: statements compiled and prepared
        return (await requests(1100, state) - await requests(100, state)) / 1000


async def _cpu_per_request(factory: str, path: str) -> tuple[float, float, int]:
    """The median and the best of 30 batches of 200 requests' process CPU time per request
    (seconds), and the bytes of one answer: no wrk and no server competing for the cores."""
    app, requests, sent = _requests_in_process(factory, path)
    async with app.router.lifespan_context(app) as started:
        state = dict(started or {})
        await requests(300, state)  # warm-up: statements compiled and prepared
        batches = []
        for _ in range(30):
            before = time.process_time()
            await requests(200, state)
            batches.append((time.process_time() - before) / 200)
    batches.sort()
    return batches[len(batches) // 2], batches[0], sent() // (300 + 30 * 200)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("app", help='an app of the report, e.g. "Inkwell PG" or "raw ceiling"')
    parser.add_argument("path", help="the path wrk requests, e.g. /api/posts")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", default="8s")
    parser.add_argument("--py-spy", metavar="FILE", help="also record a py-spy profile")
    parser.add_argument(
        "--sqlite", metavar="FILE", type=Path, help="Inkwell SQLite's database (seeded if new)"
    )
    parser.add_argument("--calls", action="store_true", help="count Python calls instead")
    parser.add_argument(
        "--in-process", action="store_true", help="time CPU per request in-process instead"
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="with --calls or --in-process, another database than `make bench`'s "
        "(postgresql+asyncpg://postgres@127.0.0.1:5432/inkwell_million)",
    )
    arguments = parser.parse_args(argv)
    settings = Settings.from_environment()
    server = find_server(arguments.app, settings, arguments.sqlite)
    if arguments.database:
        server = replace(server, env={**server.env, "DATABASE_URL": arguments.database})
    if arguments.calls:
        os.environ.update(server.env)
        calls = asyncio.run(_calls_per_request(server.factory, arguments.path))
        print(f"{arguments.app} {arguments.path}: {calls:,.0f} Python calls per request")
        return
    if arguments.in_process:
        os.environ.update(server.env)
        median, best, size = asyncio.run(_cpu_per_request(server.factory, arguments.path))
        print(
            f"{arguments.app} {arguments.path}: {1e6 * median:,.0f} µs CPU per request "
            f"(median of 30 batches; best {1e6 * best:,.0f} µs), {size:,} bytes"
        )
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}{arguments.path}"
    with running(uvicorn_command(server.factory, port), server.env) as process:
        status, _ = first_answer(url, process)
        if status != 200:
            raise SystemExit(f"{url} answers {status}")
        # Warm-up: pools filled for as many connections, statements prepared.
        wrk(url, arguments.connections, "2s")
        spy = None
        if arguments.py_spy:
            py_spy = shutil.which("py-spy", path=Path(sys.executable).parent) or "py-spy"
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    f"--pid={process.pid}",
                    f"--duration={int(seconds(arguments.duration))}",
                    "--rate=250",
                    "--format=raw",
                    f"--output={arguments.py_spy}",
                ],
                stdout=subprocess.DEVNULL,
            )
        port = settings.postgres.port or 5432
        before, postgres_before = cpu_seconds(process.pid), postgres_cpu_seconds(process.pid, port)
        figures = parse_wrk_output(wrk(url, arguments.connections, arguments.duration))
        spent = cpu_seconds(process.pid) - before
        # A backend the pool opened during the run counts from its start.
        postgres_spent = sum(
            used - postgres_before.get(backend, 0.0)
            for backend, used in postgres_cpu_seconds(process.pid, port).items()
        )
        if spy is not None:
            spy.wait()
    print(
        f"{arguments.app} {arguments.path} @{arguments.connections}: "
        f"{figures.requests_per_second:,.0f} req/s, "
        f"{1000 * spent / max(figures.requests, 1):.2f} ms server CPU per request, "
        f"{1000 * postgres_spent / max(figures.requests, 1):.2f} ms PostgreSQL CPU, "
        f"p50 {figures.p50_ms:.1f} ms, p99 {figures.p99_ms:.1f} ms, {figures.errors} errors"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
