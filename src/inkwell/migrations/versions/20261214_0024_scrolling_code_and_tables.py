"""A code block or a table wider than the column scrolls inside itself and takes the
keyboard's focus to be scrolled (`tabindex="0"`): posts and comments stored before the
renderer gave it are rendered again, so that their code no longer wraps out of reach of a
keyboard and their tables pass axe's `scrollable-region-focusable`.

Only rows holding a <pre> or a <table> are read, and one is written only if its new HTML is
its old HTML with these attributes added and nothing else changed (see `rerendering`). The
task lists' labels count as added too: 0019 left a row whose code the renderer by then also
made focusable, and it gets both here. Going down leaves the attributes, as 0019 its labels.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-14
"""

from collections.abc import Sequence

from inkwell.migrations.rerendering import (
    COMMENTS,
    FOCUSABLE,
    LABELS,
    POSTS,
    additions,
    render_again,
)

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for rows, profile in (POSTS, COMMENTS):
        render_again(
            rows, profile, holding=["%<pre %", "%<table%"], added=additions(FOCUSABLE, LABELS)
        )


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
