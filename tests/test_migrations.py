import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.config import Settings
from inkwell.db import Base, create_engine
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
