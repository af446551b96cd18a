import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, DateTime, column, insert, inspect, table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.config import Settings
from inkwell.db import Base, create_engine, utcnow
from inkwell.migrations import downgrade_database, upgrade_database
from tests.conftest import postgres_database


async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; PostgreSQL compares them.
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified")
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, worker_id: str, testrun_uid: str
) -> AsyncIterator[str]:
    """A database of its own, never migrated, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    async with postgres_database(f"inkwell_migrations_{testrun_uid[:8]}_{worker_id}") as url:
        yield url


async def test_migrations_go_down_to_nothing_and_back_up(empty_database_url: str) -> None:
    engine = create_engine(Settings(database_url=empty_database_url))

    async def tables() -> set[str]:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))

    await upgrade_database(engine)
    assert {"users", "posts", "alembic_version"} <= await tables()
    await downgrade_database(engine, "base")
    assert await tables() == {"alembic_version"}
    await upgrade_database(engine)
    assert {"users", "posts"} <= await tables()
    await engine.dispose()


async def test_a_database_at_the_heads_is_left_alone_without_running_alembic(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An embedded-SQLite app migrates at every start: a current database costs one query."""
    ran: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda config, revision: ran.append(revision))
    await upgrade_database(engine)
    assert ran == []
    await upgrade_database(engine, "0004")
    assert ran == ["0004"]


# The users table as revision 0003 left it, before the lookup keys.
USERS_BEFORE_KEYS = table(
    "users",
    column("username"),
    column("email"),
    column("password_hash"),
    column("created_at", DateTime(timezone=True)),
    column("security_stamp"),
)


@pytest.fixture
async def engine_before_keys(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database migrated to the revision before the lookup keys."""
    engine = create_engine(Settings(database_url=empty_database_url))
    await upgrade_database(engine, "0003")
    yield engine
    await engine.dispose()


async def add_users_before_keys(engine: AsyncEngine, *names: str) -> None:
    rows = [
        {
            "username": name,
            "email": f"User{number}@Example.com",
            "password_hash": "x",
            "created_at": utcnow(),
            "security_stamp": "0" * 32,
        }
        for number, name in enumerate(names)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(USERS_BEFORE_KEYS), rows)


async def test_the_key_migration_fills_in_the_keys_of_existing_users(
    engine_before_keys: AsyncEngine,
) -> None:
    await add_users_before_keys(engine_before_keys, "ΟΔΟΣ", "Alice")
    await upgrade_database(engine_before_keys)
    async with engine_before_keys.connect() as connection:
        keys = await connection.execute(
            text("SELECT username_key, username_skeleton, email_key FROM users ORDER BY id")
        )
        assert keys.all() == [
            ("οδοσ", "odoo", "user0@example.com"),
            ("alice", "alice", "user1@example.com"),
        ]


async def test_users_sharing_a_key_stop_the_key_migration_before_it_changes_anything(
    engine_before_keys: AsyncEngine,
) -> None:
    """lower() let both in (it leaves the final sigma alone); an operator must rename one."""
    await add_users_before_keys(engine_before_keys, "ΟΔΟΣ", "οδος")
    with pytest.raises(RuntimeError, match=r"users \[1, 2\] share a username_key"):
        await upgrade_database(engine_before_keys)
    async with engine_before_keys.connect() as connection:
        assert await connection.scalar(text("SELECT version_num FROM alembic_version")) == "0003"
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("users"))
    assert "username_key" not in {column["name"] for column in columns}


async def test_going_below_the_key_migration_keeps_the_users_and_drops_the_keys(
    engine_before_keys: AsyncEngine,
) -> None:
    await add_users_before_keys(engine_before_keys, "ΟΔΟΣ", "Alice")
    await upgrade_database(engine_before_keys)
    await downgrade_database(engine_before_keys, "0003")
    async with engine_before_keys.connect() as connection:
        names = await connection.scalars(text("SELECT username FROM users ORDER BY id"))
        assert names.all() == ["ΟΔΟΣ", "Alice"]
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("users"))
    assert not {"username_key", "username_skeleton", "email_key"} & {c["name"] for c in columns}
