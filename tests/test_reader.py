"""Reads take their turn: a request that waited for a connection is not overtaken."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine

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


async def test_reads_are_served_in_the_order_they_arrived() -> None:
    reader = Reader(cast(AsyncEngine, BargingPool()), turns=1)
    assert await _arrival_order_of_service(reader) == ["holder", "waiter", "newcomer"]
