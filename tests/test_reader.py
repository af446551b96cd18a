"""The Reader: reads take their turn (a request that waited is not overtaken), and keep
their connections open between reads, but never more than they have turns, and never one
that a failed read leaves behind."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event, select, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from inkwell.config import Settings
from inkwell.db import Reader, create_engine, reads_through
from inkwell.posts import service as posts
from inkwell.users.models import User
from tests.conftest import DEFAULT_POSTGRES_URL, Account, StartedApp
from tests.factories import Factory


class BargingPool:
    """One connection, handed back the way SQLAlchemy's async pool does: through an
    asyncio.Queue, which gives it to whichever task asks next, even past the task it woke."""

    def __init__(self) -> None:
        self.connections: asyncio.Queue[str] = asyncio.Queue()
        self.connections.put_nowait("the connection")

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[str]:
        connection = await self.connections.get()
        try:
            yield connection
        finally:
            self.connections.put_nowait(connection)


async def _arrival_order_of_service(reader: Any) -> list[str]:
    served: list[str] = []
    finish = asyncio.Event()

    async def read(name: str, until: asyncio.Event | None = None) -> None:
        async with reader.connect():
            served.append(name)
            if until is not None:
                await until.wait()

    holder = asyncio.create_task(read("holder", until=finish))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(read("waiter"))
    await asyncio.sleep(0)
    # The holder lets go just as a newcomer arrives, ahead of the waiter being woken.
    finish.set()
    newcomer = asyncio.create_task(read("newcomer"))
    await asyncio.gather(holder, waiter, newcomer)
    return served


async def test_the_pool_alone_lets_a_newcomer_overtake_a_waiting_read() -> None:
    """Why Reader exists: without it, the request that waited longest can wait longer."""
    assert await _arrival_order_of_service(BargingPool()) == ["holder", "newcomer", "waiter"]


@pytest.fixture
async def reader(settings: Settings) -> AsyncIterator[Reader]:
    """A Reader of its own on the test database, with two turns (on SQLite, the most)."""
    reader = Reader.from_settings(settings.model_copy(update={"database_connections": 4}))
    yield reader
    await reader.dispose()


def driver_connection(connection: AsyncConnection) -> object:
    return connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]


async def read_once(reader: Reader) -> object:
    """Runs a statement; returns the driver connection it ran on."""
    async with reader.connect() as connection:
        await connection.execute(text("SELECT 1"))
        return driver_connection(connection)


async def fail_a_read(reader: Reader, *, lose_connection: bool = False) -> AsyncConnection:
    """A read that raises; returns the connection it had."""
    held: list[AsyncConnection] = []

    async def read() -> None:
        async with reader.connect() as connection:
            held.append(connection)
            if lose_connection:
                await connection.invalidate()  # what SQLAlchemy does when the database is gone
            raise ConnectionResetError("the read went wrong")

    with pytest.raises(ConnectionResetError):
        await read()
    return held[0]


async def test_reads_are_served_in_the_order_they_arrived(settings: Settings) -> None:
    reader = Reader.from_settings(settings.model_copy(update={"database_connections": 2}))
    try:
        assert await _arrival_order_of_service(reader) == ["holder", "waiter", "newcomer"]
    finally:
        await reader.dispose()


async def test_a_read_runs_on_the_connection_the_read_before_left_open(reader: Reader) -> None:
    assert await read_once(reader) is await read_once(reader)


async def test_reads_never_hold_more_connections_than_turns(reader: Reader) -> None:
    seen: set[int] = set()

    async def slow_read() -> None:
        async with reader.connect() as connection:
            seen.add(id(driver_connection(connection)))
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)

    await asyncio.gather(*(slow_read() for _ in range(30)))

    assert len(seen) == 2
    assert reader.engine.pool.checkedout() == 2  # type: ignore[attr-defined]


async def test_every_turn_can_open_a_connection(
    settings: Settings, room_for_connections: None
) -> None:
    """More turns than SQLAlchemy's default pool (5 + 10 overflow)."""
    if settings.is_sqlite:
        pytest.skip("SQLite reads on two connections at most (config.SQLITE_READ_CONNECTIONS)")
    turns = 16
    reader = Reader.from_settings(
        settings.model_copy(
            update={
                "database_connections": 2 * turns,
                "database_pool_timeout": 1,
            }
        )
    )
    everyone_in = asyncio.Barrier(turns)

    async def read_alongside_the_others() -> None:
        async with reader.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await everyone_in.wait()

    try:
        await asyncio.wait_for(
            asyncio.gather(*(read_alongside_the_others() for _ in range(turns))), 10
        )
        assert reader.engine.pool.checkedout() == turns  # type: ignore[attr-defined]
    finally:
        await reader.dispose()


async def test_a_failed_read_throws_its_connection_away(reader: Reader) -> None:
    used_before = await read_once(reader)
    connection = await fail_a_read(reader)

    assert connection.closed
    assert await read_once(reader) is not used_before
    assert reader.engine.pool.checkedout() == 1  # type: ignore[attr-defined]


async def test_a_cancelled_read_throws_its_connection_away(reader: Reader) -> None:
    started = asyncio.Event()
    held: list[AsyncConnection] = []

    async def stuck_read() -> None:
        async with reader.connect() as connection:
            held.append(connection)
            started.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck_read())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert held[0].closed
    assert reader.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_lost_connection_takes_the_idle_ones_with_it(reader: Reader) -> None:
    async def two_reads_at_once() -> set[object]:
        return set(await asyncio.gather(read_once(reader), read_once(reader)))

    idle_before = await two_reads_at_once()
    await fail_a_read(reader, lose_connection=True)

    assert (await two_reads_at_once()).isdisjoint(idle_before)


async def test_dispose_closes_every_idle_connection(reader: Reader) -> None:
    await asyncio.gather(*(read_once(reader) for _ in range(3)))
    await reader.dispose()
    assert reader.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def hold_every_turn(
    reader: Reader, turns: int
) -> tuple[asyncio.Event, list[asyncio.Task[None]]]:
    """Reads that keep their turns until the returned event is set."""
    release, taken = asyncio.Event(), asyncio.Barrier(turns + 1)

    async def holder() -> None:
        async with reader.connect():
            await taken.wait()
            await release.wait()

    holders = [asyncio.create_task(holder()) for _ in range(turns)]
    await taken.wait()
    return release, holders


async def test_a_read_waits_for_a_turn_at_most_the_pool_timeout(settings: Settings) -> None:
    reader = Reader.from_settings(
        settings.model_copy(update={"database_connections": 2, "database_pool_timeout": 0.2})
    )
    release, holders = await hold_every_turn(reader, 1)
    try:
        with pytest.raises(PoolTimeoutError):
            await read_once(reader)
    finally:
        release.set()
        await asyncio.gather(*holders)
        await reader.dispose()


async def test_a_read_that_timed_out_leaves_the_turns_as_they_were(settings: Settings) -> None:
    reader = Reader.from_settings(
        settings.model_copy(update={"database_connections": 2, "database_pool_timeout": 0.1})
    )
    release, holders = await hold_every_turn(reader, 1)
    with pytest.raises(PoolTimeoutError):
        await read_once(reader)
    release.set()
    await asyncio.gather(*holders)
    try:
        await asyncio.wait_for(read_once(reader), 5)
    finally:
        await reader.dispose()


class TestAnExhaustedReader:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"database_connections": 2, "database_pool_timeout": 0.2})

    async def test_a_listing_answers_503_with_retry_after(
        self, started_app: StartedApp, client: AsyncClient
    ) -> None:
        release, holders = await hold_every_turn(started_app.state["reader"], 1)
        try:
            response = await client.get("/api/posts")
        finally:
            release.set()
            await asyncio.gather(*holders)

        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert (await client.get("/api/posts")).status_code == 200


async def test_an_idle_connection_older_than_the_recycle_age_is_replaced(
    settings: Settings,
) -> None:
    reader = Reader.from_settings(settings.model_copy(update={"database_pool_recycle": 0.05}))
    try:
        first = await read_once(reader)
        await asyncio.sleep(0.1)
        second = await read_once(reader)
        assert second is not first
        assert reader.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    finally:
        await reader.dispose()


async def test_an_idle_connection_younger_than_the_recycle_age_is_kept(
    settings: Settings,
) -> None:
    reader = Reader.from_settings(settings.model_copy(update={"database_pool_recycle": 60}))
    try:
        assert await read_once(reader) is await read_once(reader)
    finally:
        await reader.dispose()


async def test_within_a_session_that_wrote_reads_see_the_uncommitted_write(
    reader: Reader, session: AsyncSession
) -> None:
    with reads_through(session):
        session.add(User(username="ada", email="ada@example.com", password_hash="x"))
        await session.flush()
        async with reader.connect() as connection:
            names = (await connection.execute(select(User.username))).scalars().all()
    assert names == ["ada"]


async def test_outside_any_session_reads_see_only_committed_rows(
    reader: Reader, session: AsyncSession
) -> None:
    session.add(User(username="ada", email="ada@example.com", password_hash="x"))
    await session.flush()
    async with reader.connect() as connection:
        names = (await connection.execute(select(User.username))).scalars().all()
    assert names == []
    await session.rollback()


def test_one_setting_budgets_both_pools_of_a_process() -> None:
    settings = Settings(database_url=DEFAULT_POSTGRES_URL, database_connections=41)
    assert (settings.write_connections, settings.read_connections) == (21, 20)
    assert create_engine(settings).pool.size() == 21  # type: ignore[attr-defined]
    assert create_engine(settings, autocommit=True).pool.size() == 20  # type: ignore[attr-defined]


@pytest.mark.parametrize(("budget", "readers"), [(41, 2), (4, 2), (2, 1)])
def test_sqlite_reads_on_two_connections_at_most(budget: int, readers: int) -> None:
    """Each is a thread sharing the GIL with the event loop: more only contend for it."""
    settings = Settings(database_connections=budget)
    assert settings.read_connections == readers
    assert settings.write_connections == -(-budget // 2)
    assert create_engine(settings, autocommit=True).pool.size() == readers  # type: ignore[attr-defined]


on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@on_postgresql
async def test_deep_pages_and_the_first_page_never_share_a_prepared_statement(
    settings: Settings,
) -> None:
    """PostgreSQL may keep a generic plan for a prepared statement after five runs: the page's
    LIMIT and OFFSET are in its text, so the plan kept for a deep page is never the first
    page's."""
    reader = Reader.from_settings(settings.model_copy(update={"database_connections": 2}))
    try:
        for _ in range(8):
            await posts.list_posts(reader, skip=100_000, limit=100)
        await posts.list_posts(reader, skip=0, limit=10)
        async with reader.connect() as connection:
            runs = dict(
                (
                    await connection.execute(
                        text(
                            "SELECT substring(statement from 'LIMIT [0-9]+ OFFSET [0-9]+'),"
                            " generic_plans + custom_plans FROM pg_prepared_statements"
                            " WHERE statement LIKE '%published_at DESC%LIMIT%'"
                            " AND cardinality(parameter_types) > 0"  # not this query
                        )
                    )
                ).all()
            )
    finally:
        await reader.dispose()

    assert runs == {"LIMIT 101 OFFSET 100000": 8, "LIMIT 11 OFFSET 0": 1}


@on_postgresql
async def test_only_reads_are_cut_off_by_the_read_timeout(settings: Settings) -> None:
    settings = settings.model_copy(update={"database_read_timeout": 0.25})
    reader, writes = Reader.from_settings(settings), create_engine(settings)
    try:
        async with reader.connect() as connection:
            read_limit = await connection.scalar(text("SHOW statement_timeout"))
        async with writes.connect() as connection:
            write_limit = await connection.scalar(text("SHOW statement_timeout"))
    finally:
        await reader.dispose()
        await writes.dispose()

    assert (read_limit, write_limit) == ("250ms", "0")


class TestASlowRead:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"database_read_timeout": 0.25})

    @on_postgresql
    async def test_is_cancelled_and_answers_503_with_retry_after(
        self, engine: AsyncEngine, client: AsyncClient
    ) -> None:
        """A listing stuck behind a lock stands for any read that runs too long."""
        async with engine.connect() as locker:
            await locker.execute(text("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE"))
            response = await client.get("/api/posts")
            await locker.rollback()

        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["code"] == "database_unavailable"
        assert (await client.get("/api/posts")).status_code == 200


def sql_literal(value: object) -> str:
    """A parameter of a prepared statement, written into `EXPLAIN EXECUTE`."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class TestOneReadConnection:
    """With one read connection, every read of the app runs on the same connection."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "database_connections": 2,
                "database_read_timeout": 0.25,
                "database_pool_timeout": 2.0,
            }
        )

    @on_postgresql
    async def test_deep_pages_leave_the_first_page_planned_as_a_fresh_connection_plans_it(
        self,
        started_app: StartedApp,
        client: AsyncClient,
        factory: Factory,
        author: Account,
        engine: AsyncEngine,
    ) -> None:
        """The issue's sticky plan: a connection warmed by deep pages (offsets and cursors)
        kept planning the first page for depth. On that same connection the first page's own
        prepared statement, run only for the first page, is planned exactly as on a connection
        that never saw a deep page. (Which plan that is depends on the statistics, so the test
        takes the database's own, not earlier tests' that autovacuum last read.)"""
        for _ in range(3):
            await factory.post(author)
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
        assert (await client.get("/api/posts")).status_code == 200
        first = (await client.get("/api/posts", params={"limit": 1})).json()
        for _ in range(8):
            assert (await client.get("/api/posts", params={"skip": 10_000})).status_code == 200
            deep = {"cursor": first["next_cursor"]}
            assert (await client.get("/api/posts", params=deep)).status_code == 200
        sent: list[Any] = []
        reader = started_app.state["reader"]

        def record(*args: Any) -> None:
            sent.append(args[3])

        event.listen(reader.engine.sync_engine, "before_cursor_execute", record)
        try:
            assert (await client.get("/api/posts")).status_code == 200
        finally:
            event.remove(reader.engine.sync_engine, "before_cursor_execute", record)
        (parameters,) = sent
        arguments = ", ".join(sql_literal(value) for value in parameters)

        async with reader.connect() as connection:
            settings = (
                await connection.execute(
                    text("SELECT current_setting('plan_cache_mode'), current_setting('jit')")
                )
            ).one()
            statements = (
                await connection.execute(
                    text(
                        "SELECT name, generic_plans + custom_plans, statement"
                        " FROM pg_prepared_statements"
                        " WHERE statement LIKE '%LIMIT 11 OFFSET 0%'"
                        " AND statement LIKE '%published_at DESC%'"
                        " AND cardinality(parameter_types) > 0"  # not this query
                    )
                )
            ).all()
            (name, runs, statement) = statements[0]
            warmed = await _plan(connection, name, arguments)
        async with engine.connect() as connection:
            await connection.exec_driver_sql(f"PREPARE never_warmed AS {statement}")
            fresh = await _plan(connection, "never_warmed", arguments)

        assert tuple(settings) == ("auto", "off")
        assert len(statements) == 1
        assert runs == 2  # the first page, before the deep pages and after them
        assert warmed == fresh
        assert "Gather" not in warmed, warmed
        assert "JIT" not in warmed, warmed

    @on_postgresql
    async def test_a_read_cut_off_by_the_timeout_gives_its_connection_back(
        self, engine: AsyncEngine, client: AsyncClient
    ) -> None:
        async with engine.connect() as locker:
            await locker.execute(text("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE"))
            started = asyncio.get_running_loop().time()
            response = await client.get("/api/posts")
            waited = asyncio.get_running_loop().time() - started
            await locker.rollback()

        assert response.status_code == 503
        assert waited < 2.0
        # The one read connection is free again: the next read does not wait for a turn.
        assert (await client.get("/api/posts")).status_code == 200


async def _plan(connection: AsyncConnection, prepared: str, arguments: str) -> str:
    """The plan PostgreSQL makes of the prepared statement for these arguments, without costs
    (two connections may see the statistics move a little between two looks)."""
    rows = await connection.exec_driver_sql(f"EXPLAIN (COSTS OFF) EXECUTE {prepared}({arguments})")
    return "\n".join(row[0] for row in rows)
