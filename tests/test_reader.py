"""The Reader: reads take their turn (a request that waited is not overtaken), and keep
their connections open between reads, but never more than they have turns, and never one
that a failed read leaves behind."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from inkwell.config import Settings
from inkwell.db import Reader


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
    """A Reader of its own on the test database, with three turns."""
    reader = Reader.from_settings(settings.model_copy(update={"database_pool_size": 3}))
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
    reader = Reader.from_settings(settings.model_copy(update={"database_pool_size": 1}))
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

    assert len(seen) == 3
    assert reader.engine.pool.checkedout() == 3  # type: ignore[attr-defined]


async def test_every_turn_can_open_a_connection(settings: Settings) -> None:
    """More turns than SQLAlchemy's default pool (5 + 10 overflow) on either backend."""
    turns = 16
    reader = Reader.from_settings(
        settings.model_copy(
            update={
                "database_pool_size": turns,
                "database_max_overflow": 0,
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
