"""`www.` names and email addresses under a country's domain (`www.example.de`,
`jane@example.co.uk`) are links, as on GitHub: posts and comments stored while the renderer
left them text are rendered again, so their readers can follow them.

Only rows holding `www.` or an `@` are read, and one is written only if its new HTML is its
old HTML with such links added and nothing else changed (see `rerendering`). The attributes
and labels 0019 and 0024 add count as added too: they left a row in which the renderer by
then also made these links, and it gets all of them here. Going down leaves the links.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-14
"""

from collections.abc import Sequence

from inkwell.migrations.rerendering import (
    COMMENTS,
    COUNTRY_LINKS,
    FOCUSABLE,
    LABELS,
    POSTS,
    additions,
    render_again,
)

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for rows, profile in (POSTS, COMMENTS):
        render_again(
            rows,
            profile,
            holding=["%www.%", "%@%"],
            added=additions(COUNTRY_LINKS, FOCUSABLE, LABELS),
        )


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
