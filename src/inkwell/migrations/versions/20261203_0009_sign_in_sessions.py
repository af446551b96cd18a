"""Sign-in sessions: what renews a cookie sign-in's short access token.

`sign_in_sessions` holds one row per cookie sign-in: the SHA-256 of its current refresh
secret and of the one that secret replaced, the security stamp of the user when they signed
in (a new stamp voids the row), the device it came from, and when it was created, last
renewed and expires. Rows go with their user (ON DELETE CASCADE). The id is random text:
it is also what the account page and `DELETE /api/sessions/{id}` name a session by.

This revision adds a table and touches nothing else: at a merge only `down_revision`
changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.String(22), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("security_stamp", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("previous_secret_hash", sa.String(64), nullable=True),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_sign_in_sessions_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_sessions"),
    )
    op.create_index("ix_sign_in_sessions_user_id", "sign_in_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_table("sign_in_sessions")
