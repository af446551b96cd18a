"""Usernames and emails compared by stored Unicode keys, not by SQL lower().

SQLite's lower() folds ASCII only and PostgreSQL's follows its collation, while Python
folds by Unicode's rules, so `ÉMILE` and `émile` could both register on SQLite and `ΟΔΟΣ`
could not sign in by username on PostgreSQL. Each user now carries keys made once in
Python: the username and the email NFKC-normalised and case-folded (unique indexes replace
the one on lower(username); the one on the email stays, implied by its key), and the TR39
confusable skeleton of the username (indexed, for refusing new look-alike names). The
database cannot compute them, so existing rows are filled in here, in Python.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.users.identity import user_keys

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_COLUMNS = ("username_key", "username_skeleton", "email_key")
users = sa.table(
    "users",
    sa.column("id", sa.Integer()),
    sa.column("username", sa.String()),
    sa.column("email", sa.String()),
    *(sa.column(name, sa.String()) for name in KEY_COLUMNS),
)


def _keys_of_existing_users() -> list[dict[str, object]]:
    """Refuses to go on, before changing anything, when two accounts share a key: which one
    keeps the name or address is for an operator to decide (rename one, migrate again)."""
    rows = [
        {"user_id": user.id} | user_keys(user.username, user.email)
        for user in op.get_bind().execute(sa.select(users.c.id, users.c.username, users.c.email))
    ]
    for key in ("username_key", "email_key"):
        counts = Counter(row[key] for row in rows)
        sharing = sorted(row["user_id"] for row in rows if counts[row[key]] > 1)
        if sharing:
            raise RuntimeError(f"users {sharing} share a {key}; rename all but one, then migrate")
    return rows


def upgrade() -> None:
    rows = _keys_of_existing_users()
    # NOT NULL needs a default for the rows already there; SQLite cannot drop a column's
    # default without rebuilding the table (which, with foreign keys on, would cascade-delete
    # every post), so there the empty default stays, unused: the model sets every key.
    for name in KEY_COLUMNS:
        op.add_column("users", sa.Column(name, sa.String(), nullable=False, server_default=""))
    if rows:
        op.get_bind().execute(
            users.update()
            .where(users.c.id == sa.bindparam("user_id"))
            .values({name: sa.bindparam(name) for name in KEY_COLUMNS}),
            rows,
        )
    if op.get_bind().dialect.name == "postgresql":
        for name in KEY_COLUMNS:
            op.alter_column("users", name, server_default=None)
    op.drop_index("uq_users_username_lower", table_name="users")
    op.create_index("uq_users_username_key", "users", ["username_key"], unique=True)
    op.create_index("uq_users_email_key", "users", ["email_key"], unique=True)
    op.create_index("ix_users_username_skeleton", "users", ["username_skeleton"])


def downgrade() -> None:
    op.drop_index("ix_users_username_skeleton", table_name="users")
    op.drop_index("uq_users_email_key", table_name="users")
    op.drop_index("uq_users_username_key", table_name="users")
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    for name in reversed(KEY_COLUMNS):
        op.drop_column("users", name)
