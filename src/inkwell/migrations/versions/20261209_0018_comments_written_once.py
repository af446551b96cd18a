"""A comment never edited has `updated_at` equal to its `created_at`.

Until now the two were set by two reads of the clock as the comment was inserted, a few
microseconds apart, so every comment read as edited (its page showed "· edited", Conduit an
`updatedAt` after its `createdAt`). New comments take one time for both; this sets the
existing ones that way where the two are less than 10 ms apart, which no edit can be (SQLite
keeps the milliseconds of a time for `julianday`). Going down leaves them as they are: equal
times are what the comments should always have had.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-09
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WRITTEN_ONCE = {
    "postgresql": "UPDATE comments SET updated_at = created_at WHERE updated_at > created_at "
    "AND updated_at - created_at < interval '10 milliseconds'",
    "sqlite": "UPDATE comments SET updated_at = created_at WHERE updated_at > created_at "
    "AND (julianday(updated_at) - julianday(created_at)) * 86400000 < 10",
}


def upgrade() -> None:
    op.execute(_WRITTEN_ONCE[op.get_bind().dialect.name])


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
