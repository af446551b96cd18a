"""The triggers that keep counts are declared in their domain (`posts/counters.py`); the
database must hold exactly those, and the declaration must produce what the migration ran."""

import importlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inkwell.comments.counters import COMMENT_COUNTS
from inkwell.follows.counters import FOLLOW_COUNTS
from inkwell.kept_counts import Counted, Dialect, KeptCounts, PerParent, Total, normalized
from inkwell.likes.counters import LIKE_COUNTS
from inkwell.posts.counters import POST_COUNTS, TAG_COUNTS
from inkwell.search.models import TRIGGERS as SEARCH_TRIGGERS

# The latest migrations to have (re)created each domain's triggers, with the copies they froze.
frozen = importlib.import_module(
    "inkwell.migrations.versions.20261205_0014_counter_slots_and_indexes"
)
frozen_conversation = importlib.import_module(
    "inkwell.migrations.versions.20261201_0007_conversation"
)

POSTS_COUNTS = (POST_COUNTS, TAG_COUNTS)
CONVERSATION_COUNTS = (LIKE_COUNTS, COMMENT_COUNTS, FOLLOW_COUNTS)
ALL_COUNTS = POSTS_COUNTS + CONVERSATION_COUNTS


async def database_triggers(connection: AsyncConnection) -> dict[str, str]:
    """Every trigger of the database, with the body of its function on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        rows = await connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        )
        return {name: normalized(sql) for name, sql in rows}
    rows = await connection.execute(
        text(
            "SELECT t.tgname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
        )
    )
    return {name: normalized(f"{create} {body}") for name, create, body in rows}


def declared_triggers(dialect: Dialect) -> dict[str, str]:
    return {
        trigger.name: normalized(f"{trigger.create} {trigger.function_body or ''}")
        for counts in ALL_COUNTS
        for trigger in counts.triggers(dialect)
    }


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction rolled back at the end, so a test may drop what it likes. Python's
    sqlite3 opens transactions only for data changes and would run a DROP TRIGGER in
    autocommit, outliving the rollback: on SQLite the transaction is begun explicitly."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("BEGIN")
        yield connection
        await transaction.rollback()


def dialect_of(connection: AsyncConnection) -> Dialect:
    return "postgresql" if connection.dialect.name == "postgresql" else "sqlite"


async def test_the_database_holds_exactly_the_declared_triggers(
    connection: AsyncConnection,
) -> None:
    """Besides those the search index keeps (search/models.py), which count nothing."""
    triggers = await database_triggers(connection)
    searching = SEARCH_TRIGGERS[dialect_of(connection)]

    assert searching <= triggers.keys()
    assert {name: sql for name, sql in triggers.items() if name not in searching} == (
        declared_triggers(dialect_of(connection))
    )


async def test_a_dropped_trigger_is_told_apart_from_the_declaration(
    connection: AsyncConnection,
) -> None:
    on_posts = " ON posts" if connection.dialect.name == "postgresql" else ""
    await connection.execute(text(f"DROP TRIGGER posts_counted_on_delete{on_posts}"))

    missing = (
        declared_triggers(dialect_of(connection)).keys()
        - (await database_triggers(connection)).keys()
    )
    assert missing == {"posts_counted_on_delete"}


async def test_a_changed_trigger_is_told_apart_from_the_declaration(
    connection: AsyncConnection,
) -> None:
    if connection.dialect.name == "postgresql":
        await connection.execute(
            text(
                "CREATE OR REPLACE FUNCTION count_inserted_posts() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"
            )
        )
    else:
        await connection.execute(text("DROP TRIGGER posts_counted_on_insert"))
        await connection.execute(
            text("CREATE TRIGGER posts_counted_on_insert AFTER INSERT ON posts BEGIN SELECT 1; END")
        )

    assert await database_triggers(connection) != declared_triggers(dialect_of(connection))


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_the_declaration_makes_what_the_migration_froze(dialect: Dialect) -> None:
    """0014 keeps its own copy; the declarations, rendered, must not have drifted from it."""
    ran = frozen.POSTGRESQL_TRIGGERS if dialect == "postgresql" else frozen.SQLITE_TRIGGERS
    dropped = frozen.POSTGRESQL_DROPS if dialect == "postgresql" else frozen.SQLITE_DROPS
    created = [sql for counts in POSTS_COUNTS for sql in counts.create_statements(dialect)]
    drops = [sql for counts in POSTS_COUNTS[::-1] for sql in counts.drop_statements(dialect)]

    assert sorted(map(normalized, created)) == sorted(map(normalized, ran))
    assert list(map(normalized, drops)) == list(map(normalized, dropped))


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_the_conversation_declarations_make_what_0007_froze(dialect: Dialect) -> None:
    ran = (
        frozen_conversation.POSTGRESQL_TRIGGERS
        if dialect == "postgresql"
        else frozen_conversation.SQLITE_TRIGGERS
    )
    dropped = (
        frozen_conversation.POSTGRESQL_DROPS
        if dialect == "postgresql"
        else frozen_conversation.SQLITE_DROPS
    )
    created = [s for counts in CONVERSATION_COUNTS for s in counts.create_statements(dialect)]
    drops = [s for counts in CONVERSATION_COUNTS[::-1] for s in counts.drop_statements(dialect)]

    assert sorted(map(normalized, created)) == sorted(map(normalized, ran))
    assert list(map(normalized, drops)) == list(map(normalized, dropped))


def test_a_parent_counting_a_row_twice_has_its_rows_locked_in_id_order_first() -> None:
    """A follows B while B follows A: both lock A, then B, so neither waits on the other."""
    inserted, deleted, truncated = FOLLOW_COUNTS.triggers("postgresql")
    for trigger, rows in ((inserted, "inserted"), (deleted, "deleted")):
        first = normalized(trigger.function_body or "").split(";")[0]
        assert first == (
            f"BEGIN PERFORM 1 FROM users WHERE id IN (SELECT followed_id FROM {rows} UNION "
            f"SELECT follower_id FROM {rows}) ORDER BY id FOR NO KEY UPDATE"
        )
    assert "PERFORM" not in (truncated.function_body or "")
    assert all("PERFORM" not in (t.function_body or "") for t in POST_COUNTS.triggers("postgresql"))


def test_a_new_count_is_one_declaration_on_both_dialects() -> None:
    likes = KeptCounts(
        child="likes",
        per_parent=(PerParent(parent="posts", column="like_count", foreign_key="post_id"),),
        totals=(Total(table="like_stats", column="total"),),
    )

    sqlite_insert, _ = likes.triggers("sqlite")
    assert normalized(sqlite_insert.create) == (
        "CREATE TRIGGER likes_counted_on_insert AFTER INSERT ON likes BEGIN "
        "UPDATE posts SET like_count = like_count + 1 WHERE id = NEW.post_id; "
        "UPDATE like_stats SET total = total + 1; END"
    )
    postgresql = likes.triggers("postgresql")
    assert [trigger.function for trigger in postgresql] == [
        "count_inserted_likes",
        "count_deleted_likes",
        "count_truncated_likes",
    ]
    assert "GROUP BY post_id" in normalized(postgresql[1].function_body or "")


def test_a_declaration_names_only_plain_identifiers() -> None:
    with pytest.raises(ValueError, match="plain identifiers"):
        KeptCounts(
            child="likes; DROP TABLE users",
            per_parent=(PerParent(parent="posts", column="like_count", foreign_key="post_id"),),
        )


def test_a_count_of_rows_in_one_state_follows_them_in_and_out_of_it() -> None:
    published = KeptCounts(
        child="posts",
        per_parent=(PerParent(parent="users", column="post_count", foreign_key="user_id"),),
        counted=Counted(column="status", value="published"),
    )

    insert, _, update = published.triggers("sqlite")
    assert "WHEN NEW.status = 'published' BEGIN" in normalized(insert.create)
    assert normalized(update.create).startswith(
        "CREATE TRIGGER posts_counted_on_update AFTER UPDATE OF status, user_id ON posts "
        "WHEN OLD.status IS NOT NEW.status OR OLD.user_id IS NOT NEW.user_id BEGIN"
    )
    postgresql = published.triggers("postgresql")
    assert [trigger.function for trigger in postgresql] == [
        "count_inserted_posts",
        "count_deleted_posts",
        "count_updated_posts",
        "count_truncated_posts",
    ]
    assert "changed.posts <> 0" in normalized(postgresql[2].function_body or "")


def test_a_counted_state_is_a_plain_word() -> None:
    with pytest.raises(ValueError, match="plain identifiers"):
        KeptCounts(
            child="posts",
            per_parent=(),
            counted=Counted(column="status", value="x' OR '1"),
        )
