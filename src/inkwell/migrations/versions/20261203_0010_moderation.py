"""Moderation: roles, suspensions, reports and the audit log.

`users` gains `role` (`user` for everyone, existing users included; admins are made with
`inkwell users promote`) and `suspended_at` (NULL: not suspended). `reports` holds what
signed-in readers reported, a post or a comment (exactly one, a CHECK on both databases),
gone with it (ON DELETE CASCADE); the open ones have an index of their own (partial, on
both databases). `audit_log` holds what admins did; an entry outlives its admin (SET NULL,
with the name kept beside it).

Suspending a user changes the counts the triggers keep (comment, like, tag and total post
counts leave the suspended user's rows out) by set-based UPDATEs in the moderation
service, so no trigger changes here.

This revision adds tables and columns and touches nothing else: it does not depend on
0009, and at a merge only `down_revision` changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("resolved_at IS NULL")


def _reference(
    table: str, column: str, referred: str, *, nullable: bool, ondelete: str
) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{referred}.id", name=f"fk_{table}_{column}_{referred}", ondelete=ondelete),
        nullable=nullable,
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("role", sa.String(5), nullable=False, server_default="user"))
    op.add_column("users", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        _reference("reports", "reporter_id", "users", nullable=False, ondelete="CASCADE"),
        _reference("reports", "post_id", "posts", nullable=True, ondelete="CASCADE"),
        _reference("reports", "comment_id", "comments", nullable=True, ondelete="CASCADE"),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        _reference("reports", "resolved_by_id", "users", nullable=True, ondelete="SET NULL"),
        sa.CheckConstraint(
            "(post_id IS NULL) <> (comment_id IS NULL)", name="ck_reports_one_target"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
    )
    op.create_index(
        "ix_reports_open_id", "reports", ["id"], postgresql_where=OPEN, sqlite_where=OPEN
    )
    op.create_index("ix_reports_post_id", "reports", ["post_id"])
    op.create_index("ix_reports_comment_id", "reports", ["comment_id"])
    op.create_index("ix_reports_reporter_id", "reports", ["reporter_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _reference("audit_log", "actor_id", "users", nullable=True, ondelete="SET NULL"),
        sa.Column("actor_name", sa.String(50), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_created_at_id", "audit_log", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("reports")
    # Plain ALTER TABLE on both backends, as 0008 does (a batch copy would lose SQLite's
    # expression index).
    op.drop_column("users", "suspended_at")
    op.drop_column("users", "role")
