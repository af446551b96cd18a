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

from sqlalchemy import Column, Table, bindparam, select
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
            new = {f"new_{name}": value for name, value in zip(stored.outputs, now, strict=True)}
            changes.append({"row_id": row_id, "rendered": text, **new})
    if changes:
        await session.execute(
            table.update()
            .where(table.c.id == bindparam("row_id"), source == bindparam("rendered"))
            .values(
                {column: bindparam(f"new_{column.name}") for column in outputs}
                | {table.c.updated_at: table.c.updated_at}
            ),
            changes,
        )
    return RenderedBatch(last_id=rows[-1].id, read=len(rows), changed=len(changes))
