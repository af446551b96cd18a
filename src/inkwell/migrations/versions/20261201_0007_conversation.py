"""Conversation: likes, comments and follows, and the counts the database keeps of them.

Every post carries how many likes and comments it has, every user how many followers they
have and how many they follow; like the post counts (0003) they are kept exact by triggers
in the writer's transaction, so a listing reads them from the row it already reads. The
tables are new, so every count starts at zero.

The trigger statements are frozen copies of what likes/counters.py, comments/counters.py
and follows/counters.py render (tests/test_kept_counts.py compares them). This revision
touches no table another revision of the same wave changes but by adding columns: at a
merge only `down_revision` changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNT_COLUMNS = {
    "posts": ("like_count", "comment_count"),
    "users": ("follower_count", "following_count"),
}

# Statement-level triggers over transition tables on PostgreSQL (see 0003). A follow counts
# for two rows of users: they are locked in id order first, so that two users following
# each other at once cannot deadlock.
POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION count_inserted_likes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE posts SET like_count = posts.like_count + added.likes
        FROM (SELECT post_id, count(*) AS likes FROM inserted GROUP BY post_id) AS added
        WHERE posts.id = added.post_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER likes_counted_on_insert AFTER INSERT ON likes
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION count_inserted_likes()
    """,
    """
    CREATE FUNCTION count_deleted_likes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE posts SET like_count = posts.like_count - removed.likes
        FROM (SELECT post_id, count(*) AS likes FROM deleted GROUP BY post_id) AS removed
        WHERE posts.id = removed.post_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER likes_counted_on_delete AFTER DELETE ON likes
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION count_deleted_likes()
    """,
    """
    CREATE FUNCTION count_truncated_likes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE posts SET like_count = 0 WHERE like_count <> 0;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER likes_counted_on_truncate AFTER TRUNCATE ON likes
    FOR EACH STATEMENT EXECUTE FUNCTION count_truncated_likes()
    """,
    """
    CREATE FUNCTION count_inserted_comments() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE posts SET comment_count = posts.comment_count + added.comments
        FROM (SELECT post_id, count(*) AS comments FROM inserted GROUP BY post_id) AS added
        WHERE posts.id = added.post_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER comments_counted_on_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION count_inserted_comments()
    """,
    """
    CREATE FUNCTION count_deleted_comments() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE posts SET comment_count = posts.comment_count - removed.comments
        FROM (SELECT post_id, count(*) AS comments FROM deleted GROUP BY post_id) AS removed
        WHERE posts.id = removed.post_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER comments_counted_on_delete AFTER DELETE ON comments
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION count_deleted_comments()
    """,
    """
    CREATE FUNCTION count_truncated_comments() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE posts SET comment_count = 0 WHERE comment_count <> 0;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER comments_counted_on_truncate AFTER TRUNCATE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION count_truncated_comments()
    """,
    """
    CREATE FUNCTION count_inserted_follows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM users
        WHERE id IN (SELECT followed_id FROM inserted UNION SELECT follower_id FROM inserted)
        ORDER BY id FOR NO KEY UPDATE;
        UPDATE users SET follower_count = users.follower_count + added.follows
        FROM (SELECT followed_id, count(*) AS follows FROM inserted GROUP BY followed_id)
            AS added
        WHERE users.id = added.followed_id;
        UPDATE users SET following_count = users.following_count + added.follows
        FROM (SELECT follower_id, count(*) AS follows FROM inserted GROUP BY follower_id)
            AS added
        WHERE users.id = added.follower_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER follows_counted_on_insert AFTER INSERT ON follows
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION count_inserted_follows()
    """,
    """
    CREATE FUNCTION count_deleted_follows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM users
        WHERE id IN (SELECT followed_id FROM deleted UNION SELECT follower_id FROM deleted)
        ORDER BY id FOR NO KEY UPDATE;
        UPDATE users SET follower_count = users.follower_count - removed.follows
        FROM (SELECT followed_id, count(*) AS follows FROM deleted GROUP BY followed_id)
            AS removed
        WHERE users.id = removed.followed_id;
        UPDATE users SET following_count = users.following_count - removed.follows
        FROM (SELECT follower_id, count(*) AS follows FROM deleted GROUP BY follower_id)
            AS removed
        WHERE users.id = removed.follower_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER follows_counted_on_delete AFTER DELETE ON follows
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION count_deleted_follows()
    """,
    """
    CREATE FUNCTION count_truncated_follows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE users SET follower_count = 0 WHERE follower_count <> 0;
        UPDATE users SET following_count = 0 WHERE following_count <> 0;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER follows_counted_on_truncate AFTER TRUNCATE ON follows
    FOR EACH STATEMENT EXECUTE FUNCTION count_truncated_follows()
    """,
)
POSTGRESQL_DROPS = tuple(
    statement
    for child in ("follows", "comments", "likes")
    for statement in (
        f"DROP TRIGGER {child}_counted_on_truncate ON {child}",
        f"DROP TRIGGER {child}_counted_on_delete ON {child}",
        f"DROP TRIGGER {child}_counted_on_insert ON {child}",
        f"DROP FUNCTION count_truncated_{child}()",
        f"DROP FUNCTION count_deleted_{child}()",
        f"DROP FUNCTION count_inserted_{child}()",
    )
)
# SQLite's row triggers also fire for the rows a deleted post's or user's cascade removes.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER likes_counted_on_insert AFTER INSERT ON likes BEGIN
        UPDATE posts SET like_count = like_count + 1 WHERE id = NEW.post_id;
    END
    """,
    """
    CREATE TRIGGER likes_counted_on_delete AFTER DELETE ON likes BEGIN
        UPDATE posts SET like_count = like_count - 1 WHERE id = OLD.post_id;
    END
    """,
    """
    CREATE TRIGGER comments_counted_on_insert AFTER INSERT ON comments BEGIN
        UPDATE posts SET comment_count = comment_count + 1 WHERE id = NEW.post_id;
    END
    """,
    """
    CREATE TRIGGER comments_counted_on_delete AFTER DELETE ON comments BEGIN
        UPDATE posts SET comment_count = comment_count - 1 WHERE id = OLD.post_id;
    END
    """,
    """
    CREATE TRIGGER follows_counted_on_insert AFTER INSERT ON follows BEGIN
        UPDATE users SET follower_count = follower_count + 1 WHERE id = NEW.followed_id;
        UPDATE users SET following_count = following_count + 1 WHERE id = NEW.follower_id;
    END
    """,
    """
    CREATE TRIGGER follows_counted_on_delete AFTER DELETE ON follows BEGIN
        UPDATE users SET follower_count = follower_count - 1 WHERE id = OLD.followed_id;
        UPDATE users SET following_count = following_count - 1 WHERE id = OLD.follower_id;
    END
    """,
)
SQLITE_DROPS = tuple(
    f"DROP TRIGGER {child}_counted_on_{event}"
    for child in ("follows", "comments", "likes")
    for event in ("delete", "insert")
)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _user_and_post(table: str) -> list[sa.Column[int]]:
    return [
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name=f"fk_{table}_user_id_users", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "post_id",
            sa.Integer(),
            sa.ForeignKey("posts.id", name=f"fk_{table}_post_id_posts", ondelete="CASCADE"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    for table, columns in COUNT_COLUMNS.items():
        for name in columns:
            op.add_column(table, sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "likes",
        *_user_and_post("likes"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "post_id", name="pk_likes"),
    )
    op.create_index("ix_likes_post_id_user_id", "likes", ["post_id", "user_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        *_user_and_post("comments"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    op.create_index(
        "ix_comments_post_id_created_at_id", "comments", ["post_id", "created_at", "id"]
    )
    op.create_index("ix_comments_user_id", "comments", ["user_id"])
    op.create_table(
        "follows",
        sa.Column(
            "follower_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_follows_follower_id_users", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "followed_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_follows_followed_id_users", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("follower_id <> followed_id", name="ck_follows_not_oneself"),
        sa.PrimaryKeyConstraint("follower_id", "followed_id", name="pk_follows"),
    )
    op.create_index("ix_follows_followed_id_follower_id", "follows", ["followed_id", "follower_id"])
    for statement in POSTGRESQL_TRIGGERS if _is_postgresql() else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRESQL_DROPS if _is_postgresql() else SQLITE_DROPS:
        op.execute(statement)
    op.drop_table("follows")
    op.drop_table("comments")
    op.drop_table("likes")
    for table, columns in COUNT_COLUMNS.items():
        for name in reversed(columns):
            op.drop_column(table, name)
