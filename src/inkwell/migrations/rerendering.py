"""Stored Markdown rendered again by a migration, when the renderer came to make something
the rows should have had: only that may change a row.

A row is written only if the HTML it would have now, rendered as it was, is its HTML once
what a pattern of additions matches is taken out of both. A row its writer's settings
rendered otherwise (a picture by its full address, say: migrations have no settings, see
0005), or that some other renderer change would render differently, keeps its HTML until it
is saved again, or until `inkwell posts render` (posts/stored_html.py). Nothing else of a
row changes: not its `updated_at`, which says when its writer last edited it.
"""

import re
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.posts.markdown import COMMENT, POST, MarkdownRenderer, Profile

BATCH_SIZE = 500
# What each migration that renders again adds, as patterns: a later one passes its own and
# those before it, since a row an earlier one left (the renderer by then making more) is
# the later one's to finish.
LABELS = "</?label>"  # 0019
FOCUSABLE = ' tabindex="0"'  # 0024
COUNTRY_LINKS = r'<a href="(?:http://www\.|mailto:)[^"]*" rel="nofollow ugc noopener">|</a>'  # 0025


def additions(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns))


def _rendered_table(name: str, source: str, html: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column(source, sa.Text()),
        sa.column(html, sa.Text()),
    )


POSTS = (_rendered_table("posts", "content", "content_html"), POST)
COMMENTS = (_rendered_table("comments", "body", "body_html"), COMMENT)


def _batches(
    rows: sa.TableClause, where: sa.ColumnClause[str], holding: Sequence[str]
) -> Iterator[Sequence[sa.Row[int, str, str]]]:
    """The rows (id, source, HTML) whose `where` column holds any of `holding` (LIKE
    patterns), a batch at a time by id, so that memory stays flat however many there are."""
    source, html = (column for column in rows.c if column.name not in ("id", "excerpt"))
    last_id = 0
    while batch := (
        op.get_bind()
        .execute(
            sa.select(rows.c.id, source, html)
            .where(rows.c.id > last_id, sa.or_(*(where.like(pattern) for pattern in holding)))
            .order_by(rows.c.id)
            .limit(BATCH_SIZE)
        )
        .all()
    ):
        yield batch
        last_id = batch[-1].id


def render_again(
    rows: sa.TableClause, profile: Profile, *, holding: Sequence[str], added: re.Pattern[str]
) -> None:
    """Each row whose HTML holds any of `holding` rendered again, kept unless what `added`
    matches is all it gains."""
    html = next(column for column in rows.c if column.name.endswith("html"))
    renderer = MarkdownRenderer(profile)
    write = (
        rows.update()
        .where(rows.c.id == sa.bindparam("row_id"))
        .values({html: sa.bindparam("html")})
    )
    for batch in _batches(rows, html, holding):
        changed = []
        for row_id, text, old_html in batch:
            new_html = renderer.render(text).html
            if new_html != old_html and added.sub("", new_html) == added.sub("", old_html):
                changed.append({"row_id": row_id, "html": new_html})
        if changed:
            op.get_bind().execute(write, changed)


_POSTS_WITH_EXCERPTS = sa.table(
    "posts",
    sa.column("id", sa.Integer()),
    sa.column("content", sa.Text()),
    sa.column("content_html", sa.Text()),
    sa.column("excerpt", sa.Text()),
)


def render_posts_again(before: Profile, *, holding: Sequence[str], added: re.Pattern[str]) -> None:
    """Each post whose Markdown holds any of `holding` rendered again, its HTML and excerpt,
    if `before` (the post profile without what it came to hold) makes its HTML now, give or
    take what `added` matches: what the profile came to hold is then all that changes."""
    posts = _POSTS_WITH_EXCERPTS
    old_renderer, renderer = MarkdownRenderer(before), MarkdownRenderer(POST)
    write = (
        posts.update()
        .where(posts.c.id == sa.bindparam("row_id"))
        .values(content_html=sa.bindparam("html"), excerpt=sa.bindparam("new_excerpt"))
    )
    for batch in _batches(posts, posts.c.content, holding):
        changed = []
        for row_id, text, old_html in batch:
            if added.sub("", old_renderer.render(text).html) != added.sub("", old_html):
                continue
            rendered = renderer.render(text)
            if rendered.html != old_html:
                changed.append(
                    {"row_id": row_id, "html": rendered.html, "new_excerpt": rendered.excerpt}
                )
        if changed:
            op.get_bind().execute(write, changed)
