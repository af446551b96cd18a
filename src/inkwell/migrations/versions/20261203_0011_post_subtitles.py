"""Post subtitles: a short line under the title (the Conduit API's `description`).

`posts` gains `subtitle`, NULL for every existing post (none has one yet).

This revision adds a column and touches nothing else: at a merge only `down_revision`
changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: posts.models.SUBTITLE_MAX_LENGTH when this revision was written.
SUBTITLE_MAX_LENGTH = 300


def upgrade() -> None:
    op.add_column("posts", sa.Column("subtitle", sa.String(SUBTITLE_MAX_LENGTH), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE on both backends, as 0008 does.
    op.drop_column("posts", "subtitle")
