"""The async engine, the session factory and the declarative base shared by every domain."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.type_api import _ResultProcessorType

from inkwell.config import Settings

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


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_engine(settings: Settings, *, autocommit: bool = False) -> AsyncEngine:
    """`autocommit`: every connection is in autocommit from the moment it opens (Reader's)."""
    # The same pool on both backends: a Reader holds as many connections as the pool allows.
    # No pre-ping: it costs a round trip per request. A connection lost to a database
    # restart fails its request with a 503 and Retry-After (see errors.py), and that first
    # failure invalidates every older connection of the pool.
    options: dict[str, Any] = {
        "echo": settings.database_echo,
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_max_overflow,
        "pool_timeout": settings.database_pool_timeout,
    }
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
    if not settings.is_sqlite:
        timeout = settings.database_timeout
        connect_args = {"timeout": timeout, "command_timeout": timeout}
        return create_async_engine(settings.database, connect_args=connect_args, **options)
    engine = create_async_engine(
        settings.database,
        connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        **options,
    )
    _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
    return engine


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """WAL lets readers run beside the writer; the busy timeout makes writers queue, not fail."""

    @event.listens_for(engine.sync_engine, "connect")
    def set_pragmas(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class Reader:
    """Reads made of one statement each, on connections of their own kept open in
    autocommit, taken in turn.

    One statement sees one snapshot on its own; BEGIN and COMMIT would add two round trips,
    which cost more than a page of posts. The engine is the Reader's own, in autocommit from
    the moment each connection opens: switching a shared pool's connections to autocommit
    and back on every checkout cost a tenth of a listing's CPU.

    In turn: SQLAlchemy's async pool gives a returned connection to whichever task asks
    next (an asyncio.Queue lets a newcomer barge past the task it just woke), so under load
    some reads waited seconds while most took a fraction of one: at 256 connections a
    listing's p99 was 2.0 s for a p50 of 0.22 s. A FIFO semaphore admits reads in arrival
    order (p99 0.63 s).

    Kept open: a read takes an idle connection, or opens one, and leaves it idle for the
    next; checking it out of the pool and back for every read cost a third of what a
    listing spends in SQLAlchemy. Only a task holding a turn touches the idle list, so
    there are never more connections than turns. A read that fails or is cancelled throws
    its connection away (its state is unknown), and one that lost its connection (the
    database restarted) takes the idle ones with it, as SQLAlchemy's pool would.
    """

    def __init__(self, engine: AsyncEngine, turns: int) -> None:
        self._engine = engine
        self._turns = asyncio.Semaphore(turns)
        self._idle: list[AsyncConnection] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> "Reader":
        return cls(
            create_engine(settings, autocommit=True),
            turns=settings.database_pool_size + settings.database_max_overflow,
        )

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """Only the statements go inside: any exception raised in it costs the connection."""
        async with self._turns:
            connection = self._idle.pop() if self._idle else await self._engine.connect()
            try:
                yield connection
            except BaseException:
                stale = [connection]
                if connection.invalidated:  # the database dropped it: the idle ones too
                    stale += self._idle
                    self._idle.clear()
                await _throw_away(stale)
                raise
            self._idle.append(connection)

    async def dispose(self) -> None:
        """At shutdown, once no read runs: the idle connections, then the engine's pool."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        await self._engine.dispose()


async def _throw_away(connections: list[AsyncConnection]) -> None:
    """Closes each connection for good, never to be reused. Some are already broken, and
    failing to close a broken connection says nothing new: that is not an error."""
    for connection in connections:
        with suppress(Exception):
            await connection.invalidate()
        with suppress(Exception):
            await connection.close()
