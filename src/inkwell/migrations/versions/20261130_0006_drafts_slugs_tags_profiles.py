"""Drafts, readable addresses, tags and author profiles.

Posts get a `status` (`draft` or `published`), a `published_at` (NULL for a draft; a CHECK
holds the two together) and a stored `slug` made from the title in Python (the database
cannot transliterate, so existing posts get theirs here). Listings now read published posts
newest-published first, from partial indexes that hold only those. Tags are `tags` and
`post_tags`; a post's tag rows carry a copy of its status and publication date, so a tag's
listing walks its own index and its count follows publishing. Users get a display name and
a bio.

The counts kept by triggers (0003) now count published posts only and follow publishing and
unpublishing; tags get theirs. This migration freezes the statements it ran (below); the
declarations are posts/counters.py, and tests/test_kept_counts.py holds the two together.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from inkwell.posts.slugs import slugify

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The triggers this migration replaces, as 0003 froze them: put back on the way down.
before = importlib.import_module("inkwell.migrations.versions.20261125_0003_post_counts")

PUBLISHED_ONLY = sa.text("status = 'published'")
STATUS_CHECK = (
    "status IN ('draft', 'published') AND (status = 'published') = (published_at IS NOT NULL)"
)
posts = sa.table("posts", sa.column("id", sa.Integer()), sa.column("title", sa.String()))

POSTGRESQL_TRIGGERS = (
    (
        "CREATE FUNCTION count_inserted_posts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE users SET post_count = users.post_count + added.posts FROM (SELECT user_id, "
        "count(*) AS posts FROM inserted WHERE status = 'published' GROUP BY user_id) AS added "
        "WHERE users.id = added.user_id; UPDATE post_stats SET total = total + (SELECT count(*) "
        "FROM inserted WHERE status = 'published'); RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER posts_counted_on_insert AFTER INSERT ON posts REFERENCING NEW TABLE AS "
        "inserted FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_posts()"
    ),
    (
        "CREATE FUNCTION count_deleted_posts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE users SET post_count = users.post_count - removed.posts FROM (SELECT user_id, "
        "count(*) AS posts FROM deleted WHERE status = 'published' GROUP BY user_id) AS removed "
        "WHERE users.id = removed.user_id; UPDATE post_stats SET total = total - (SELECT count(*)"
        " FROM deleted WHERE status = 'published'); RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER posts_counted_on_delete AFTER DELETE ON posts REFERENCING OLD TABLE AS "
        "deleted FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_posts()"
    ),
    (
        "CREATE FUNCTION count_updated_posts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE users SET post_count = users.post_count + changed.posts FROM (SELECT user_id, "
        "sum(change) AS posts FROM (SELECT user_id, 1 AS change FROM inserted WHERE status = "
        "'published' UNION ALL SELECT user_id, -1 AS change FROM deleted WHERE status = "
        "'published') AS changes GROUP BY user_id) AS changed WHERE users.id = changed.user_id "
        "AND changed.posts <> 0; UPDATE post_stats SET total = total + changed.posts FROM (SELECT"
        " (SELECT count(*) FROM inserted WHERE status = 'published') - (SELECT count(*) FROM "
        "deleted WHERE status = 'published') AS posts) AS changed WHERE changed.posts <> 0; "
        "RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER posts_counted_on_update AFTER UPDATE ON posts REFERENCING OLD TABLE AS "
        "deleted NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_updated_posts()"
    ),
    (
        "CREATE FUNCTION count_truncated_posts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE users SET post_count = 0 WHERE post_count <> 0; UPDATE post_stats SET total = 0; "
        "RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER posts_counted_on_truncate AFTER TRUNCATE ON posts FOR EACH STATEMENT "
        "EXECUTE FUNCTION count_truncated_posts()"
    ),
    (
        "CREATE FUNCTION count_inserted_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE tags SET post_count = tags.post_count + added.post_tags FROM (SELECT tag_id, "
        "count(*) AS post_tags FROM inserted WHERE status = 'published' GROUP BY tag_id) AS added"
        " WHERE tags.id = added.tag_id; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER post_tags_counted_on_insert AFTER INSERT ON post_tags REFERENCING NEW "
        "TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_post_tags()"
    ),
    (
        "CREATE FUNCTION count_deleted_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE tags SET post_count = tags.post_count - removed.post_tags FROM (SELECT tag_id, "
        "count(*) AS post_tags FROM deleted WHERE status = 'published' GROUP BY tag_id) AS "
        "removed WHERE tags.id = removed.tag_id; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER post_tags_counted_on_delete AFTER DELETE ON post_tags REFERENCING OLD "
        "TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_post_tags()"
    ),
    (
        "CREATE FUNCTION count_updated_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE tags SET post_count = tags.post_count + changed.post_tags FROM (SELECT tag_id, "
        "sum(change) AS post_tags FROM (SELECT tag_id, 1 AS change FROM inserted WHERE status = "
        "'published' UNION ALL SELECT tag_id, -1 AS change FROM deleted WHERE status = "
        "'published') AS changes GROUP BY tag_id) AS changed WHERE tags.id = changed.tag_id AND "
        "changed.post_tags <> 0; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER post_tags_counted_on_update AFTER UPDATE ON post_tags REFERENCING OLD "
        "TABLE AS deleted NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "
        "count_updated_post_tags()"
    ),
    (
        "CREATE FUNCTION count_truncated_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " UPDATE tags SET post_count = 0 WHERE post_count <> 0; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER post_tags_counted_on_truncate AFTER TRUNCATE ON post_tags FOR EACH "
        "STATEMENT EXECUTE FUNCTION count_truncated_post_tags()"
    ),
)
POSTGRESQL_DROPS = (
    "DROP TRIGGER post_tags_counted_on_truncate ON post_tags",
    "DROP TRIGGER post_tags_counted_on_update ON post_tags",
    "DROP TRIGGER post_tags_counted_on_delete ON post_tags",
    "DROP TRIGGER post_tags_counted_on_insert ON post_tags",
    "DROP FUNCTION count_truncated_post_tags()",
    "DROP FUNCTION count_updated_post_tags()",
    "DROP FUNCTION count_deleted_post_tags()",
    "DROP FUNCTION count_inserted_post_tags()",
    "DROP TRIGGER posts_counted_on_truncate ON posts",
    "DROP TRIGGER posts_counted_on_update ON posts",
    "DROP TRIGGER posts_counted_on_delete ON posts",
    "DROP TRIGGER posts_counted_on_insert ON posts",
    "DROP FUNCTION count_truncated_posts()",
    "DROP FUNCTION count_updated_posts()",
    "DROP FUNCTION count_deleted_posts()",
    "DROP FUNCTION count_inserted_posts()",
)
SQLITE_TRIGGERS = (
    (
        "CREATE TRIGGER posts_counted_on_insert AFTER INSERT ON posts WHEN NEW.status = "
        "'published' BEGIN UPDATE users SET post_count = post_count + 1 WHERE id = NEW.user_id; "
        "UPDATE post_stats SET total = total + 1; END"
    ),
    (
        "CREATE TRIGGER posts_counted_on_delete AFTER DELETE ON posts WHEN OLD.status = "
        "'published' BEGIN UPDATE users SET post_count = post_count - 1 WHERE id = OLD.user_id; "
        "UPDATE post_stats SET total = total - 1; END"
    ),
    (
        "CREATE TRIGGER posts_counted_on_update AFTER UPDATE OF status, user_id ON posts WHEN "
        "OLD.status IS NOT NEW.status OR OLD.user_id IS NOT NEW.user_id BEGIN UPDATE users SET "
        "post_count = post_count - 1 WHERE id = OLD.user_id AND OLD.status = 'published'; UPDATE "
        "post_stats SET total = total - 1 WHERE OLD.status = 'published'; UPDATE users SET "
        "post_count = post_count + 1 WHERE id = NEW.user_id AND NEW.status = 'published'; UPDATE "
        "post_stats SET total = total + 1 WHERE NEW.status = 'published'; END"
    ),
    (
        "CREATE TRIGGER post_tags_counted_on_insert AFTER INSERT ON post_tags WHEN NEW.status = "
        "'published' BEGIN UPDATE tags SET post_count = post_count + 1 WHERE id = NEW.tag_id; END"
    ),
    (
        "CREATE TRIGGER post_tags_counted_on_delete AFTER DELETE ON post_tags WHEN OLD.status = "
        "'published' BEGIN UPDATE tags SET post_count = post_count - 1 WHERE id = OLD.tag_id; END"
    ),
    (
        "CREATE TRIGGER post_tags_counted_on_update AFTER UPDATE OF status, tag_id ON post_tags "
        "WHEN OLD.status IS NOT NEW.status OR OLD.tag_id IS NOT NEW.tag_id BEGIN UPDATE tags SET "
        "post_count = post_count - 1 WHERE id = OLD.tag_id AND OLD.status = 'published'; UPDATE "
        "tags SET post_count = post_count + 1 WHERE id = NEW.tag_id AND NEW.status = 'published';"
        " END"
    ),
)
SQLITE_DROPS = (
    "DROP TRIGGER post_tags_counted_on_update",
    "DROP TRIGGER post_tags_counted_on_delete",
    "DROP TRIGGER post_tags_counted_on_insert",
    "DROP TRIGGER posts_counted_on_update",
    "DROP TRIGGER posts_counted_on_delete",
    "DROP TRIGGER posts_counted_on_insert",
)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _add_status_and_publication() -> None:
    """Every existing post is published, at the moment it was posted."""
    op.add_column("posts", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE posts SET published_at = date_posted")
    if _is_postgresql():
        op.add_column(
            "posts",
            sa.Column("status", sa.String(length=9), nullable=False, server_default="published"),
        )
        op.create_check_constraint(op.f("ck_posts_status"), "posts", STATUS_CHECK)
        return
    # SQLite adds no constraint to a table but with a new column (a rebuild of posts would
    # drop its triggers and, with foreign keys on, cascade); the column's CHECK may name
    # published_at, filled in above, and is checked against every existing row.
    op.execute(
        "ALTER TABLE posts ADD COLUMN status VARCHAR(9) DEFAULT 'published' NOT NULL "
        f"CONSTRAINT ck_posts_status CHECK ({STATUS_CHECK})"
    )


def _add_slugs() -> None:
    op.add_column(
        "posts", sa.Column("slug", sa.String(length=80), nullable=False, server_default="")
    )
    rows = [
        {"post_id": post.id, "slug": slugify(post.title)}
        for post in op.get_bind().execute(sa.select(posts.c.id, posts.c.title))
    ]
    if rows:
        op.get_bind().execute(sa.text("UPDATE posts SET slug = :slug WHERE id = :post_id"), rows)
    if _is_postgresql():
        op.alter_column("posts", "slug", server_default=None)


def _create_published_index(name: str, table: str, columns: list[str]) -> None:
    """An index of the published rows only, which the listings read."""
    op.create_index(
        name, table, columns, postgresql_where=PUBLISHED_ONLY, sqlite_where=PUBLISHED_ONLY
    )


def upgrade() -> None:
    for statement in before.POSTGRESQL_DROPS if _is_postgresql() else before.SQLITE_DROPS:
        op.execute(statement)
    op.add_column("users", sa.Column("display_name", sa.String(length=50), nullable=True))
    op.add_column("users", sa.Column("bio", sa.String(length=300), nullable=True))
    _add_status_and_publication()
    _add_slugs()
    op.drop_index("ix_posts_user_id_date_posted_id", table_name="posts")
    op.drop_index("ix_posts_date_posted_id", table_name="posts")
    _create_published_index("ix_posts_published_at_id", "posts", ["published_at", "id"])
    _create_published_index(
        "ix_posts_user_id_published_at_id", "posts", ["user_id", "published_at", "id"]
    )
    op.create_index("ix_posts_user_id_updated_at_id", "posts", ["user_id", "updated_at", "id"])
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("post_count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "post_tags",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=9), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_tags_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_post_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "tag_id", name=op.f("pk_post_tags")),
    )
    _create_published_index(
        "ix_post_tags_tag_id_published_at_post_id",
        "post_tags",
        ["tag_id", "published_at", "post_id"],
    )
    for statement in POSTGRESQL_TRIGGERS if _is_postgresql() else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    """Drafts become posts again (the old schema has no other kind): counted as such."""
    for statement in POSTGRESQL_DROPS if _is_postgresql() else SQLITE_DROPS:
        op.execute(statement)
    op.drop_index("ix_post_tags_tag_id_published_at_post_id", table_name="post_tags")
    op.drop_table("post_tags")
    op.drop_table("tags")
    op.drop_index("ix_posts_user_id_updated_at_id", table_name="posts")
    op.drop_index("ix_posts_user_id_published_at_id", table_name="posts")
    op.drop_index("ix_posts_published_at_id", table_name="posts")
    op.create_index("ix_posts_date_posted_id", "posts", ["date_posted", "id"])
    op.create_index("ix_posts_user_id_date_posted_id", "posts", ["user_id", "date_posted", "id"])
    if _is_postgresql():
        op.drop_constraint(op.f("ck_posts_status"), "posts", type_="check")
    # On SQLite the CHECK belongs to status: dropped with it, before published_at it names.
    for column in ("slug", "status", "published_at"):
        op.drop_column("posts", column)
    op.drop_column("users", "bio")
    op.drop_column("users", "display_name")
    op.execute(
        "UPDATE users SET post_count = (SELECT count(*) FROM posts WHERE posts.user_id = users.id)"
    )
    op.execute("UPDATE post_stats SET total = (SELECT count(*) FROM posts)")
    for statement in before.POSTGRESQL_TRIGGERS if _is_postgresql() else before.SQLITE_TRIGGERS:
        op.execute(statement)
