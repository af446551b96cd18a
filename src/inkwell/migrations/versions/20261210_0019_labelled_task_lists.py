"""A task list's checkbox is named by its task: posts and comments stored before the renderer
wrapped each task in a <label> (2e659db) are rendered again, so every page passes axe's
`label` rule without their writers saving them again.

Only rows with a task-list checkbox are read, and one is written only if its new HTML is its
old HTML with the labels added and nothing else changed (see `rerendering`: a post showing a
picture by its full address keeps its HTML). Going down leaves the labels: they are what the
rows should have had.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10
"""

from collections.abc import Sequence

from inkwell.migrations.rerendering import COMMENTS, LABELS, POSTS, additions, render_again

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for rows, profile in (POSTS, COMMENTS):
        render_again(rows, profile, holding=["%task-list-item-checkbox%"], added=additions(LABELS))


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
