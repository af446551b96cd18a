"""`make soak`: mixed traffic at 64 connections against a real `inkwell serve` on PostgreSQL,
for SOAK_SECONDS (default 600), then a report; exit status 1 when a target is missed.

Targets: no 5xx; the server's RSS after warm-up never grows more than 10% over its size at
the end of warm-up; the connection pool never runs dry (no 503, and PostgreSQL never sees
more connections from the app than its two pools hold). Loopback only; the server gets
its own database on the test PostgreSQL server (TEST_DATABASE_URL), dropped at the end.
"""

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL
from tests.fuzz.run import GENEROUS_RATE_LIMITS
from tests.ports import free_port
from tests.servers import VENV_BIN, server_env

CONNECTIONS = 64
MOST_CONNECTIONS = 40  # Inkwell's default DATABASE_CONNECTIONS: both pools of the process
SAMPLE_EVERY = 5.0
KEEPALIVE_EXPIRY = 2.0
RSS_GROWTH_LIMIT = 0.10
PASSWORD = "a soak test passphrase"


def _rss_kib(pid: int) -> int:
    """Resident memory of the server process and its children (uvicorn workers)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        total += sum(_rss_kib(int(child)) for child in children)
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    return total


@dataclass
class Figures:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    rss_kib: list[tuple[float, int]] = field(default_factory=list)
    database_connections: list[int] = field(default_factory=list)
    slowest: float = 0.0


class Traffic:
    """Each connection plays a reader-writer: lists, reads posts, users and pages, writes and
    edits its own posts, and now and then signs in again."""

    def __init__(self, client: httpx.AsyncClient, figures: Figures) -> None:
        self.client = client
        self.figures = figures

    async def _send(self, method: str, path: str, **kwargs: object) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = await self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            self.figures.errors[f"{type(exc).__name__} on {method}"] += 1
            return None
        self.figures.slowest = max(self.figures.slowest, time.monotonic() - started)
        self.figures.statuses[response.status_code] += 1
        return response

    async def _sign_up(self, name: str) -> dict[str, str]:
        body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        await self._send("POST", "/api/users", json=body)
        return await self._sign_in(name)

    async def _sign_in(self, name: str) -> dict[str, str]:
        response = await self._send(
            "POST", "/api/users/token", data={"username": name, "password": PASSWORD}
        )
        token = response.json()["access_token"] if response and response.status_code == 200 else ""
        return {"Authorization": f"Bearer {token}"}

    async def connection(self, number: int, until: float) -> None:
        name = f"soak{number}"
        headers = await self._sign_up(name)
        mine: list[int] = []
        while time.monotonic() < until:
            roll = random.random()
            if roll < 0.35:
                await self._send("GET", "/api/posts", params={"skip": random.randint(0, 50)})
            elif roll < 0.50 and mine:
                await self._send("GET", f"/api/posts/{random.choice(mine)}")
            elif roll < 0.60:
                await self._send("GET", "/")
            elif roll < 0.70 and mine:
                await self._send("GET", f"/posts/{mine[-1]}")
            elif roll < 0.85:
                body = {"title": f"soak {len(mine)}", "content": "words " * 40}
                response = await self._send("POST", "/api/posts", json=body, headers=headers)
                if response is not None and response.status_code == 201:
                    mine.append(response.json()["id"])
            elif roll < 0.95 and mine:
                body = {"title": "edited"}
                await self._send("PATCH", f"/api/posts/{mine[-1]}", json=body, headers=headers)
            elif roll < 0.98 and len(mine) > 5:
                await self._send("DELETE", f"/api/posts/{mine.pop(0)}", headers=headers)
            else:
                headers = await self._sign_in(name)


async def _sample(
    pid: int, admin: asyncpg.Connection, database: str, figures: Figures, until: float
) -> None:
    started = time.monotonic()
    while time.monotonic() < until:
        figures.rss_kib.append((time.monotonic() - started, _rss_kib(pid)))
        count = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database
        )
        figures.database_connections.append(count)
        await asyncio.sleep(SAMPLE_EVERY)


async def _wait_until_answering(client: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    async with asyncio.timeout(120):
        while server.poll() is None:
            try:
                if (await client.get("/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start")


async def soak(seconds: float, warm_up: float) -> bool:
    server_url = make_url(POSTGRES_URL)
    database = f"inkwell_soak_{os.getpid()}"
    admin = await asyncpg.connect(
        host=server_url.host, port=server_url.port, user=server_url.username,
        password=server_url.password, database=server_url.database,
    )  # fmt: skip
    await admin.execute(f'CREATE DATABASE "{database}"')
    figures = Figures()
    try:
        url = server_url.set(database=database).render_as_string(hide_password=False)
        with tempfile.TemporaryDirectory(prefix="inkwell-soak-") as tmp:
            env = server_env(
                DATABASE_URL=url,
                MEDIA_DIR=str(Path(tmp) / "media"),
                ARGON2_TIME_COST="1",
                ARGON2_MEMORY_COST_KIB="1024",
                DATABASE_CONNECTIONS=str(MOST_CONNECTIONS),
                LOG_LEVEL="WARNING",
                **GENEROUS_RATE_LIMITS,
            )
            subprocess.run([VENV_BIN / "inkwell", "db", "upgrade"], env=env, cwd=tmp, check=True)
            port = free_port()
            server = subprocess.Popen(
                [VENV_BIN / "inkwell", "serve", "--port", str(port)], env=env, cwd=tmp
            )
            # Idle connections are dropped before uvicorn's 5 s keep-alive closes them, so
            # the client never sends on a connection the server is closing at that moment.
            limits = httpx.Limits(
                max_connections=CONNECTIONS,
                max_keepalive_connections=CONNECTIONS,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            )
            try:
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
                ) as client:
                    await _wait_until_answering(client, server)
                    until = time.monotonic() + seconds
                    traffic = Traffic(client, figures)
                    await asyncio.gather(
                        _sample(server.pid, admin, database, figures, until),
                        *(traffic.connection(n, until) for n in range(CONNECTIONS)),
                    )
            finally:
                server.terminate()
                server.wait(timeout=60)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    return _report(figures, seconds, warm_up)


def _report(figures: Figures, seconds: float, warm_up: float) -> bool:
    requests = sum(figures.statuses.values())
    server_errors = sum(n for status, n in figures.statuses.items() if status >= 500)
    after_warm_up = [rss for at, rss in figures.rss_kib if at >= warm_up]
    baseline = after_warm_up[0] if after_warm_up else 0
    growth = (max(after_warm_up) - baseline) / baseline if baseline else 0.0
    peak_connections = max(figures.database_connections, default=0)
    print(
        f"duration            {seconds:.0f} s at {CONNECTIONS} connections, warm-up {warm_up:.0f} s"
    )
    print(f"requests            {requests} ({requests / seconds:.0f}/s)")
    print(f"statuses            {dict(sorted(figures.statuses.items()))}")
    print(f"transport errors    {dict(figures.errors) or 0}")
    print(f"slowest answer      {figures.slowest:.2f} s")
    peak_rss = max(after_warm_up, default=0)
    print(f"RSS after warm-up   {baseline / 1024:.1f} MiB, peak {peak_rss / 1024:.1f} MiB")
    print(f"RSS growth          {growth:+.1%}")
    print(f"RSS samples (MiB)   {[round(rss / 1024) for _, rss in figures.rss_kib]}")
    print(f"database conns      peak {peak_connections} of {MOST_CONNECTIONS} allowed")
    checks = {
        "no 5xx": server_errors == 0,
        "no transport errors": not figures.errors,
        f"RSS growth within {RSS_GROWTH_LIMIT:.0%}": growth <= RSS_GROWTH_LIMIT,
        "pool never exhausted": figures.statuses[503] == 0 and peak_connections <= MOST_CONNECTIONS,
    }
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return all(checks.values())


def main() -> int:
    seconds = float(os.environ.get("SOAK_SECONDS") or 600)
    if not 10 <= seconds <= 4 * 3600:
        sys.exit("SOAK_SECONDS must be between 10 and 14400")
    warm_up = float(os.environ.get("SOAK_WARMUP") or min(60.0, seconds / 5))
    return 0 if asyncio.run(soak(seconds, warm_up)) else 1


if __name__ == "__main__":
    sys.exit(main())
