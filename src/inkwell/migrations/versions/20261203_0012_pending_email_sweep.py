"""The index from which the outbox's sweep reads the emails still pending.

An email is created `pending` with its comment and sent once the transaction has committed;
if the process stops between the COMMIT and the send, the sweep sends it later. It looks for
the pending ones older than a minute: this partial index holds only pending emails (a few
rows at any time), ordered by when they were created, on both databases.

This revision adds an index and touches nothing else: at a merge only `down_revision` changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: the predicate as this revision wrote it.
PENDING_EMAIL = sa.text("email_status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_notifications_pending_email_created_at",
        "notifications",
        ["created_at"],
        postgresql_where=PENDING_EMAIL,
        sqlite_where=PENDING_EMAIL,
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_pending_email_created_at", table_name="notifications")
