"""Alembic owns the schema; these helpers run it from the app and the command line."""

from collections.abc import Callable
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

SCRIPT_LOCATION = str(Path(__file__).parent)
# Any constant shared by every process that migrates; "inkw" in ASCII.
MIGRATION_LOCK_KEY = 0x696E6B77


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    await _run(engine, _upgrade_unless_current, revision)


@cache
def head_revisions() -> frozenset[str]:
    """The heads of the migrations this code ships: read once, they change only with it."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _upgrade_unless_current(config: Config, revision: str) -> None:
    """A database already at the heads is left alone without Alembic loading its scripts
    and environment again (some 20 ms, paid at every start of an embedded-SQLite app)."""
    connection = config.attributes["connection"]
    current = MigrationContext.configure(connection).get_current_heads()
    if revision != "head" or frozenset(current) != head_revisions():
        command.upgrade(config, revision)


async def downgrade_database(engine: AsyncEngine, revision: str) -> None:
    await _run(engine, command.downgrade, revision)


async def _run(engine: AsyncEngine, step: Callable[[Config, str], None], revision: str) -> None:
    """Alembic is synchronous: it runs inside one of the engine's connections via run_sync.

    Instances that start together migrate one after the other; the later ones find the
    schema current and do nothing. On PostgreSQL a transaction-scoped advisory lock orders
    them; on SQLite the transaction takes the write lock before it reads the version (the
    driver would run each DDL statement on its own, and two workers of `inkwell serve` on a
    new database would both create the same tables).
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        else:
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
        await connection.run_sync(lambda sync: step(alembic_config(sync), revision))
