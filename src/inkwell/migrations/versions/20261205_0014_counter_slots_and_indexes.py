"""Counts without a hot row, and the indexes that keep every listing's plan indexed.

The total of published posts (post_stats) was one row that every writer of a published post
updated and held locked until its commit: concurrent writers queued on it. It becomes
STATS_SLOTS rows (ids 1 to 32) whose sum is the total; the posts' count triggers add a
statement's change to the first slot no other transaction holds (kept_counts.Total), and
readers sum the slots. The existing total stays in slot 1; the others start at zero.

The trigger statements are frozen copies of what posts/counters.py renders (tests/
test_kept_counts.py compares them): the posts' and, unchanged, the tags' (0006 made both).
SQLite cannot change a table's CHECK constraint: post_stats is made again, its row copied.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

import importlib
from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The revision that made the triggers this one replaces, and puts back on the way down.
before = importlib.import_module(
    "inkwell.migrations.versions.20261130_0006_drafts_slugs_tags_profiles"
)

_SLOTS_AFTER_THE_FIRST = (
    "WITH RECURSIVE slot (id) AS (SELECT 2 UNION ALL SELECT id + 1 FROM slot WHERE id < 32) "
    "INSERT INTO post_stats (id, total) SELECT id, 0 FROM slot"
)
_INTO_THE_FIRST_SLOT = (
    "UPDATE post_stats SET total = (SELECT sum(total) FROM post_stats) WHERE id = 1",
    "DELETE FROM post_stats WHERE id <> 1",
)

# Frozen: the statements as this revision ran them.
POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION count_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE users SET post_count = users.post_count + added.posts FROM (SELECT user_id,
    count(*) AS posts FROM inserted WHERE status = 'published' GROUP BY user_id) AS
    added WHERE users.id = added.user_id; IF EXISTS (SELECT 1 FROM inserted WHERE status
    = 'published') THEN UPDATE post_stats SET total = total + (SELECT count(*) FROM
    inserted WHERE status = 'published') WHERE post_stats.id = coalesce((SELECT id FROM
    post_stats ORDER BY (id + pg_backend_pid()) % 32 LIMIT 1 FOR NO KEY UPDATE SKIP
    LOCKED), 1); END IF; RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER posts_counted_on_insert AFTER INSERT ON posts REFERENCING NEW TABLE
    AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_posts()
    """,
    """
    CREATE FUNCTION count_deleted_posts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE users SET post_count = users.post_count - removed.posts FROM (SELECT user_id,
    count(*) AS posts FROM deleted WHERE status = 'published' GROUP BY user_id) AS
    removed WHERE users.id = removed.user_id; IF EXISTS (SELECT 1 FROM deleted WHERE
    status = 'published') THEN UPDATE post_stats SET total = total - (SELECT count(*)
    FROM deleted WHERE status = 'published') WHERE post_stats.id = coalesce((SELECT id
    FROM post_stats ORDER BY (id + pg_backend_pid()) % 32 LIMIT 1 FOR NO KEY UPDATE SKIP
    LOCKED), 1); END IF; RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER posts_counted_on_delete AFTER DELETE ON posts REFERENCING OLD TABLE
    AS deleted FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_posts()
    """,
    """
    CREATE FUNCTION count_updated_posts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE users SET post_count = users.post_count + changed.posts FROM (SELECT user_id,
    sum(change) AS posts FROM (SELECT user_id, 1 AS change FROM inserted WHERE status =
    'published' UNION ALL SELECT user_id, -1 AS change FROM deleted WHERE status =
    'published') AS changes GROUP BY user_id) AS changed WHERE users.id =
    changed.user_id AND changed.posts <> 0; IF (SELECT count(*) FROM inserted WHERE
    status = 'published') - (SELECT count(*) FROM deleted WHERE status = 'published') <>
    0 THEN UPDATE post_stats SET total = total + (SELECT count(*) FROM inserted WHERE
    status = 'published') - (SELECT count(*) FROM deleted WHERE status = 'published')
    WHERE post_stats.id = coalesce((SELECT id FROM post_stats ORDER BY (id +
    pg_backend_pid()) % 32 LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED), 1); END IF; RETURN
    NULL; END $$
    """,
    """
    CREATE TRIGGER posts_counted_on_update AFTER UPDATE ON posts REFERENCING OLD TABLE
    AS deleted NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION
    count_updated_posts()
    """,
    """
    CREATE FUNCTION count_truncated_posts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE users SET post_count = 0 WHERE post_count <> 0; UPDATE post_stats SET total =
    0; RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER posts_counted_on_truncate AFTER TRUNCATE ON posts FOR EACH STATEMENT
    EXECUTE FUNCTION count_truncated_posts()
    """,
    """
    CREATE FUNCTION count_inserted_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE tags SET post_count = tags.post_count + added.post_tags FROM (SELECT
    tag_id, count(*) AS post_tags FROM inserted WHERE status = 'published' GROUP BY
    tag_id) AS added WHERE tags.id = added.tag_id; RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER post_tags_counted_on_insert AFTER INSERT ON post_tags REFERENCING NEW
    TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_post_tags()
    """,
    """
    CREATE FUNCTION count_deleted_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE tags SET post_count = tags.post_count - removed.post_tags FROM (SELECT
    tag_id, count(*) AS post_tags FROM deleted WHERE status = 'published' GROUP BY
    tag_id) AS removed WHERE tags.id = removed.tag_id; RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER post_tags_counted_on_delete AFTER DELETE ON post_tags REFERENCING OLD
    TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_post_tags()
    """,
    """
    CREATE FUNCTION count_updated_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE tags SET post_count = tags.post_count + changed.post_tags FROM (SELECT
    tag_id, sum(change) AS post_tags FROM (SELECT tag_id, 1 AS change FROM inserted
    WHERE status = 'published' UNION ALL SELECT tag_id, -1 AS change FROM deleted WHERE
    status = 'published') AS changes GROUP BY tag_id) AS changed WHERE tags.id =
    changed.tag_id AND changed.post_tags <> 0; RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER post_tags_counted_on_update AFTER UPDATE ON post_tags REFERENCING OLD
    TABLE AS deleted NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION
    count_updated_post_tags()
    """,
    """
    CREATE FUNCTION count_truncated_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE tags SET post_count = 0 WHERE post_count <> 0; RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER post_tags_counted_on_truncate AFTER TRUNCATE ON post_tags FOR EACH
    STATEMENT EXECUTE FUNCTION count_truncated_post_tags()
    """,
)
# The same triggers by name as 0006's: dropped by its statements.
POSTGRESQL_DROPS = before.POSTGRESQL_DROPS
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER posts_counted_on_insert AFTER INSERT ON posts WHEN NEW.status =
    'published' BEGIN UPDATE users SET post_count = post_count + 1 WHERE id =
    NEW.user_id; UPDATE post_stats SET total = total + 1 WHERE id = 1; END
    """,
    """
    CREATE TRIGGER posts_counted_on_delete AFTER DELETE ON posts WHEN OLD.status =
    'published' BEGIN UPDATE users SET post_count = post_count - 1 WHERE id =
    OLD.user_id; UPDATE post_stats SET total = total - 1 WHERE id = 1; END
    """,
    """
    CREATE TRIGGER posts_counted_on_update AFTER UPDATE OF status, user_id ON posts WHEN
    OLD.status IS NOT NEW.status OR OLD.user_id IS NOT NEW.user_id BEGIN UPDATE users
    SET post_count = post_count - 1 WHERE id = OLD.user_id AND OLD.status = 'published';
    UPDATE post_stats SET total = total - 1 WHERE id = 1 AND OLD.status = 'published';
    UPDATE users SET post_count = post_count + 1 WHERE id = NEW.user_id AND NEW.status =
    'published'; UPDATE post_stats SET total = total + 1 WHERE id = 1 AND NEW.status =
    'published'; END
    """,
    """
    CREATE TRIGGER post_tags_counted_on_insert AFTER INSERT ON post_tags WHEN NEW.status
    = 'published' BEGIN UPDATE tags SET post_count = post_count + 1 WHERE id =
    NEW.tag_id; END
    """,
    """
    CREATE TRIGGER post_tags_counted_on_delete AFTER DELETE ON post_tags WHEN OLD.status
    = 'published' BEGIN UPDATE tags SET post_count = post_count - 1 WHERE id =
    OLD.tag_id; END
    """,
    """
    CREATE TRIGGER post_tags_counted_on_update AFTER UPDATE OF status, tag_id ON
    post_tags WHEN OLD.status IS NOT NEW.status OR OLD.tag_id IS NOT NEW.tag_id BEGIN
    UPDATE tags SET post_count = post_count - 1 WHERE id = OLD.tag_id AND OLD.status =
    'published'; UPDATE tags SET post_count = post_count + 1 WHERE id = NEW.tag_id AND
    NEW.status = 'published'; END
    """,
)
SQLITE_DROPS = before.SQLITE_DROPS

POSTGRESQL_SLOTS = (
    "ALTER TABLE post_stats DROP CONSTRAINT ck_post_stats_one_row",
    "ALTER TABLE post_stats ADD CONSTRAINT ck_post_stats_slot CHECK (id BETWEEN 1 AND 32)",
    _SLOTS_AFTER_THE_FIRST,
)
POSTGRESQL_ONE_ROW = (
    *_INTO_THE_FIRST_SLOT,
    "ALTER TABLE post_stats DROP CONSTRAINT ck_post_stats_slot",
    "ALTER TABLE post_stats ADD CONSTRAINT ck_post_stats_one_row CHECK (id = 1)",
)


def _sqlite_post_stats(check: str) -> tuple[str, ...]:
    """post_stats made again with another CHECK, its rows copied."""
    return (
        f"""CREATE TABLE post_stats_new (
            id INTEGER NOT NULL,
            total INTEGER NOT NULL,
            CONSTRAINT {check},
            CONSTRAINT pk_post_stats PRIMARY KEY (id))""",
        "INSERT INTO post_stats_new (id, total) SELECT id, total FROM post_stats",
        "DROP TABLE post_stats",
        "ALTER TABLE post_stats_new RENAME TO post_stats",
    )


SQLITE_SLOTS = (
    *_sqlite_post_stats("ck_post_stats_slot CHECK (id BETWEEN 1 AND 32)"),
    _SLOTS_AFTER_THE_FIRST,
)
SQLITE_ONE_ROW = (
    *_INTO_THE_FIRST_SLOT,
    *_sqlite_post_stats("ck_post_stats_one_row CHECK (id = 1)"),
)

# Indexes that keep every listing, page and count off sequential scans at a million posts
# (tests/test_plans.py EXPLAINs them all):
# - the suspended users, a handful: "the author is not suspended" is an anti-join against
#   them rather than a read of every user (sitemaps, search, likes, comments);
# - on PostgreSQL, the trigrams of the names the user search reads (`LIKE '%word%'`), with
#   pg_trgm (a trusted extension: the database's owner may create it).
SUSPENDED_INDEX = (
    "CREATE INDEX ix_users_suspended_id ON users (id) WHERE suspended_at IS NOT NULL",
    "DROP INDEX ix_users_suspended_id",
)
POSTGRESQL_INDEXES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE INDEX ix_users_names_trigrams ON users USING gin (
        (lower(coalesce(display_name, '')) || ' ' || username_key) gin_trgm_ops)""",
    SUSPENDED_INDEX[0],
)
# The extension stays: something else may use it.
POSTGRESQL_INDEX_DROPS = (SUSPENDED_INDEX[1], "DROP INDEX ix_users_names_trigrams")
SQLITE_INDEXES = (SUSPENDED_INDEX[0],)
SQLITE_INDEX_DROPS = (SUSPENDED_INDEX[1],)


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    postgresql = _is_postgresql()
    _run(POSTGRESQL_DROPS if postgresql else SQLITE_DROPS)
    _run(POSTGRESQL_SLOTS if postgresql else SQLITE_SLOTS)
    _run(POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS)
    _run(POSTGRESQL_INDEXES if postgresql else SQLITE_INDEXES)


def downgrade() -> None:
    postgresql = _is_postgresql()
    _run(POSTGRESQL_INDEX_DROPS if postgresql else SQLITE_INDEX_DROPS)
    _run(POSTGRESQL_DROPS if postgresql else SQLITE_DROPS)
    _run(POSTGRESQL_ONE_ROW if postgresql else SQLITE_ONE_ROW)
    _run(before.POSTGRESQL_TRIGGERS if postgresql else before.SQLITE_TRIGGERS)
