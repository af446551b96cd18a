"""Which posts link which pictures uploaded for posts (`post_picture_uses`), and since when a
picture no post links has been so (`post_pictures.unlinked_at`): deleting a post deletes its
author's pictures that no other post links, and `inkwell media sweep` the rest once their
grace is over, without reading any post's text.

The uses of the pictures already uploaded are found in the posts (drafts too) that link them
by their key, as 0021 found the pictures; a key that names no recorded picture is no use.
A picture no post links keeps no `unlinked_at`: its grace runs from its upload. Going down
drops both.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-12
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH_SIZE = 500
_KEY = re.compile(r"\bposts/[0-9a-f]{32}\.webp\b")
_posts = sa.table("posts", sa.column("id", sa.Integer()), sa.column("content", sa.Text()))
_pictures = sa.table("post_pictures", sa.column("key", sa.String()))


def _record_uses(uses: sa.Table) -> None:
    """A batch of posts at a time by id, so memory holds one batch's keys."""
    connection = op.get_bind()
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(_posts.c.id, _posts.c.content)
            .where(_posts.c.id > last_id, _posts.c.content.like("%posts/%"))
            .order_by(_posts.c.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            return
        linked = {post_id: set(_KEY.findall(content)) for post_id, content in batch}
        keys = set().union(*linked.values())
        uploaded = set(
            connection.scalars(sa.select(_pictures.c.key).where(_pictures.c.key.in_(keys)))
            if keys
            else ()
        )
        found = [
            {"post_id": post_id, "key": key}
            for post_id, post_keys in linked.items()
            for key in sorted(post_keys & uploaded)
        ]
        if found:
            connection.execute(uses.insert(), found)
        last_id = batch[-1].id


def upgrade() -> None:
    op.add_column(
        "post_pictures", sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True)
    )
    uses = op.create_table(
        "post_picture_uses",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["key"],
            ["post_pictures.key"],
            name=op.f("fk_post_picture_uses_key_post_pictures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_picture_uses_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "key", name=op.f("pk_post_picture_uses")),
    )
    op.create_index(op.f("ix_post_picture_uses_key"), "post_picture_uses", ["key"])
    _record_uses(uses)


def downgrade() -> None:
    op.drop_index(op.f("ix_post_picture_uses_key"), table_name="post_picture_uses")
    op.drop_table("post_picture_uses")
    op.drop_column("post_pictures", "unlinked_at")
