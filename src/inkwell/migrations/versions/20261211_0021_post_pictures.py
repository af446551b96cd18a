"""Pictures uploaded for posts are recorded with their uploader (`post_pictures`), so that
they go when the uploader's account does: until now no row pointed at one, and deleting an
account left them at their addresses for good.

The pictures already uploaded are found where they are used: in the posts (drafts too)
that link to them, by their key (`posts/` and 32 hexadecimal digits, the name
`media.service.new_picture_key` gives; the address before it may be `/media/` or the
storage's own, which this migration does not know). One linked from several posts is the
first post's author's, who most likely uploaded it; one that no post links to any more has
no owner to find and stays. Going down drops the records, not the pictures.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-11
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH_SIZE = 500
_KEY = re.compile(r"\bposts/[0-9a-f]{32}\.webp\b")
_posts = sa.table(
    "posts",
    sa.column("id", sa.Integer()),
    sa.column("user_id", sa.Integer()),
    sa.column("content", sa.Text()),
)


def _record_linked_pictures(pictures: sa.Table) -> None:
    """A batch of posts at a time by id, so memory holds only the keys found."""
    connection = op.get_bind()
    found: set[str] = set()
    now = datetime.now(UTC)
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(_posts.c.id, _posts.c.user_id, _posts.c.content)
            .where(_posts.c.id > last_id, _posts.c.content.like("%posts/%"))
            .order_by(_posts.c.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            return
        owned = []
        for _, user_id, content in batch:
            for key in dict.fromkeys(_KEY.findall(content)):
                if key not in found:
                    found.add(key)
                    owned.append({"key": key, "user_id": user_id, "created_at": now})
        if owned:
            connection.execute(pictures.insert(), owned)
        last_id = batch[-1].id


def upgrade() -> None:
    pictures = op.create_table(
        "post_pictures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_post_pictures_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_post_pictures")),
    )
    op.create_index(op.f("ix_post_pictures_user_id"), "post_pictures", ["user_id"])
    _record_linked_pictures(pictures)


def downgrade() -> None:
    op.drop_index(op.f("ix_post_pictures_user_id"), table_name="post_pictures")
    op.drop_table("post_pictures")
