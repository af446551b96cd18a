"""Posts leave room on each page for a new version of one of their rows (`fillfactor` 70,
PostgreSQL only), so that a like or a comment, whose trigger rewrites the post's kept count,
updates the row on its own page: a HOT update, which adds nothing to the post's five indexes
and whose old version the next read of the page reclaims.

With full pages, four in ten such updates moved the row to another page and added an entry
to every index (6,000 likes and comments on 5,000 seeded posts: indexes 1.9 -> 5.6 MiB, heap
+50%); at 70, 99% stay in place (indexes +4%, heap +1%). SQLite rewrites rows in place and
has no such setting.

PostgreSQL applies the setting to pages as they are written: rows already on full pages
keep them until they move or the table is rewritten (`VACUUM FULL posts`, which locks it,
in a quiet hour; docs/deployment.md).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE posts SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE posts RESET (fillfactor)")
