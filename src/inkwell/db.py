"""The async engine, the session factory and the declarative base shared by every domain."""

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.type_api import _ResultProcessorType

from inkwell import sqlite
from inkwell.config import DatabaseSettings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend: SQLite stores no offset, so it is restored on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> _ResultProcessorType[datetime] | None:
        # asyncpg already returns timestamptz as aware UTC datetimes: nothing to do per value.
        if dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[type, type]] = {datetime: UTCDateTime}


# The table options of rows addressed by their id (users, posts, comments...): on SQLite, a
# deleted row's id is never given to a new one (migration 0020), as PostgreSQL's sequences
# never give one twice.
IDS_NEVER_REUSED = {"sqlite_autoincrement": True}


def utcnow() -> datetime:
    return datetime.now(UTC)


async def dialect_insert(
    session: AsyncSession, model: type["Base"]
) -> postgresql.Insert | sqlite_dialect.Insert:
    """An INSERT in the dialect of the session's database, which (unlike SQLAlchemy's generic
    one) can be told to do nothing ON CONFLICT, where a unique index settles a race."""
    dialect = (await session.connection()).dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite_dialect.insert)(model)


def create_engine(settings: DatabaseSettings, *, autocommit: bool = False) -> AsyncEngine:
    """The writes' engine, or with `autocommit` the Reader's: every connection is in autocommit
    from the moment it opens. Each takes its share of DATABASE_CONNECTIONS, on both backends."""
    # No pre-ping: it costs a round trip per request. A connection lost to a database
    # restart fails its request with a 503 and Retry-After (see errors.py), and that first
    # failure invalidates every older connection of the pool.
    options: dict[str, Any] = {
        "echo": settings.database_echo,
        "pool_size": settings.read_connections if autocommit else settings.write_connections,
        "max_overflow": 0,
        "pool_timeout": settings.database_pool_timeout,
        "pool_recycle": settings.database_pool_recycle,
        # A failed statement's error is logged with its traceback: without the values it
        # was sent (emails, password hashes, the lookup keys of names being signed in).
        "hide_parameters": True,
    }
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
    if not settings.is_sqlite:
        timeout = settings.database_timeout
        connect_args = {
            "timeout": timeout,
            "command_timeout": timeout,
            "server_settings": _postgresql_settings(settings, reads_only=autocommit),
        }
        return create_async_engine(settings.database, connect_args=connect_args, **options)
    # One trip to the connection's thread a statement, not aiosqlite's four (inkwell.sqlite).
    timeout = settings.sqlite_busy_timeout_ms / 1000
    engine = create_async_engine(
        settings.database,
        async_creator=sqlite.connector(settings.database, timeout=timeout),
        **options,
    )
    _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
    return engine


def _postgresql_settings(settings: DatabaseSettings, *, reads_only: bool) -> dict[str, str]:
    """Session settings of every PostgreSQL connection.

    asyncpg prepares each statement and PostgreSQL, after five runs, may switch a prepared
    statement to a generic plan chosen without its parameters, and keep it. With LIMIT and
    OFFSET sent as parameters, a few deep pages once left the first page planned for depth,
    17 times slower; they are written into the listings' text now (pagination.page_bound), so
    a kept plan is planned for its own page, and it saves the planning that was half of
    PostgreSQL's CPU a listing. JIT compiles for queries that run for seconds, which these
    never should.
    """
    server_settings = {"jit": "off"}
    if reads_only:
        server_settings["statement_timeout"] = str(int(settings.database_read_timeout * 1000))
    return server_settings


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """WAL lets readers run beside the writer; the busy timeout makes writers queue, not fail."""

    @event.listens_for(engine.sync_engine, "connect")
    def set_pragmas(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        _switch_to_wal(cursor, busy_timeout_ms / 1000)
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _switch_to_wal(cursor: DBAPICursor, timeout: float) -> None:
    """Two connections switching a new file to WAL at once both hold its read lock and want
    its write lock; SQLite answers one of them BUSY at once, without waiting (its deadlock
    avoidance skips the busy handler), as two workers starting on a new database met. That
    one tries again, within the busy timeout: the other's switch is done by then, and the
    file keeps WAL for every connection after."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        else:
            return


def create_sessionmaker(
    engine: AsyncEngine, session_class: type[Session] = Session
) -> async_sessionmaker[AsyncSession]:
    """`session_class`: the sessions' synchronous class, to which an app attaches events
    (caching.generation.watching_session_class)."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, sync_session_class=session_class
    )


class Reader:
    """Single-statement reads on connections of its own, kept open in autocommit and taken
    in turn (`DbReader`). Invariants:

    - Turns are taken in arrival order (a FIFO semaphore, not the pool's queue: bench/NOTES.md
      step 9), and a read waits at most `timeout` for one, then fails like an exhausted pool.
    - Only a task holding a turn touches the idle list, so there are never more connections
      than turns. Connections stay open between reads (NOTES step 16) until `recycle_after`.
    - A read that fails or is cancelled throws its connection away (its state is unknown); one
      that lost its connection (the database restarted) takes the idle ones with it.
    - Within a request whose session has begun a transaction, reads go through that session
      (see `reads_through`), so a request sees its own writes.
    """

    def __init__(
        self, engine: AsyncEngine, turns: int, *, timeout: float, recycle_after: float
    ) -> None:
        self._engine = engine
        self._turns = asyncio.Semaphore(turns)
        self._timeout = timeout
        self._recycle_after = recycle_after
        # (when it was opened, the connection), the most recently used last.
        self._idle: list[tuple[float, AsyncConnection]] = []

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> "Reader":
        return cls(
            create_engine(settings, autocommit=True),
            turns=settings.read_connections,
            timeout=settings.database_pool_timeout,
            recycle_after=settings.database_pool_recycle,
        )

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """Only the statements go inside: any exception raised in it costs the connection."""
        session = _request_session.get()
        if session is not None and session.in_transaction():
            yield await session.connection()
            return
        await self._take_turn()
        try:
            opened_at, connection = await self._idle_or_new_connection()
            try:
                yield connection
            except BaseException:
                stale = [connection]
                if connection.invalidated:  # the database dropped it: the idle ones too
                    stale += [idle for _, idle in self._idle]
                    self._idle.clear()
                await _throw_away(stale)
                raise
            self._idle.append((opened_at, connection))
        finally:
            self._turns.release()

    async def _take_turn(self) -> None:
        """The timer is set only when the gate is closed: an open gate admits at once."""
        if not self._turns.locked():
            await self._turns.acquire()
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._turns.acquire()
        except TimeoutError:
            raise PoolTimeoutError(
                f"no read connection became free within {self._timeout} s"
            ) from None

    async def _idle_or_new_connection(self) -> tuple[float, AsyncConnection]:
        now = time.monotonic()
        if self._idle:
            opened_at, connection = self._idle.pop()
            if now - opened_at < self._recycle_after:
                return opened_at, connection
            await _throw_away([connection])
        return now, await self._engine.connect()

    async def dispose(self) -> None:
        """At shutdown, once no read runs: the idle connections, then the engine's pool."""
        idle, self._idle = self._idle, []
        for _, connection in idle:
            await connection.close()
        await self._engine.dispose()


@dataclass(frozen=True)
class Database:
    """The two pools of a process, DATABASE_CONNECTIONS between them: the writes' engine and
    the Reader. An app's lifespan makes its own and disposes of it; one handed to
    `create_app` belongs to whoever made it, and may serve one app's lifespan after another
    (the test suite keeps one a worker, its connections open and its statements compiled)."""

    engine: AsyncEngine
    reader: Reader

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> "Database":
        return cls(create_engine(settings), Reader.from_settings(settings))

    async def dispose(self) -> None:
        await self.reader.dispose()
        await self.engine.dispose()


_request_session: ContextVar[AsyncSession | None] = ContextVar("request_session", default=None)


@contextmanager
def reads_through(session: AsyncSession) -> Iterator[None]:
    """While inside, the Reader reads through `session` once it has begun a transaction: what
    the request wrote is not committed yet, and the Reader's own connections cannot see it."""
    token = _request_session.set(session)
    try:
        yield
    finally:
        _request_session.reset(token)


async def _throw_away(connections: list[AsyncConnection]) -> None:
    """Closes each connection for good, never to be reused. Some are already broken, and
    failing to close a broken connection says nothing new: that is not an error."""
    for connection in connections:
        with suppress(Exception):
            await connection.invalidate()
        with suppress(Exception):
            await connection.close()
