"""Waiting until a transaction under test waits for another's lock, before the other commits."""

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# SQLite's busy handler shows no one that a connection waits: there a test gives the task this
# long, long enough for a statement that does not wait to have finished.
SQLITE_WAITING = 0.3
LOCK_WAITS = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def until_done_or_waiting_for_a_lock(engine: AsyncEngine, task: asyncio.Task[Any]) -> None:
    """Until the task has ended or, on PostgreSQL, a statement in this test's database waits
    for a lock (at once, where a pause would be too short on a busy machine or too long on an
    idle one). PostgreSQL keeps what pg_stat_activity showed first until the transaction ends:
    each look is a transaction of its own (autocommit), or a wait begun after the first would
    go unseen."""
    if engine.dialect.name == "sqlite":
        await asyncio.wait([task], timeout=SQLITE_WAITING)
        return
    async with asyncio.timeout(10), engine.connect() as connection:
        observer = await connection.execution_options(isolation_level="AUTOCOMMIT")
        while not task.done() and not await observer.scalar(LOCK_WAITS):
            await asyncio.sleep(0.01)
