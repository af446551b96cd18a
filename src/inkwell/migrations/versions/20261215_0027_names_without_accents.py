"""The user search finds a name with or without its accents (`zoe` finds Zoë), and finds
capitals outside ASCII on SQLite (`élodie` finds ÉLODIE), as the post search does.

It matched SQL's lower() of the names, which folds ASCII alone on SQLite and keeps accents
on both databases. Each user now carries `names_key`, both names folded in Python
(`identity.names_key`), filled here for the users there are, a batch at a time; on
PostgreSQL the trigram index reads it instead of that expression. Going down drops it and
makes the old index again.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.users.identity import names_key

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1_000
users = sa.table(
    "users",
    sa.column("id", sa.Integer()),
    sa.column("username", sa.String()),
    sa.column("display_name", sa.String()),
    sa.column("names_key", sa.String()),
)
# Frozen: the index as 0014 made it, and as this revision makes it.
EXPRESSION_INDEX = """CREATE INDEX ix_users_names_trigrams ON users USING gin (
    (lower(coalesce(display_name, '')) || ' ' || username_key) gin_trgm_ops)"""
COLUMN_INDEX = "CREATE INDEX ix_users_names_trigrams ON users USING gin (names_key gin_trgm_ops)"


def _fill_names_keys() -> None:
    """By keyset, so that a million users never sit in memory at once."""
    connection = op.get_bind()
    after = 0
    while rows := connection.execute(
        sa.select(users.c.id, users.c.username, users.c.display_name)
        .where(users.c.id > after)
        .order_by(users.c.id)
        .limit(BATCH)
    ).all():
        connection.execute(
            users.update()
            .where(users.c.id == sa.bindparam("user_id"))
            .values(names_key=sa.bindparam("key")),
            [{"user_id": row.id, "key": names_key(row.username, row.display_name)} for row in rows],
        )
        after = rows[-1].id


def upgrade() -> None:
    # The default stays on both databases: SQLite cannot drop it without rebuilding the
    # table, and rows written by SQL alone need one (see the model).
    op.add_column("users", sa.Column("names_key", sa.String(), nullable=False, server_default=""))
    _fill_names_keys()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_users_names_trigrams")
        op.execute(COLUMN_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_users_names_trigrams")
        op.execute(EXPRESSION_INDEX)
    op.drop_column("users", "names_key")
