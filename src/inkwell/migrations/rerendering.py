"""Stored Markdown rendered again by a migration, when the renderer came to add something
the rows should have had: only that addition may change a row.

A row is written only if its new HTML and its old one are the same once what the given
pattern of additions matches is taken out of both. A row its writer's settings rendered
otherwise (a picture by its full address, say: migrations have no settings, see 0005), or
that some other renderer change would render differently, keeps its HTML until it is saved
again. Nothing else of a row changes: not its `updated_at`, which says when its writer last
edited it.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.posts.markdown import COMMENT, POST, MarkdownRenderer, Profile

BATCH_SIZE = 500


def _rendered_table(name: str, source: str, html: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column(source, sa.Text()),
        sa.column(html, sa.Text()),
    )


POSTS = (_rendered_table("posts", "content", "content_html"), POST)
COMMENTS = (_rendered_table("comments", "body", "body_html"), COMMENT)


def render_again(
    rows: sa.TableClause, profile: Profile, *, holding: Sequence[str], additions: re.Pattern[str]
) -> None:
    """The rows whose HTML holds any of `holding` (LIKE patterns) rendered again, a batch at
    a time by id so that memory stays flat, each kept unless what `additions` matches is all
    it gains."""
    source, html = (column for column in rows.c if column.name != "id")
    renderer = MarkdownRenderer(profile)
    connection = op.get_bind()
    write = (
        rows.update()
        .where(rows.c.id == sa.bindparam("row_id"))
        .values({html: sa.bindparam("html")})
    )
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(rows.c.id, source, html)
            .where(rows.c.id > last_id, sa.or_(*(html.like(pattern) for pattern in holding)))
            .order_by(rows.c.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            return
        changed = []
        for row_id, text, old_html in batch:
            new_html = renderer.render(text).html
            if new_html != old_html and additions.sub("", new_html) == additions.sub("", old_html):
                changed.append({"row_id": row_id, "html": new_html})
        if changed:
            connection.execute(write, changed)
        last_id = batch[-1].id
