"""The deletions of stored pictures are recorded (`media_deletions`) in the transaction that
stops naming them, and the record goes once the file has: a file the store failed to delete
(S3 down) was only logged, its row already gone, and stayed online with nothing to remember
it. `inkwell media sweep` tries the recorded ones again. Going down drops the records, not
the files they name.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-16
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_deletions",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_media_deletions")),
    )


def downgrade() -> None:
    op.drop_table("media_deletions")
