"""Posts keep their Markdown rendered: `content_html` (sanitized HTML) and `excerpt` (plain
text for cards), made once when a post is written, so reads never parse Markdown. Every
existing post is rendered here, in batches.

This migration imports the renderer (`inkwell.posts.markdown`) rather than keeping a frozen
copy of it, unlike the counts' triggers of 0003. What it freezes is the table it touches.
What it renders is data, and the data should be what a write today would store: an old post
re-saved unchanged must come out the same, not as some older renderer's output. A frozen copy
would not freeze the output anyway: it would still call whatever markdown-it-py, nh3 and
Pygments are installed. And a copy would be a second sanitizer allowlist to keep safe. The
renderer imports nothing of the app, so this migration stays as light as the others; if
`MarkdownRenderer().render(text) -> (html, excerpt)` ever changes shape, tests/test_migrations.py
fails until this call follows it. Pictures count as the site's own only under `/media/`
here (the migration has no settings): existing posts were plain text, and stricter is safe.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.posts.markdown import MarkdownRenderer

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RENDERED_COLUMNS = ("content_html", "excerpt")
BATCH_SIZE = 500
posts = sa.table(
    "posts",
    sa.column("id", sa.Integer()),
    sa.column("content", sa.Text()),
    *(sa.column(name, sa.Text()) for name in RENDERED_COLUMNS),
)


def _render_existing_posts() -> None:
    """A batch at a time by id, so memory stays flat however many posts there are."""
    renderer = MarkdownRenderer()
    connection = op.get_bind()
    write = (
        posts.update()
        .where(posts.c.id == sa.bindparam("post_id"))
        .values({name: sa.bindparam(name) for name in RENDERED_COLUMNS})
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
        rows = []
        for post_id, content in batch:
            rendered = renderer.render(content)
            rows.append(
                {"post_id": post_id, "content_html": rendered.html, "excerpt": rendered.excerpt}
            )
        connection.execute(write, rows)
        last_id = batch[-1].id


def upgrade() -> None:
    # NOT NULL needs a default for the rows already there. SQLite cannot drop a column's
    # default without rebuilding the table, which would drop the counts' triggers on posts
    # (0003), so there the empty default stays, unused: the posts service sets both.
    for name in RENDERED_COLUMNS:
        op.add_column("posts", sa.Column(name, sa.Text(), nullable=False, server_default=""))
    _render_existing_posts()
    if op.get_bind().dialect.name == "postgresql":
        for name in RENDERED_COLUMNS:
            op.alter_column("posts", name, server_default=None)


def downgrade() -> None:
    for name in reversed(RENDERED_COLUMNS):
        op.drop_column("posts", name)
