"""Footnotes (`[^1]`, `^[inline]`) are numbered notes at a post's end: posts stored while the
renderer left them as they were typed are rendered again, their excerpts too (which read
`[^1]` where a note was referred to).

Only posts whose Markdown holds `[^` or `^[` are read, and one is written only if the
renderer without footnotes makes its HTML now, give or take what 0019, 0024 and 0025 add
(see `rerendering`): footnotes are then all that changes it. Comments have none. Going down
leaves the notes.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-14
"""

from collections.abc import Sequence
from dataclasses import replace

from inkwell.migrations.rerendering import (
    COUNTRY_LINKS,
    FOCUSABLE,
    LABELS,
    additions,
    render_posts_again,
)
from inkwell.posts.markdown import POST

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    render_posts_again(
        replace(POST, footnotes=False),
        holding=["%[^%", "%^[%"],
        added=additions(COUNTRY_LINKS, FOCUSABLE, LABELS),
    )


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
