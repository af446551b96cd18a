"""Alembic owns the schema; these helpers run it from the app and the command line."""

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

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

    SQLite migrates with its foreign keys off, as its own procedure for changing a table
    asks: a table rebuilt is dropped, and with them on, dropping it would first delete the
    rows of every table referring to it. The keys are checked before the commit instead.
    """
    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            await _foreign_keys(connection, "OFF")  # outside a transaction, or SQLite ignores it
        try:
            async with connection.begin():
                if sqlite:
                    await connection.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                await connection.run_sync(lambda sync: step(alembic_config(sync), revision))
                if sqlite:
                    await _check_foreign_keys(connection)
        finally:
            if sqlite:
                await _foreign_keys(connection, "ON")


async def _foreign_keys(connection: AsyncConnection, switch: Literal["ON", "OFF"]) -> None:
    await connection.exec_driver_sql(f"PRAGMA foreign_keys={switch}")
    await connection.commit()


async def _check_foreign_keys(connection: AsyncConnection) -> None:
    """Raises, so that the migration rolls back, if a row refers to one that is not there."""
    dangling = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
    if dangling:
        raise RuntimeError(f"the migration left rows referring to missing ones: {dangling[:5]}")
