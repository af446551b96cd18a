"""Posts keep their word count (`posts.word_count`), set with the rendered columns when the
content is written, so a listing's cards show the reading time without reading the content:
the largest column, which PostgreSQL would otherwise detoast and send for every card.

Every existing post is counted here, a batch at a time by id, by the function writes use
(`inkwell.posts.markdown.word_count`), as 0005 renders with the renderer writes use.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.posts.markdown import word_count

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH_SIZE = 500
posts = sa.table(
    "posts",
    sa.column("id", sa.Integer()),
    sa.column("content", sa.Text()),
    sa.column("word_count", sa.Integer()),
)


def _count_existing_posts() -> None:
    """Memory stays flat however many posts there are."""
    connection = op.get_bind()
    write = (
        posts.update()
        .where(posts.c.id == sa.bindparam("post_id"))
        .values(word_count=sa.bindparam("words"))
    )
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(posts.c.id, posts.c.content)
            .where(posts.c.id > last_id)
            .order_by(posts.c.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            return
        connection.execute(
            write, [{"post_id": post_id, "words": word_count(text)} for post_id, text in batch]
        )
        last_id = batch[-1].id


def upgrade() -> None:
    # As in 0005: the default is there for the rows already there; PostgreSQL drops it,
    # SQLite keeps it unused (dropping it would rebuild the table and lose its triggers).
    op.add_column(
        "posts", sa.Column("word_count", sa.Integer(), nullable=False, server_default="0")
    )
    _count_existing_posts()
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("posts", "word_count", server_default=None)


def downgrade() -> None:
    op.drop_column("posts", "word_count")
