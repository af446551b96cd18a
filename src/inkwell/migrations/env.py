"""Alembic environment: runs on a connection the app hands over, or on its own async engine."""

import asyncio

from alembic import context
from sqlalchemy import Connection

from inkwell.config import Settings
from inkwell.db import Base, create_engine
from inkwell.models import __all__ as _models  # noqa: F401  (registers every table)
from inkwell.search.models import mapped

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=mapped,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine() -> None:
    engine = create_engine(Settings())
    async with engine.begin() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them against a database.")

given = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    asyncio.run(run_with_own_engine())
