"""Users may have a picture elsewhere (`users.image_url`, an http(s) address): what a
RealWorld frontend sets as the user's `image` through the Conduit API, and shows. Nullable,
so existing users have none and keep their uploaded picture, if any.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("image_url", sa.String(2048), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "image_url")
