"""Notifications, and each user's switch for emailing them.

`notifications` holds what a user is told of: a comment on their post, a reply in a thread
they commented in, a new follower. Rows go with the recipient, the actor, and the post or
comment they are about (ON DELETE CASCADE). The unread ones have an index of their own
(partial, on both databases), from which the navbar's count is read. `users` gains
`email_notifications`, on for everyone, existing users included.

This revision adds a table and a column and touches nothing else: at a merge only
`down_revision` changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _reference(column: str, table: str, *, nullable: bool) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{table}.id", name=f"fk_notifications_{column}_{table}", ondelete="CASCADE"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("email_notifications", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        _reference("user_id", "users", nullable=False),
        _reference("actor_id", "users", nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _reference("post_id", "posts", nullable=True),
        _reference("comment_id", "comments", nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_status", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])
    op.create_index(
        "ix_notifications_unread_user_id",
        "notifications",
        ["user_id"],
        postgresql_where=sa.text("read_at IS NULL"),
        sqlite_where=sa.text("read_at IS NULL"),
    )
    op.create_index("ix_notifications_actor_id_user_id", "notifications", ["actor_id", "user_id"])


def downgrade() -> None:
    op.drop_table("notifications")
    # Plain ALTER TABLE on both backends, as 0002 does (a batch copy would lose SQLite's
    # expression index).
    op.drop_column("users", "email_notifications")
