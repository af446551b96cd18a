"""SQLite's connections under SQLAlchemy's aiosqlite dialect, a statement in one trip.

aiosqlite runs each connection on a thread of its own and sends that thread every call. For
one statement SQLAlchemy makes four (make a cursor, execute, fetch the rows, close), and a
trip costs the event loop and the thread together about 60 µs of CPU, more than SQLite takes
to run a listing (50 µs; bench/NOTES.md, 2026-12-01). Here the statement runs and its rows
come back in one trip, and the cursor SQLAlchemy holds keeps only what that trip brought:
no sqlite3 object is touched outside the connection's thread. Everything else (commit,
rollback, the isolation level SQLAlchemy sets, closing) is aiosqlite's own, but that a COMMIT
that fails rolls back.

Every row of a statement is read at once: SQLAlchemy's buffered results read them all
anyway. Nothing here streams results, which on SQLite would now hold them all in memory.
"""

import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, NamedTuple, Self

import aiosqlite
from aiosqlite.context import contextmanager
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

# aiosqlite's own default, for the iteration over a cursor it offers (unused here).
_ITERATION_CHUNK = 64


class _Outcome(NamedTuple):
    """What a cursor knows after a statement, taken out of the connection's thread."""

    description: Any
    rowcount: int
    lastrowid: int | None
    rows: list[Any]


def _run(connection: sqlite3.Connection, sql: str, parameters: Any) -> _Outcome:
    cursor = connection.execute(sql, parameters)
    rows = cursor.fetchall() if cursor.description else []
    return _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid, rows)


def _run_many(connection: sqlite3.Connection, sql: str, parameters: Any) -> _Outcome:
    cursor = connection.executemany(sql, parameters)
    return _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid, [])


class OneTripCursor:
    """The cursor SQLAlchemy's adapter drives: `execute` is the trip, the rest is local."""

    def __init__(self, connection: "OneTripConnection") -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def execute(self, sql: str, parameters: Any = ()) -> Self:
        self._take(await self._connection.run(_run, sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Any) -> Self:
        self._take(await self._connection.run(_run_many, sql, parameters))
        return self

    def _take(self, outcome: _Outcome) -> None:
        self.description, self.rowcount, self.lastrowid = outcome[:3]
        self._rows = deque(outcome.rows)

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()


class OneTripConnection(aiosqlite.Connection):
    async def commit(self) -> None:
        """A COMMIT that fails ends the transaction, as on PostgreSQL. SQLite keeps it open
        (a deferred constraint broken, a busy database) with the write lock held, while
        SQLAlchemy takes it for ended and pools the connection without a rollback: its next
        user would write inside it, and every other writer wait."""
        try:
            await super().commit()
        except sqlite3.Error:
            await self.rollback()
            raise

    # A cursor is made without a trip: it is only the place the trip's outcome is kept.
    @contextmanager
    async def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    async def run(
        self, work: Callable[[sqlite3.Connection, str, Any], _Outcome], sql: str, parameters: Any
    ) -> _Outcome:
        # aiosqlite's own way to its thread, as its Cursor takes it; it is not annotated.
        outcome: _Outcome = await self._execute(work, self._conn, sql, parameters)  # type: ignore[no-untyped-call]
        return outcome


def connector(url: URL, *, timeout: float) -> Callable[[], Awaitable[OneTripConnection]]:
    """The engine's `async_creator` for `url`: what SQLAlchemy would pass sqlite3.connect
    (the file, the URL's options), with the busy `timeout` in seconds."""
    arguments, options = SQLiteDialect_aiosqlite().create_connect_args(url)
    return partial(_connect, *arguments, **dict(options, timeout=timeout))


async def _connect(*arguments: Any, **options: Any) -> OneTripConnection:
    connection = OneTripConnection(
        partial(sqlite3.connect, *arguments, **options), _ITERATION_CHUNK
    )
    # As SQLAlchemy does for aiosqlite's own: a connection left open must not keep the
    # process from exiting.
    connection._thread.daemon = True
    await connection  # starts the thread, which connects
    return connection
