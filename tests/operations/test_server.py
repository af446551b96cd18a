"""The real server, started the way the container starts it, in a subprocess."""

import asyncio
import json
import signal
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import postgres_database
from tests.ports import free_port
from tests.servers import (
    ROOT,
    Process,
    running,
    server_env,
    wait_until,
    wait_until_answering,
)

pytestmark = pytest.mark.slow

ENTRYPOINT = ROOT / "deploy" / "docker-entrypoint.sh"
IN_FLIGHT = 5


@pytest.fixture
async def fresh_postgres_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database of this test's own: no tables, not even Alembic's."""
    async with postgres_database(f"inkwell_ops_{uuid.uuid4().hex[:12]}") as url:
        yield url


async def connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
    )


async def waiting_for_the_lock(observer: asyncpg.Connection, locker: asyncpg.Connection) -> int:
    """Backends blocked by the locker. Asked on a connection of its own: a transaction sees
    pg_stat_activity as it was at its first look."""
    count: int = await observer.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        locker.get_server_pid(),
    )
    return count


async def refuses_connections(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    writer.close()
    return False


def production_entrypoint(database_url: str, port: int) -> AbstractAsyncContextManager[Process]:
    """The container's way in: the entrypoint migrates, then execs `inkwell serve`."""
    # Each request held in flight waits on a read connection of its own.
    env = server_env(
        DATABASE_URL=database_url,
        ENVIRONMENT="production",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        DATABASE_CONNECTIONS=str(2 * IN_FLIGHT),
    )
    command = (ENTRYPOINT, "inkwell", "serve", "--host", "127.0.0.1", "--port", str(port))
    return running(*command, env=env)


@pytest.mark.postgres
async def test_the_entrypoint_migrates_an_empty_database_before_serving(
    fresh_postgres_url: str,
) -> None:
    port = free_port()
    async with production_entrypoint(fresh_postgres_url, port) as server:
        await wait_until_answering(server, f"http://127.0.0.1:{port}/api/posts")
        upgraded = server.lines.index("Database upgraded to head.")
        started = next(i for i, line in enumerate(server.lines) if "Started server" in line)
        assert upgraded < started
        server.signal(signal.SIGTERM)
        await server.wait()


@pytest.mark.postgres
async def test_sigterm_lets_in_flight_requests_finish_then_exits_cleanly(
    fresh_postgres_url: str,
) -> None:
    port = free_port()
    async with production_entrypoint(fresh_postgres_url, port) as server:
        base = f"http://127.0.0.1:{port}"
        await wait_until_answering(server, f"{base}/health/ready")
        # The requests are slow because the posts table is locked: each one waits inside
        # PostgreSQL until the lock is released. Each asks for another page size, so the
        # anonymous cache does not have them wait for one render (caching/middleware.py).
        locker, observer = await connect(fresh_postgres_url), await connect(fresh_postgres_url)
        lock = locker.transaction()
        await lock.start()
        await locker.execute("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            in_flight = asyncio.gather(
                *(client.get("/api/posts", params={"limit": n + 1}) for n in range(IN_FLIGHT))
            )
            async with asyncio.timeout(120):
                while await waiting_for_the_lock(observer, locker) < IN_FLIGHT:
                    await asyncio.sleep(0.05)

            server.signal(signal.SIGTERM)
            async with asyncio.timeout(120):
                while not await refuses_connections(port):
                    await asyncio.sleep(0.05)
            assert not in_flight.done()
            await lock.rollback()
            responses = await in_flight
        await locker.close()
        await observer.close()

        assert [response.status_code for response in responses] == [200] * IN_FLIGHT
        # uvicorn re-raises the signal once shut down, as supervisors expect: docker reports
        # 143, systemd a clean stop. The lifespan's shutdown (closing the pool) ran first.
        assert await server.wait() == -signal.SIGTERM
        assert "Application shutdown complete" in server.output


async def test_serve_with_two_workers_starts_both_and_answers_with_json_logs(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = server_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'inkwell.db'}", LOG_FORMAT="json"
    )
    command = ("inkwell", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2")
    async with running(*command, env=env) as server:
        await wait_until_answering(server, f"http://127.0.0.1:{port}/health")
        workers: set[int] = set()

        async def both_started() -> bool:
            lines = [json.loads(line) for line in server.lines if line.startswith("{")]
            workers.update(
                line["pid"] for line in lines if line["message"] == "Application startup complete."
            )
            return len(workers) >= 2

        # On a busy machine the second worker may start long after the first: the wait
        # lasts while the server works, and fails if it dies or stops working.
        await wait_until(server, both_started, "the two workers did not both start")
        async with httpx.AsyncClient() as client:
            response = await client.get(
                f"http://127.0.0.1:{port}/api/posts", headers={"X-Request-ID": "two-workers"}
            )
        assert response.status_code == 200
        assert response.headers["x-request-id"] == "two-workers"
        access = json.loads(await server.wait_for_line(lambda line: '"two-workers"' in line))
        assert access["logger"] == "inkwell.access"
        assert access["message"].startswith("GET /api/posts 200 ")
        assert (access["method"], access["path"], access["status"]) == ("GET", "/api/posts", 200)
        assert access["pid"] in workers
        server.signal(signal.SIGTERM)
        assert await server.wait() == 0


async def test_served_responses_do_not_name_the_server(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'inkwell.db'}")
    command = ("inkwell", "serve", "--host", "127.0.0.1", "--port", str(port))
    async with running(*command, env=env) as server:
        await wait_until_answering(server, f"http://127.0.0.1:{port}/health")
        async with httpx.AsyncClient() as client:
            answers = [
                await client.get(f"http://127.0.0.1:{port}{path}")
                for path in ("/health", "/api/posts/12345", "/no/such/page")
            ]
    assert [answer.status_code for answer in answers] == [200, 404, 404]
    assert [answer.headers.get("server") for answer in answers] == [None, None, None]


@pytest.mark.postgres
async def test_instances_starting_together_migrate_one_after_the_other(
    fresh_postgres_url: str,
) -> None:
    env = server_env(DATABASE_URL=fresh_postgres_url)
    async with (
        running("inkwell", "db", "upgrade", env=env) as first,
        running("inkwell", "db", "upgrade", env=env) as second,
    ):
        codes = await asyncio.gather(first.wait(), second.wait())
        assert codes == [0, 0], first.output + second.output
    connection = await connect(fresh_postgres_url)
    try:
        assert await connection.fetchval("SELECT count(*) FROM alembic_version") == 1
    finally:
        await connection.close()
