"""Which unique index or constraint a write broke, by its name, on both databases; and
inserts that a taken key turns into nothing rather than an error.

PostgreSQL names it (asyncpg's `UniqueViolationError.constraint_name`). SQLite names only
the columns ("UNIQUE constraint failed: users.username_key"), so those are matched to the
unique index or constraint the model declares over exactly them: the model, not the
message's wording, says what each column set means, and the migrations create the same
names (a test compares them).
"""

import re
from typing import Any

from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import Index, Select, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.db import Base

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)")


def violated_unique(error: IntegrityError, table: Table) -> str | None:
    """The name of `table`'s unique index or constraint that `error` broke; None if it was
    no unique violation, or of another table."""
    cause = error.orig.__cause__ if error.orig is not None else None
    if isinstance(cause, UniqueViolationError):
        return cause.constraint_name if cause.table_name == table.name else None
    match = _SQLITE_UNIQUE.search(str(error.orig))
    if match is None:
        return None
    qualified = match["columns"].split(", ")
    if any(not column.startswith(f"{table.name}.") for column in qualified):
        return None
    columns = frozenset(column.removeprefix(f"{table.name}.") for column in qualified)
    return _unique_keys(table).get(columns)


def _unique_keys(table: Table) -> dict[frozenset[str], str]:
    keys: list[Index | UniqueConstraint] = [index for index in table.indexes if index.unique]
    keys += [key for key in table.constraints if isinstance(key, UniqueConstraint)]
    return {frozenset(column.name for column in key.columns): str(key.name) for key in keys}


async def insert_once(
    session: AsyncSession,
    model: type[Base],
    columns: list[str],
    rows: Select[*tuple[Any, ...]],
) -> int:
    """INSERT … SELECT that does nothing for a row whose key is already there, on both
    databases: an idempotent PUT (a like, a follow) is one statement, and two racing ones
    leave one row and no error. The SELECT's WHERE also keeps SQLite's parser from reading
    ON CONFLICT as a join's ON. Answers how many rows it inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(
        insert(model).from_select(columns, rows).on_conflict_do_nothing()
    )
    return int(getattr(result, "rowcount", 0) or 0)
