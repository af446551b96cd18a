"""On SQLite, a deleted user's, post's, comment's, notification's or report's id is never
given to a new one.

SQLite gives a new row the largest id plus one, so deleting the newest post gave its id to
the next: a link to the deleted post (`/posts/57-old-title`) then led to someone else's new
post. AUTOINCREMENT keeps the largest id ever given instead, which SQLite can only be told
when a table is created: each table is rebuilt, as SQLite's own procedure for changing a
table does it (a new table, the rows copied with their ids, the old one dropped, the new one
renamed, its indexes and triggers made again; the foreign keys are off meanwhile, see
`inkwell.migrations`). The new table is the old one's own SQL with the key made
AUTOINCREMENT, so it is whatever the earlier revisions made it. Ids deleted before this
revision are not known any more and may still be given once. PostgreSQL's sequences never
give an id twice: nothing changes there. Going down keeps AUTOINCREMENT, which costs nothing
and is what the tables should always have had.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-10
"""

import re
from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("users", "posts", "comments", "notifications", "reports")
_ID_COLUMN = re.compile(r"\bid INTEGER NOT NULL(?=,)")
_KEY_CONSTRAINT = re.compile(r",\s*CONSTRAINT (\w+) PRIMARY KEY \(id\)")


def _autoincrementing(create_table: str, table: str, new_name: str) -> str:
    """The table's CREATE statement, renamed, with its named key moved onto `id` as
    AUTOINCREMENT (SQLite accepts it on a column's own key only)."""
    key = _KEY_CONSTRAINT.search(create_table)
    if key is None or len(_ID_COLUMN.findall(create_table)) != 1:
        raise RuntimeError(f"{table}'s key is not the `id` column this revision knows")
    without_key = _KEY_CONSTRAINT.sub("", create_table, count=1)
    with_key = _ID_COLUMN.sub(
        f"id INTEGER NOT NULL CONSTRAINT {key.group(1)} PRIMARY KEY AUTOINCREMENT", without_key
    )
    renamed, count = re.subn(
        rf"^CREATE TABLE \"?{table}\"? \(", f"CREATE TABLE {new_name} (", with_key
    )
    if count != 1:
        raise RuntimeError(f"{table}'s CREATE statement is not the one this revision knows")
    return renamed


def _rebuild(table: str) -> None:
    connection = op.get_bind()
    new_name = f"{table}_autoincrement"
    (create_table,) = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).one()
    # Indexes SQLite makes itself (for UNIQUE constraints) have no SQL: the table makes them.
    attached = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY type, name",
        (table,),
    ).scalars()
    made_again = list(attached)
    op.execute(_autoincrementing(create_table, table, new_name))
    op.execute(f"INSERT INTO {new_name} SELECT * FROM {table}")  # noqa: S608  (TABLES)
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {new_name} RENAME TO {table}")
    for statement in made_again:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The triggers of other tables name these ones: while one is rebuilt, they name a table
    # that is not there, which the renaming must not check.
    op.execute("PRAGMA legacy_alter_table = ON")
    for table in TABLES:
        _rebuild(table)
    op.execute("PRAGMA legacy_alter_table = OFF")


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
