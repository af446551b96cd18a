"""SQLite's connections (inkwell.sqlite): a statement is one trip to the connection's thread,
and what comes back is what sqlite3 answers: rows, counts, ids and errors alike; every
connection writes ahead (WAL), however many open a new file at once."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.config import Settings
from inkwell.db import Reader, create_engine, create_sessionmaker
from inkwell.migrations import upgrade_database
from inkwell.posts import service as posts
from inkwell.sqlite import OneTripConnection
from tests.factories import Factory


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")


@pytest.fixture
async def notes(sqlite_settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on a database of one table of notes whose bodies are unique."""
    engine = create_engine(sqlite_settings)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        await connection.execute(text("CREATE UNIQUE INDEX notes_body ON notes (body)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function sent to a connection's thread, in order."""
    sent: list[str] = []
    send = OneTripConnection._execute

    async def counted(
        self: OneTripConnection, function: object, *arguments: object, **options: object
    ) -> object:
        sent.append(getattr(function, "__name__", repr(function)))
        return await send(self, function, *arguments, **options)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(OneTripConnection, "_execute", counted)
    return sent


async def test_a_listing_is_one_trip_to_the_connections_thread(
    sqlite_settings: Settings, trips: list[str]
) -> None:
    engine = create_engine(sqlite_settings)
    await upgrade_database(engine)
    factory = Factory(engine, sqlite_settings)
    await factory.posts(await factory.user("writer"), 3)
    await engine.dispose()
    reader = Reader.from_settings(sqlite_settings)
    await posts.list_posts(reader, skip=0, limit=10)  # opens the connection
    trips.clear()

    listing = await posts.list_posts(reader, skip=0, limit=10)

    sent = list(trips)
    await reader.dispose()
    assert listing.total == len(listing.posts) == 3
    assert sent == ["_run"]


async def test_rows_come_back_in_order(notes: AsyncEngine) -> None:
    async with notes.begin() as connection:
        for body in ("a", "b", "c"):
            await connection.execute(
                text("INSERT INTO notes (body) VALUES (:body)"), {"body": body}
            )
        rows = (await connection.execute(text("SELECT id, body FROM notes ORDER BY id"))).all()

    assert [tuple(row) for row in rows] == [(1, "a"), (2, "b"), (3, "c")]


async def test_many_rows_written_at_once_are_counted(notes: AsyncEngine) -> None:
    async with notes.begin() as connection:
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": str(n)} for n in range(5)]
        )
        changed = await connection.execute(text("UPDATE notes SET body = body || '!'"))
        count = await connection.scalar(text("SELECT count(*) FROM notes WHERE body LIKE '%!'"))

    assert changed.rowcount == 5
    assert count == 5


async def test_an_insert_answers_its_new_id(notes: AsyncEngine) -> None:
    async with notes.begin() as connection:
        await connection.execute(text("INSERT INTO notes (id, body) VALUES (41, 'x')"))
        inserted = await connection.execute(text("INSERT INTO notes (body) VALUES ('y')"))

    assert inserted.lastrowid == 42


async def test_a_streamed_result_comes_a_part_at_a_time(notes: AsyncEngine) -> None:
    async with notes.begin() as connection:
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": str(n)} for n in range(5)]
        )
        result = await connection.stream(text("SELECT body FROM notes ORDER BY id"))
        parts = [[row.body for row in part] async for part in result.partitions(2)]

    assert parts == [["0", "1"], ["2", "3"], ["4"]]


async def test_a_statement_that_fails_raises_the_databases_error_and_keeps_the_connection(
    notes: AsyncEngine,
) -> None:
    async with notes.connect() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
        with pytest.raises(IntegrityError, match=r"UNIQUE constraint failed: notes\.body"):
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
        assert await connection.scalar(text("SELECT count(*) FROM notes")) == 1


async def test_a_commit_that_fails_leaves_no_transaction_open(notes: AsyncEngine) -> None:
    """SQLite keeps a transaction whose COMMIT failed (a deferred constraint, a busy database)
    open and its write lock held; SQLAlchemy takes it for ended and pools the connection
    without a rollback, so its next user wrote inside it and could not commit."""
    async with notes.begin() as connection:
        await connection.execute(text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
        await connection.execute(
            text(
                "CREATE TABLE children (parent_id INTEGER"
                " REFERENCES parents DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    async with create_sessionmaker(notes)() as session:
        await session.execute(text("INSERT INTO children VALUES (1)"))
        with pytest.raises(IntegrityError):
            await session.commit()

    async with notes.begin() as connection:  # the same connection, from the pool
        await connection.execute(text("INSERT INTO notes (body) VALUES ('next')"))
        orphans = await connection.scalar(text("SELECT count(*) FROM children"))

    assert orphans == 0


async def test_engines_opening_a_new_file_at_once_all_switch_it_to_wal(tmp_path: Path) -> None:
    """Two workers starting on a new database: both first connections switch the file to
    WAL at once, and SQLite answered one of them "database is locked" without waiting (about
    one start in fifteen here, so a hundred starts all but always met it)."""
    for start in range(100):
        settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / f'{start}.db'}")
        engines = [create_engine(settings), create_engine(settings)]
        try:
            modes = await asyncio.gather(*(_journal_mode(engine) for engine in engines))
        finally:
            for engine in engines:
                await engine.dispose()
        assert modes == ["wal", "wal"]


async def _journal_mode(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        return str(await connection.scalar(text("PRAGMA journal_mode")))
