"""Waiting until a transaction under test waits for another's lock, before the other commits."""

import asyncio
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.ext.asyncio import AsyncEngine

LOCK_WAITS = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)
# The statements that take SQLite's one write lock, however few rows they touch.
SQLITE_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


async def until_done_or_waiting_for_a_lock(engine: AsyncEngine, task: asyncio.Task[Any]) -> None:
    """Until the task has ended or, on PostgreSQL, a statement in this test's database waits
    for a lock (at once, where a pause would be too short on a busy machine or too long on an
    idle one). PostgreSQL keeps what pg_stat_activity showed first until the transaction ends:
    each look is a transaction of its own (autocommit), or a wait begun after the first would
    go unseen."""
    async with asyncio.timeout(10):
        if engine.dialect.name == "sqlite":
            await _until_done_or_writing(task)
            return
        async with engine.connect() as connection:
            observer = await connection.execution_options(isolation_level="AUTOCOMMIT")
            while not task.done() and not await observer.scalar(LOCK_WAITS):
                await asyncio.sleep(0.01)


async def _until_done_or_writing(task: asyncio.Task[Any]) -> None:
    """SQLite shows no one that a connection waits, but it has one writer at a time: while
    the test's transaction holds the write lock, a write statement sent on another connection
    (of any engine: the app's own, a second instance's) waits for it. Whether its thread has
    reached the lock when the test commits changes nothing: either way its write comes after
    the test's transaction."""
    writing = asyncio.Event()

    def sent(*_: Any, statement: str, **__: Any) -> None:
        if statement.lstrip().upper().startswith(SQLITE_WRITES):
            writing.set()

    event.listen(Engine, "before_cursor_execute", sent, named=True)
    written = asyncio.ensure_future(writing.wait())
    try:
        await asyncio.wait([task, written], return_when=asyncio.FIRST_COMPLETED)
    finally:
        written.cancel()
        event.remove(Engine, "before_cursor_execute", sent)
