"""Post counts kept by the database: one total, and each author's.

Every listing reports how many posts there are. Counting them costs a scan that grows with
the table (10,000 posts: more PostgreSQL CPU than the rest of the request); these counts
are kept exact by triggers, in the same transaction as the insert or delete, so a listing
reads one row instead.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Statement-level triggers on PostgreSQL: a user deleted with 10,000 posts updates each
# count once, from the transition table, not 10,000 times. TRUNCATE skips row triggers, so
# it has its own. Author's row before the total, in every trigger: concurrent writers take
# the two locks in the same order.
POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION count_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE users SET post_count = users.post_count + added.posts
        FROM (SELECT user_id, count(*) AS posts FROM inserted GROUP BY user_id) AS added
        WHERE users.id = added.user_id;
        UPDATE post_stats SET total = total + (SELECT count(*) FROM inserted);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION count_deleted_posts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE users SET post_count = users.post_count - removed.posts
        FROM (SELECT user_id, count(*) AS posts FROM deleted GROUP BY user_id) AS removed
        WHERE users.id = removed.user_id;
        UPDATE post_stats SET total = total - (SELECT count(*) FROM deleted);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION count_truncated_posts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE users SET post_count = 0 WHERE post_count <> 0;
        UPDATE post_stats SET total = 0;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER posts_counted_on_insert AFTER INSERT ON posts
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION count_inserted_posts()
    """,
    """
    CREATE TRIGGER posts_counted_on_delete AFTER DELETE ON posts
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION count_deleted_posts()
    """,
    """
    CREATE TRIGGER posts_counted_on_truncate AFTER TRUNCATE ON posts
    FOR EACH STATEMENT EXECUTE FUNCTION count_truncated_posts()
    """,
)
POSTGRESQL_DROPS = (
    "DROP TRIGGER posts_counted_on_truncate ON posts",
    "DROP TRIGGER posts_counted_on_delete ON posts",
    "DROP TRIGGER posts_counted_on_insert ON posts",
    "DROP FUNCTION count_truncated_posts()",
    "DROP FUNCTION count_deleted_posts()",
    "DROP FUNCTION count_inserted_posts()",
)
# SQLite has row triggers only; they also fire for the posts a deleted user's cascade removes.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER posts_counted_on_insert AFTER INSERT ON posts BEGIN
        UPDATE users SET post_count = post_count + 1 WHERE id = NEW.user_id;
        UPDATE post_stats SET total = total + 1;
    END
    """,
    """
    CREATE TRIGGER posts_counted_on_delete AFTER DELETE ON posts BEGIN
        UPDATE users SET post_count = post_count - 1 WHERE id = OLD.user_id;
        UPDATE post_stats SET total = total - 1;
    END
    """,
)
SQLITE_DROPS = (
    "DROP TRIGGER posts_counted_on_delete",
    "DROP TRIGGER posts_counted_on_insert",
)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("post_count", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "post_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_post_stats_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_stats")),
    )
    op.execute(
        "UPDATE users SET post_count = (SELECT count(*) FROM posts WHERE posts.user_id = users.id)"
    )
    op.execute("INSERT INTO post_stats (id, total) SELECT 1, count(*) FROM posts")
    for statement in POSTGRESQL_TRIGGERS if _is_postgresql() else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRESQL_DROPS if _is_postgresql() else SQLITE_DROPS:
        op.execute(statement)
    op.drop_table("post_stats")
    op.drop_column("users", "post_count")
