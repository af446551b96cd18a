"""Stored HTML rendered again by today's renderer and settings (`inkwell posts render`).

Posts and comments keep what their Markdown rendered to when they were saved: reads never
parse Markdown. So a renderer that has since learnt more (a language a newer Pygments
highlights) and a change of the settings that decide which pictures are the site's own (the
public base URL, the bucket's address) leave older rows as they were until each is saved
again. Migrations render again only what one renderer change adds (migrations/rerendering.py:
they run unattended, without the settings); this renders everything, when its operator asks.

Only what rendering makes is written, and only where it differs; not `updated_at`, which
says when the writer last edited. A row its writer saved while its batch was rendered keeps
what that save made: each is written only if its Markdown is still what was rendered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, column, select, values
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.markdown import MarkdownRenderer, Rendered
from inkwell.posts.models import Post


@dataclass(frozen=True, slots=True)
class StoredHtml:
    """A table's Markdown column and the columns kept of its rendering, in `kept`'s order."""

    table: Table
    source: str
    outputs: tuple[str, ...]
    kept: Callable[[Rendered], tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class RenderedBatch:
    last_id: int
    read: int
    changed: int


POSTS = StoredHtml(
    Post.__table__,  # type: ignore[arg-type]
    "content",
    ("content_html", "excerpt", "word_count"),
    lambda rendered: (rendered.html, rendered.excerpt, rendered.word_count),
)


async def render_batch(
    session: AsyncSession,
    stored: StoredHtml,
    renderer: MarkdownRenderer,
    *,
    after: int,
    batch_size: int,
) -> RenderedBatch | None:
    """The rows after id `after`, up to `batch_size`, rendered again and written where their
    HTML changes; None when no row is left."""
    table = stored.table
    source: Column[str] = table.c[stored.source]
    outputs = [table.c[name] for name in stored.outputs]
    rows = (
        await session.execute(
            select(table.c.id, source, *outputs)
            .where(table.c.id > after)
            .order_by(table.c.id)
            .limit(batch_size)
        )
    ).all()
    if not rows:
        return None
    changes = []
    for row_id, text, *kept in rows:
        now = stored.kept(await renderer.render_in_thread(text))
        if now != tuple(kept):
            changes.append((row_id, text, *now))
    return RenderedBatch(
        last_id=rows[-1].id,
        read=len(rows),
        changed=await _write(session, stored, changes) if changes else 0,
    )


async def _write(session: AsyncSession, stored: StoredHtml, changes: list[tuple[Any, ...]]) -> int:
    """The rows rendered anew, each `(id, the Markdown rendered, *outputs)`, written in one
    statement where their Markdown is still what was rendered: how many were."""
    table = stored.table
    outputs = [table.c[name] for name in stored.outputs]
    rows = values(
        column("row_id", table.c.id.type),
        column("rendered", table.c[stored.source].type),
        *(column(output.name, output.type) for output in outputs),
    ).data(changes)
    # A WITH, not a FROM (VALUES ...) AS rendered (columns): SQLite names no such columns.
    rendered = rows.cte("rendered")
    written = await session.execute(
        table.update()
        .where(table.c.id == rendered.c.row_id, table.c[stored.source] == rendered.c.rendered)
        .values(
            {output: rendered.c[output.name] for output in outputs}
            | {table.c.updated_at: table.c.updated_at}
        )
        .returning(table.c.id)
    )
    return len(written.all())
