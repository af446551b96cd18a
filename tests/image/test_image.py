"""The production image, run for real: `make image` builds it, `make image-test` runs these.

Each test starts containers of its own and removes them. Those on PostgreSQL get a database
of their own on the host's server (created and dropped here) and reach it and Redis over the
host's network (`--network host`), each serving on a free port of the host; the others use
the image exactly as built: its CMD, port 8000 published on a free loopback port.
"""

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import IN_CI, PASSWORD, postgres_database
from tests.image.containers import (
    STARTUP_TIMEOUT,
    Container,
    Containers,
    Engine,
    environment,
    find_engine,
)
from tests.operations.test_production_settings import PRODUCTION_ENV
from tests.pictures import decode, image_file, key_of, upload
from tests.ports import free_port

pytestmark = [pytest.mark.image, pytest.mark.slow]

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# compose's stop_grace_period: uvicorn gives in-flight requests 30 s, then closes the pool.
GRACE_SECONDS = 35
IN_FLIGHT = 3
# A user id of no account in the image (which runs as 10001 unless told otherwise).
OWN_UID = 4321


@pytest.fixture(scope="session")
async def engine() -> Engine:
    return await find_engine()


@pytest.fixture
async def containers(engine: Engine) -> AsyncIterator[Containers]:
    started = Containers(engine)
    try:
        yield started
    finally:
        await started.remove_all()


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    async with postgres_database(f"inkwell_image_{uuid.uuid4().hex[:12]}") as url:
        yield url


def redis_answers() -> None:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2).close()
    except OSError as exc:
        message = f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable ({exc})"
        if IN_CI:
            pytest.fail(f"{message}; in CI the image must be tested with it.", pytrace=False)
        pytest.skip(message)


def serve(port: int, workers: int = 1) -> list[str]:
    """The image's CMD on the host's network: loopback only, on a port of its own."""
    return [
        "inkwell",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        f"{workers}",
    ]


def on_postgres(database_url: str, **settings: str) -> list[str]:
    settings = {"DATABASE_URL": database_url, **PRODUCTION_ENV} | settings
    return ["--no-healthcheck", "--network", "host", *environment(**settings)]


async def sign_up(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    """Registers, signs in, and leaves the client sending the user's token."""
    registered = await client.post(
        "/api/users",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    assert registered.status_code == 201, registered.text
    signed_in = await client.post(
        "/api/users/token", data={"username": username, "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    client.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
    user: dict[str, Any] = registered.json()
    return user


# --- the image as built ------------------------------------------------------------------


async def test_it_serves_on_the_embedded_sqlite_told_only_its_secret_key_and_address(
    containers: Containers,
) -> None:
    port = free_port()
    app = await containers.start(
        "--no-healthcheck",
        "--publish",
        f"127.0.0.1:{port}:8000",
        *environment(**PRODUCTION_ENV),
    )
    ready = await app.wait_until_answering(f"http://127.0.0.1:{port}/health/ready")
    assert ready.json() == {"status": "ready"}
    assert (await app.exec("test", "-f", "/app/inkwell.db")).code == 0


async def test_the_healthcheck_reports_healthy(containers: Containers, engine: Engine) -> None:
    app = await containers.start(*environment(**PRODUCTION_ENV))
    assert await health(app, engine) == "healthy", await app.logs()


async def health(app: Container, engine: Engine) -> str:
    """The container's health once it has left `starting`, checked after both workers have
    started (the check counts failures only past its start period, which a busy machine
    can outlast). Docker runs the HEALTHCHECK on its interval; podman does so from systemd
    timers, and where no systemd runs (here) `podman healthcheck run` is what such a timer
    would run."""
    await app.wait_for_log("Application startup complete", count=2, timeout=STARTUP_TIMEOUT)
    status = "starting"
    async with asyncio.timeout(60):
        while status == "starting":
            if engine.path.endswith("podman"):
                await engine.run("healthcheck", "run", app.name)
            else:
                await asyncio.sleep(1)
            status = await app.inspect("{{.State.Health.Status}}")
    return status


async def test_the_cli_answers_help_inside_with_nothing_set(containers: Containers) -> None:
    # With ENVIRONMENT=production and no SECRET_KEY or PUBLIC_BASE_URL, a migration would
    # refuse to start: the entrypoint migrates only before `inkwell serve`.
    result = await containers.run_once("--no-healthcheck", command=["inkwell", "--help"])
    assert result.code == 0, result.out + result.err
    assert "serve" in result.out
    assert "Database upgraded" not in result.out


async def test_the_image_carries_no_build_tools_or_caches(containers: Containers) -> None:
    result = await containers.run_once(
        "--no-healthcheck",
        "--user",
        "root",
        command=[
            "sh",
            "-c",
            "command -v gcc cc make uv;"
            " find /root/.cache /var/lib/apt/lists -type f -size +0 2>/dev/null",
        ],
    )
    assert result.out.split() == [], result.out


# --- on the host's PostgreSQL and Redis ----------------------------------------------------


@dataclass
class Deployment:
    migrated: str
    first: str
    second: str
    volume: str


@pytest.fixture(scope="module")
async def deployment(engine: Engine) -> AsyncIterator[Deployment]:
    """`inkwell db upgrade` in a one-off container, then two instances on that database and
    Redis, the first with a named volume for pictures; forgotten passwords are limited to two
    an hour per address, which the two must count together."""
    redis_answers()
    containers = Containers(engine)
    try:
        async with postgres_database(f"inkwell_image_{uuid.uuid4().hex[:12]}") as url:
            network = on_postgres(
                url,
                REDIS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
                RATE_LIMIT_KEY_PREFIX=f"inkwell-image-test-{uuid.uuid4().hex}",
                RATE_LIMIT_FORGOT_PASSWORD_PER_ADDRESS="2/hour",
            )
            upgrade = await containers.run_once(*network, command=["inkwell", "db", "upgrade"])
            assert upgrade.code == 0, upgrade.out + upgrade.err
            volume = await containers.volume()
            first_port, second_port = free_port(), free_port()
            first = await containers.start(
                *network, "--volume", f"{volume}:/app/media", command=serve(first_port)
            )
            second = await containers.start(*network, command=serve(second_port))
            bases = f"http://127.0.0.1:{first_port}", f"http://127.0.0.1:{second_port}"
            for app, base in zip((first, second), bases, strict=True):
                await app.wait_until_answering(f"{base}/health/ready")
            yield Deployment(upgrade.out, *bases, volume)
    finally:
        await containers.remove_all()


async def test_db_upgrade_inside_the_container_migrates_postgresql(
    deployment: Deployment,
) -> None:
    assert "Database upgraded to head." in deployment.migrated


async def test_a_writer_signs_up_and_posts_and_the_other_instance_reads_it(
    deployment: Deployment,
) -> None:
    async with (
        httpx.AsyncClient(base_url=deployment.first, timeout=30) as first,
        httpx.AsyncClient(base_url=deployment.second, timeout=30) as second,
    ):
        author = await sign_up(first, f"writer{uuid.uuid4().hex[:8]}")
        created = await first.post("/api/posts", json={"title": "Hello", "content": "In a box."})
        assert created.status_code == 201, created.text
        read = await second.get(f"/api/posts/{created.json()['id']}")
    assert read.status_code == 200, read.text
    assert read.json()["title"] == "Hello"
    assert read.json()["author"]["id"] == author["id"]


async def test_a_picture_is_stored_in_the_volume_and_served_back(
    deployment: Deployment, engine: Engine
) -> None:
    async with httpx.AsyncClient(base_url=deployment.first, timeout=60) as client:
        user = await sign_up(client, f"painter{uuid.uuid4().hex[:8]}")
        uploaded = await upload(client, user["id"], image_file("PNG", (640, 480)))
        assert uploaded.status_code == 200, uploaded.text
        key = key_of(uploaded.json())
        served = await client.get(f"/media/{key}")
    assert served.status_code == 200
    assert decode(served.content).size == (300, 300)
    mountpoint = await engine("volume", "inspect", "--format", "{{.Mountpoint}}", deployment.volume)
    assert (Path(mountpoint.strip()) / key).read_bytes() == served.content


async def test_the_rate_limit_is_shared_by_both_instances_through_redis(
    deployment: Deployment,
) -> None:
    forgot = {"email": "nobody@example.com"}
    async with (
        httpx.AsyncClient(base_url=deployment.first, timeout=30) as first,
        httpx.AsyncClient(base_url=deployment.second, timeout=30) as second,
    ):
        answers = [
            (await first.post("/api/users/forgot-password", json=forgot)).status_code,
            (await second.post("/api/users/forgot-password", json=forgot)).status_code,
            # Each instance has seen one request of the two allowed: only a shared count
            # refuses this one.
            (await first.post("/api/users/forgot-password", json=forgot)).status_code,
        ]
    assert answers == [202, 202, 429]


async def test_it_serves_with_a_read_only_root_as_a_user_of_its_own(
    containers: Containers, database_url: str, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    media.chmod(0o777)
    port = free_port()
    app = await containers.start(
        *on_postgres(database_url),
        "--read-only",
        "--tmpfs",
        "/tmp",
        "--user",
        f"{OWN_UID}:{OWN_UID}",
        "--volume",
        f"{media}:/app/media",
        command=serve(port),
    )
    base = f"http://127.0.0.1:{port}"
    await app.wait_until_answering(f"{base}/health/ready")
    assert (await app.exec("id", "-u")).out.strip() == str(OWN_UID)
    assert (await app.exec("touch", "/app/written")).code != 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        user = await sign_up(client, f"reader{uuid.uuid4().hex[:8]}")
        uploaded = await upload(client, user["id"], image_file("PNG"))
    assert uploaded.status_code == 200, uploaded.text
    assert (media / key_of(uploaded.json())).is_file()


# --- stopping ------------------------------------------------------------------------------


async def connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
    )


async def waiting_for_the_lock(observer: asyncpg.Connection, locker: asyncpg.Connection) -> int:
    """Backends blocked by the locker, asked on a connection of its own."""
    count: int = await observer.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        locker.get_server_pid(),
    )
    return count


async def test_stop_lets_slow_requests_finish_and_the_server_exits_0_within_the_grace(
    containers: Containers, database_url: str, engine: Engine
) -> None:
    port = free_port()
    # The image's CMD has two workers; reads may wait on the lock past their usual 5 s.
    app = await containers.start(
        *on_postgres(database_url, DATABASE_READ_TIMEOUT="60"), command=serve(port, workers=2)
    )
    base = f"http://127.0.0.1:{port}"
    await app.wait_until_answering(f"{base}/health/ready")
    # The requests are slow because the posts table is locked: each waits inside PostgreSQL.
    locker, observer = await connect(database_url), await connect(database_url)
    lock = locker.transaction()
    await lock.start()
    await locker.execute("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            # Another page size each, so the anonymous cache does not have them wait for one
            # render (caching/middleware.py): each waits inside PostgreSQL for the lock.
            in_flight = asyncio.gather(
                *(client.get("/api/posts", params={"limit": n + 1}) for n in range(IN_FLIGHT))
            )
            async with asyncio.timeout(60):
                while await waiting_for_the_lock(observer, locker) < IN_FLIGHT:
                    await asyncio.sleep(0.05)
            stopping_since = time.monotonic()
            stop = asyncio.create_task(engine("stop", "--time", str(GRACE_SECONDS), app.name))
            # Both workers got the signal; with --workers the supervisor keeps the listening
            # socket open until they are done, so the port does not refuse connections yet.
            await app.wait_for_log("Shutting down", count=2)
            assert not in_flight.done()
            await lock.rollback()
            responses = await in_flight
            await stop
        stopped_after = time.monotonic() - stopping_since
    finally:
        await locker.close()
        await observer.close()

    assert [response.status_code for response in responses] == [200] * IN_FLIGHT
    # The server is PID 1 (the entrypoint execs it), not killed at the end of the grace: it
    # exits by itself, 0.
    assert await app.inspect("{{.State.ExitCode}}") == "0", await app.logs()
    assert stopped_after < GRACE_SECONDS
