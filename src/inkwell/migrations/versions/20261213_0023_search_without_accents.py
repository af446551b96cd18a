"""PostgreSQL's search finds a word with or without its accents (`cafe` finds "Café", and
`résumé` finds "resume"), as SQLite's always did (FTS5's `remove_diacritics`).

Posts are indexed with `inkwell_english`: PostgreSQL's `english` configuration with the
`unaccent` dictionary (a contrib extension Debian's and the official images' servers ship,
trusted since PostgreSQL 13: the database's owner may create it) before its stemmer for the
words that are not plain ASCII. A generated column's expression cannot be changed before
PostgreSQL 17, so `search_vector` is made again, which rewrites `posts` once and rebuilds its
index. Going down makes it again with `english` and keeps the extension, which other
databases' objects may use by then. SQLite changes nothing.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-13
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _search_vector(configuration: str) -> tuple[str, ...]:
    """`posts.search_vector` and its index (as 0013 made them) with `configuration`."""
    return (
        "DROP INDEX ix_posts_search_vector",
        "ALTER TABLE posts DROP COLUMN search_vector",
        f"""ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('{configuration}'::regconfig, title), 'A')
            || setweight(to_tsvector('{configuration}'::regconfig, search_tags), 'B')
            || setweight(to_tsvector('{configuration}'::regconfig, content), 'C')) STORED""",
        """CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)
            WHERE status = 'published'""",
    )


# Frozen: the statements as this revision runs them, in order.
POSTGRESQL_UP = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION inkwell_english (COPY = english)",
    """ALTER TEXT SEARCH CONFIGURATION inkwell_english
        ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem""",
    *_search_vector("inkwell_english"),
)
POSTGRESQL_DOWN = (
    *_search_vector("english"),
    "DROP TEXT SEARCH CONFIGURATION inkwell_english",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWN:
            op.execute(statement)
