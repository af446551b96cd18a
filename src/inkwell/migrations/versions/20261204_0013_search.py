"""Full-text search of published posts, kept by the database in the writer's transaction.

`posts` gains `search_tags`: its tags' names, space-separated in name order, written by a
trigger on `post_tags` (a post's tags change with the post, in its transaction), so the
search index can weigh the tags without reading another table.

- PostgreSQL: `search_vector`, a generated column (title weighted A, tags B, content C, with
  the `english` configuration), and a GIN index holding published posts only.
- SQLite: `post_search`, an FTS5 table over `posts` (external content: the text is stored
  once, in `posts`), tokenized with the Porter stemmer, holding published posts only, kept
  by triggers on inserts, updates of what it indexes, and deletes.

Existing posts are indexed by the migration (their `search_tags` filled in, the FTS5 table
rebuilt from `posts`). This revision adds columns, an index, a table and triggers, and
touches nothing else: at a merge only `down_revision` changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: the statements as this revision ran them, in order.
POSTGRESQL_UP = (
    "ALTER TABLE posts ADD COLUMN search_tags TEXT DEFAULT '' NOT NULL",
    """UPDATE posts SET search_tags = coalesce((
        SELECT string_agg(tags.name, ' ' ORDER BY tags.name)
        FROM post_tags JOIN tags ON tags.id = post_tags.tag_id
        WHERE post_tags.post_id = posts.id), '')""",
    """ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, search_tags), 'B')
        || setweight(to_tsvector('english'::regconfig, content), 'C')) STORED""",
    """CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)
        WHERE status = 'published'""",
    """CREATE FUNCTION posts_search_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        changed integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.post_id ELSE NEW.post_id END;
    BEGIN
        UPDATE posts SET search_tags = coalesce((
            SELECT string_agg(tags.name, ' ' ORDER BY tags.name)
            FROM post_tags JOIN tags ON tags.id = post_tags.tag_id
            WHERE post_tags.post_id = changed), '')
        WHERE id = changed;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER post_tags_search_tags AFTER INSERT OR DELETE ON post_tags
        FOR EACH ROW EXECUTE FUNCTION posts_search_tags()""",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER post_tags_search_tags ON post_tags",
    "DROP FUNCTION posts_search_tags()",
    "DROP INDEX ix_posts_search_vector",
    "ALTER TABLE posts DROP COLUMN search_vector",
    "ALTER TABLE posts DROP COLUMN search_tags",
)

SQLITE_UP = (
    "ALTER TABLE posts ADD COLUMN search_tags TEXT DEFAULT '' NOT NULL",
    """UPDATE posts SET search_tags = coalesce((
            SELECT group_concat(name, ' ') FROM (
                SELECT tags.name AS name FROM post_tags JOIN tags ON tags.id = post_tags.tag_id
                WHERE post_tags.post_id = posts.id ORDER BY tags.name)), '')""",
    """CREATE VIRTUAL TABLE post_search USING fts5(
        title, search_tags, content,
        content = 'posts', content_rowid = 'id',
        tokenize = 'porter unicode61 remove_diacritics 2')""",
    """INSERT INTO post_search (rowid, title, search_tags, content)
        SELECT id, title, search_tags, content FROM posts WHERE status = 'published'""",
    """CREATE TRIGGER posts_search_insert AFTER INSERT ON posts
        WHEN NEW.status = 'published' BEGIN
        INSERT INTO post_search (rowid, title, search_tags, content)
            VALUES (NEW.id, NEW.title, NEW.search_tags, NEW.content);
    END""",
    """CREATE TRIGGER posts_search_delete AFTER DELETE ON posts
        WHEN OLD.status = 'published' BEGIN
        INSERT INTO post_search (post_search, rowid, title, search_tags, content)
            VALUES ('delete', OLD.id, OLD.title, OLD.search_tags, OLD.content);
    END""",
    """CREATE TRIGGER posts_search_update AFTER UPDATE OF title, search_tags, content, status
        ON posts BEGIN
        INSERT INTO post_search (post_search, rowid, title, search_tags, content)
            SELECT 'delete', OLD.id, OLD.title, OLD.search_tags, OLD.content
            WHERE OLD.status = 'published';
        INSERT INTO post_search (rowid, title, search_tags, content)
            SELECT NEW.id, NEW.title, NEW.search_tags, NEW.content
            WHERE NEW.status = 'published';
    END""",
    """CREATE TRIGGER post_tags_search_insert AFTER INSERT ON post_tags BEGIN
        UPDATE posts SET search_tags = coalesce((
                SELECT group_concat(name, ' ') FROM (
                    SELECT tags.name AS name FROM post_tags JOIN tags ON tags.id = post_tags.tag_id
                    WHERE post_tags.post_id = NEW.post_id ORDER BY tags.name)), '')
            WHERE id = NEW.post_id;
    END""",
    """CREATE TRIGGER post_tags_search_delete AFTER DELETE ON post_tags BEGIN
        UPDATE posts SET search_tags = coalesce((
                SELECT group_concat(name, ' ') FROM (
                    SELECT tags.name AS name FROM post_tags JOIN tags ON tags.id = post_tags.tag_id
                    WHERE post_tags.post_id = OLD.post_id ORDER BY tags.name)), '')
            WHERE id = OLD.post_id;
    END""",
)
SQLITE_DOWN = (
    "DROP TRIGGER post_tags_search_delete",
    "DROP TRIGGER post_tags_search_insert",
    "DROP TRIGGER posts_search_update",
    "DROP TRIGGER posts_search_delete",
    "DROP TRIGGER posts_search_insert",
    "DROP TABLE post_search",
    "ALTER TABLE posts DROP COLUMN search_tags",
)


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    _run(POSTGRESQL_UP if postgresql else SQLITE_UP)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    _run(POSTGRESQL_DOWN if postgresql else SQLITE_DOWN)
