"""A task list's checkbox is named by its task: posts and comments stored before the renderer
wrapped each task in a <label> (2e659db) are rendered again, so every page passes axe's
`label` rule without their writers saving them again.

Only rows with a task-list checkbox are read, and one is written only if its new HTML is its
old HTML with the labels added and nothing else changed. The migration has no settings, so
it counts as the site's own pictures only those under `/media/` (see 0005): a post showing a
picture by its full address (on S3, say) would lose it to a link here, and such a post, like
one whose source some other renderer change would render differently, keeps its HTML until
it is saved again. Nothing else of a row changes: not its `updated_at`, which says when its
writer last edited it. Going down leaves the labels: they are what the rows should have had.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.posts.markdown import COMMENT, POST, MarkdownRenderer, Profile

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH_SIZE = 500
_CHECKBOX = "%task-list-item-checkbox%"


def _rendered_table(name: str, source: str, html: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column(source, sa.Text()),
        sa.column(html, sa.Text()),
    )


def _only_labels_added(old: str, new: str) -> bool:
    return new != old and new.replace("<label>", "").replace("</label>", "") == old


def _label_task_lists(rows: sa.TableClause, profile: Profile) -> None:
    """A batch at a time by id, so memory stays flat however many rows there are."""
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
            .where(rows.c.id > last_id, html.like(_CHECKBOX))
            .order_by(rows.c.id)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            return
        labelled = []
        for row_id, text, old_html in batch:
            new_html = renderer.render(text).html
            if _only_labels_added(old_html, new_html):
                labelled.append({"row_id": row_id, "html": new_html})
        if labelled:
            connection.execute(write, labelled)
        last_id = batch[-1].id


def upgrade() -> None:
    _label_task_lists(_rendered_table("posts", "content", "content_html"), POST)
    _label_task_lists(_rendered_table("comments", "body", "body_html"), COMMENT)


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
