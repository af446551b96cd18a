import asyncio
import re
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, DateTime, bindparam, column, insert, inspect, table, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from inkwell.config import Settings
from inkwell.db import Base, Reader, UTCDateTime, create_engine, utcnow
from inkwell.migrations import downgrade_database, head_revisions, upgrade_database
from inkwell.posts.markdown import POST, MarkdownRenderer
from inkwell.search.models import mapped
from inkwell.search.service import search
from inkwell.users.identity import user_keys
from tests.conftest import DATABASES, postgres_database


async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": mapped}
        )
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; PostgreSQL compares them.
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified")
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


@pytest.fixture(params=DATABASES)
async def empty_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, worker_id: str, testrun_uid: str
) -> AsyncIterator[str]:
    """A database of its own, never migrated, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    async with postgres_database(f"inkwell_migrations_{testrun_uid[:8]}_{worker_id}") as url:
        yield url


async def test_migrations_go_down_to_nothing_and_back_up(empty_database_url: str) -> None:
    engine = create_engine(Settings(database_url=empty_database_url))

    async def tables() -> set[str]:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))

    await upgrade_database(engine)
    assert {"users", "posts", "alembic_version"} <= await tables()
    await downgrade_database(engine, "base")
    assert await tables() == {"alembic_version"}
    await upgrade_database(engine)
    assert {"users", "posts"} <= await tables()
    await engine.dispose()


async def test_a_database_at_the_heads_is_left_alone_without_running_alembic(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An embedded-SQLite app migrates at every start: a current database costs one query."""
    ran: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda config, revision: ran.append(revision))
    await upgrade_database(engine)
    assert ran == []
    await upgrade_database(engine, "0004")
    assert ran == ["0004"]


# The users table as revision 0003 left it, before the lookup keys.
USERS_BEFORE_KEYS = table(
    "users",
    column("username"),
    column("email"),
    column("password_hash"),
    column("created_at", DateTime(timezone=True)),
    column("security_stamp"),
)


@asynccontextmanager
async def migrated_to(url: str, revision: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=url))
    await upgrade_database(engine, revision)
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine_before_keys(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database migrated to the revision before the lookup keys."""
    async with migrated_to(empty_database_url, "0003") as engine:
        yield engine


async def add_users_before_keys(engine: AsyncEngine, *names: str) -> None:
    rows = [
        {
            "username": name,
            "email": f"User{number}@Example.com",
            "password_hash": "x",
            "created_at": utcnow(),
            "security_stamp": "0" * 32,
        }
        for number, name in enumerate(names)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(USERS_BEFORE_KEYS), rows)


async def test_the_key_migration_fills_in_the_keys_of_existing_users(
    engine_before_keys: AsyncEngine,
) -> None:
    await add_users_before_keys(engine_before_keys, "ΟΔΟΣ", "Alice")
    await upgrade_database(engine_before_keys)
    async with engine_before_keys.connect() as connection:
        keys = await connection.execute(
            text("SELECT username_key, username_skeleton, email_key FROM users ORDER BY id")
        )
        assert keys.all() == [
            ("οδοσ", "odoo", "user0@example.com"),
            ("alice", "alice", "user1@example.com"),
        ]


async def test_users_sharing_a_key_stop_the_key_migration_before_it_changes_anything(
    engine_before_keys: AsyncEngine,
) -> None:
    """lower() let both in (it leaves the final sigma alone); an operator must rename one."""
    await add_users_before_keys(engine_before_keys, "ΟΔΟΣ", "οδος")
    with pytest.raises(RuntimeError, match=r"users \[1, 2\] share a username_key"):
        await upgrade_database(engine_before_keys)
    async with engine_before_keys.connect() as connection:
        assert await connection.scalar(text("SELECT version_num FROM alembic_version")) == "0003"
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("users"))
    assert "username_key" not in {column["name"] for column in columns}


async def test_going_below_the_key_migration_keeps_the_users_and_drops_the_keys(
    engine_before_keys: AsyncEngine,
) -> None:
    await add_users_before_keys(engine_before_keys, "ΟΔΟΣ", "Alice")
    await upgrade_database(engine_before_keys)
    await downgrade_database(engine_before_keys, "0003")
    async with engine_before_keys.connect() as connection:
        names = await connection.scalars(text("SELECT username FROM users ORDER BY id"))
        assert names.all() == ["ΟΔΟΣ", "Alice"]
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("users"))
    assert not {"username_key", "username_skeleton", "email_key"} & {c["name"] for c in columns}


USERS_WITH_KEYS = table(
    "users",
    *(column(name) for name in ("username", "email", "password_hash", "security_stamp")),
    column("created_at", DateTime(timezone=True)),
    *(column(name) for name in ("username_key", "username_skeleton", "email_key")),
)
POSTS_BEFORE_DRAFTS = table(
    "posts",
    column("title"),
    column("content"),
    column("user_id"),
    column("date_posted", DateTime(timezone=True)),
    column("updated_at", DateTime(timezone=True)),
)


@pytest.fixture
async def engine_before_drafts(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database migrated to the revision before drafts, slugs and tags, with posts."""
    engine = create_engine(Settings(database_url=empty_database_url))
    await upgrade_database(engine, "0004")
    async with engine.begin() as connection:
        for name in ("Ada", "Grace"):
            email = f"{name}@example.com"
            await connection.execute(
                insert(USERS_WITH_KEYS).values(
                    username=name, email=email, password_hash="x", created_at=utcnow(),
                    security_stamp="0" * 32, **user_keys(name, email),
                )
            )  # fmt: skip
        for user_id, title in ((1, "Hello, Wörld!"), (1, "東京"), (2, "!!!")):
            await connection.execute(
                insert(POSTS_BEFORE_DRAFTS).values(
                    title=title, content="c", user_id=user_id, date_posted=utcnow(),
                    updated_at=utcnow(),
                )
            )  # fmt: skip
    yield engine
    await engine.dispose()


async def test_the_drafts_migration_publishes_existing_posts_at_their_date_with_slugs(
    engine_before_drafts: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_drafts)

    async with engine_before_drafts.connect() as connection:
        posts = await connection.execute(
            text("SELECT slug, status, published_at = date_posted FROM posts ORDER BY id")
        )
        assert [tuple(row) for row in posts] == [
            ("hello-world", "published", True),
            ("dongjing", "published", True),
            ("post", "published", True),
        ]
        counts = await connection.execute(text("SELECT post_count FROM users ORDER BY id"))
        assert counts.scalars().all() == [2, 1]
        assert await connection.scalar(text("SELECT sum(total) FROM post_stats")) == 3


async def test_a_post_cannot_be_a_draft_with_a_publication_date(
    engine_before_drafts: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_drafts)

    with pytest.raises(IntegrityError):
        async with engine_before_drafts.begin() as connection:
            await connection.execute(text("UPDATE posts SET status = 'draft' WHERE id = 1"))


async def test_going_below_the_drafts_migration_counts_the_drafts_as_posts(
    engine_before_drafts: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_drafts)
    async with engine_before_drafts.begin() as connection:
        await connection.execute(
            text("UPDATE posts SET status = 'draft', published_at = NULL WHERE id = 1")
        )
        assert await connection.scalar(text("SELECT sum(total) FROM post_stats")) == 2

    await downgrade_database(engine_before_drafts, "0005")

    async with engine_before_drafts.connect() as connection:
        assert await connection.scalar(text("SELECT sum(total) FROM post_stats")) == 3
        counts = await connection.execute(text("SELECT post_count FROM users ORDER BY id"))
        assert counts.scalars().all() == [2, 1]
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("posts"))
    assert not {"status", "published_at", "slug"} & {column["name"] for column in columns}


@pytest.fixture
async def engine_before_rendering(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database migrated to the revision before posts kept their rendered HTML."""
    async with migrated_to(empty_database_url, "0004") as engine:
        yield engine


async def add_writer(connection: AsyncConnection, name: str = "w") -> None:
    """A user (the first is user 1), as every revision since the keys knows users."""
    await connection.execute(
        text(
            "INSERT INTO users (username, email, password_hash, created_at, security_stamp, "
            "username_key, username_skeleton, email_key) "
            "VALUES (:name, :email, 'x', '2026-01-01', '', :name, :name, :email)"
        ),
        {"name": name, "email": f"{name}@example.com"},
    )


async def add_post(
    connection: AsyncConnection,
    content: str = "Jelly.",
    *,
    title: str = "t",
    html: str = "",
    user_id: int = 1,
    draft: bool = False,
) -> int:
    """A post (published on 2026-01-01, or a draft), as every revision since 0015 knows
    posts; its id."""
    post_id: int = await connection.scalar(
        text(
            "INSERT INTO posts (title, content, content_html, excerpt, word_count, date_posted, "
            "updated_at, user_id, status, published_at, slug) VALUES (:title, :content, :html, "
            "'', 1, '2026-01-01', '2026-01-01', :user_id, :status, :published_at, 's') "
            "RETURNING id"
        ).bindparams(bindparam("published_at", type_=UTCDateTime())),
        {
            "title": title,
            "content": content,
            "html": html,
            "user_id": user_id,
            "status": "draft" if draft else "published",
            "published_at": None if draft else datetime(2026, 1, 1, tzinfo=UTC),
        },
    )
    return post_id


async def add_comment(
    connection: AsyncConnection, body: str = "b", *, html: str = "", post_id: int = 1
) -> None:
    """A comment by user 1, as every revision since 0018 knows comments."""
    await connection.execute(
        text(
            "INSERT INTO comments (post_id, user_id, body, body_html, created_at, updated_at) "
            "VALUES (:post_id, 1, :body, :html, '2026-01-01', '2026-01-01')"
        ),
        {"post_id": post_id, "body": body, "html": html},
    )


async def add_plain_posts(engine: AsyncEngine, *contents: str) -> None:
    """Posts as 0004 knew them, with more than one batch of the migration's."""
    async with engine.begin() as connection:
        await add_writer(connection)
        await connection.execute(
            text(
                "INSERT INTO posts (title, content, date_posted, updated_at, user_id) "
                "VALUES ('t', :content, '2026-01-01', '2026-01-01', 1)"
            ),
            [{"content": content} for content in contents],
        )


async def test_the_slots_migration_keeps_the_total_and_going_below_it_sums_the_slots(
    engine_before_drafts: AsyncEngine,
) -> None:
    """0014 spreads the total over 32 slots, the old total in the first; 0013 gets one row
    holding the sum of the slots, whichever slots the writers used meanwhile."""
    await upgrade_database(engine_before_drafts)
    async with engine_before_drafts.connect() as connection:
        slots = (await connection.execute(text("SELECT id, total FROM post_stats"))).all()
    assert sorted(slots) == [(1, 3)] + [(slot, 0) for slot in range(2, 33)]
    async with engine_before_drafts.begin() as connection:
        await connection.execute(text("UPDATE post_stats SET total = 2 WHERE id = 7"))

    await downgrade_database(engine_before_drafts, "0013")

    async with engine_before_drafts.connect() as connection:
        rows = (await connection.execute(text("SELECT id, total FROM post_stats"))).all()
    assert rows == [(1, 5)]


async def test_the_rendering_migration_renders_every_existing_post(
    engine_before_rendering: AsyncEngine,
) -> None:
    contents = ["# Hi\n\n**bold** <script>x</script>", *(f"post {n}" for n in range(600))]
    await add_plain_posts(engine_before_rendering, *contents)
    await upgrade_database(engine_before_rendering)
    async with engine_before_rendering.connect() as connection:
        rows = (
            await connection.execute(text("SELECT content_html, excerpt FROM posts ORDER BY id"))
        ).all()
    assert len(rows) == 601
    assert tuple(rows[0]) == (
        '<h2 id="section-hi">Hi <a class="heading-anchor" href="#section-hi" '
        'aria-label="Link to this section" rel="nofollow ugc noopener">#</a></h2>\n'
        "<p><strong>bold</strong> &lt;script&gt;x&lt;/script&gt;</p>\n",
        "Hi bold <script>x</script>",
    )
    assert tuple(rows[-1]) == ("<p>post 599</p>\n", "post 599")


async def test_going_below_the_rendering_migration_keeps_the_posts(
    engine_before_rendering: AsyncEngine,
) -> None:
    await add_plain_posts(engine_before_rendering, "*kept*")
    await upgrade_database(engine_before_rendering)
    await downgrade_database(engine_before_rendering, "0004")
    async with engine_before_rendering.connect() as connection:
        assert (await connection.scalars(text("SELECT content FROM posts"))).all() == ["*kept*"]
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("posts"))
    assert not {"content_html", "excerpt"} & {column["name"] for column in columns}


async def test_the_search_migration_indexes_the_existing_published_posts_and_their_tags(
    empty_database_url: str,
) -> None:
    async with migrated_to(empty_database_url, "0012") as engine, engine.begin() as connection:
        await add_writer(connection)
        await connection.execute(
            text(
                "INSERT INTO posts (title, content, content_html, excerpt, date_posted, "
                "updated_at, user_id, status, published_at, slug) VALUES (:title, :content, "
                "'', '', '2026-01-01', '2026-01-01', 1, :status, :published_at, 's')"
            ),
            [
                {"title": "Old quince", "content": "Jelly.", "status": "published",
                 "published_at": utcnow()},
                {"title": "Draft quince", "content": "Jelly.", "status": "draft",
                 "published_at": None},
            ],
        )  # fmt: skip
        await connection.execute(text("INSERT INTO tags (name) VALUES ('preserves')"))
        await connection.execute(
            text(
                "INSERT INTO post_tags (post_id, tag_id, status, published_at) "
                "VALUES (1, 1, 'published', '2026-01-01')"
            )
        )
    settings = Settings(database_url=empty_database_url)
    async with migrated_to(empty_database_url, "heads"):
        reader = Reader.from_settings(settings)
        by_title = await search(reader, "quince", skip=0, limit=10)
        by_tag = await search(reader, "preserves", skip=0, limit=10)
        await reader.dispose()

    assert [post["title"] for post in by_title.posts] == ["Old quince"]
    assert [(post["title"], post["tags"]) for post in by_tag.posts] == [
        ("Old quince", ["preserves"])
    ]


@pytest.fixture
async def engine_before_word_counts(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database migrated to the revision before posts kept their word count, with posts
    of 0 to 600 words: more than one batch of the migration's."""
    async with migrated_to(empty_database_url, "0014") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            await connection.execute(
                text(
                    "INSERT INTO posts (title, content, content_html, excerpt, date_posted, "
                    "updated_at, user_id, status, published_at, slug) VALUES ('t', :content, "
                    "'', '', '2026-01-01', '2026-01-01', 1, 'published', '2026-01-01', 't')"
                ),
                [{"content": " word\n" * words} for words in range(601)],
            )
        yield engine


async def test_the_word_count_migration_counts_every_existing_post(
    engine_before_word_counts: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_word_counts)
    async with engine_before_word_counts.connect() as connection:
        counts = (await connection.scalars(text("SELECT word_count FROM posts ORDER BY id"))).all()
    assert counts == list(range(601))


async def test_going_below_the_word_count_migration_keeps_the_posts(
    engine_before_word_counts: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_word_counts)
    await downgrade_database(engine_before_word_counts, "0014")
    async with engine_before_word_counts.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM posts")) == 601
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("posts"))
    assert "word_count" not in {column["name"] for column in columns}


async def test_the_comments_migration_sets_never_edited_comments_updated_when_written(
    empty_database_url: str,
) -> None:
    """Before 0018 a comment's two times were two reads of the clock, microseconds apart."""
    async with migrated_to(empty_database_url, "0017") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            await add_post(connection)
            written = datetime(2026, 1, 1, 10, tzinfo=UTC)
            await connection.execute(
                text(
                    "INSERT INTO comments (post_id, user_id, body, body_html, created_at, "
                    "updated_at) VALUES (1, 1, 'b', '', :created, :updated)"
                ).bindparams(
                    bindparam("created", type_=UTCDateTime()),
                    bindparam("updated", type_=UTCDateTime()),
                ),
                [
                    {"created": written, "updated": written + timedelta(microseconds=6)},
                    {
                        "created": written + timedelta(microseconds=999_998),
                        "updated": written + timedelta(seconds=1, microseconds=4),
                    },
                    {"created": written, "updated": written + timedelta(seconds=1)},
                ],
            )

        await upgrade_database(engine)

        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT updated_at = created_at FROM comments ORDER BY id")
            )
            assert [bool(equal) for (equal,) in rows] == [True, True, False]


def unlabelled(html: str) -> str:
    """A task list as the renderer wrote it before its tasks were labels."""
    return html.replace("<label>", "").replace("</label>", "")


TASKS = "- [x] write\n- [ ] publish"
LABELLED_TASKS = MarkdownRenderer(POST).render(TASKS).html
S3_PICTURE_TASKS = "- [x] see ![chart](https://bucket.example/chart.png)"


async def posts_html(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list(await connection.scalars(text("SELECT content_html FROM posts ORDER BY id")))


async def first_post_and_comment_html(engine: AsyncEngine) -> tuple[str, str]:
    async with engine.connect() as connection:
        post = await connection.scalar(text("SELECT content_html FROM posts WHERE id = 1"))
        comment = await connection.scalar(text("SELECT body_html FROM comments"))
    return post, comment


@pytest.fixture
async def engine_before_labels(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database at 0018 holding task lists as they were rendered before 0019: a post, a
    post whose picture was shown by its full address, a comment, and a post without one."""
    own_s3 = MarkdownRenderer(POST, own_media=("https://bucket.example/",))
    posts = [
        (TASKS, unlabelled(LABELLED_TASKS)),
        (S3_PICTURE_TASKS, unlabelled(own_s3.render(S3_PICTURE_TASKS).html)),
        ("no tasks", "<p>as it was</p>\n"),
    ]
    async with migrated_to(empty_database_url, "0018") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            for content, html in posts:
                await add_post(connection, content, html=html)
            await add_comment(connection, TASKS, html=unlabelled(LABELLED_TASKS))
        yield engine


async def test_the_task_list_migration_labels_the_checkboxes_of_posts_and_comments(
    engine_before_labels: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_labels)

    post, comment = await first_post_and_comment_html(engine_before_labels)
    assert post == comment == LABELLED_TASKS
    assert "<label><input" in LABELLED_TASKS


async def test_the_task_list_migration_leaves_a_post_it_would_change_otherwise(
    engine_before_labels: AsyncEngine,
) -> None:
    """Without settings, a picture shown by its full address would become a link."""
    before = await posts_html(engine_before_labels)

    await upgrade_database(engine_before_labels)

    after = await posts_html(engine_before_labels)
    assert "<img" in before[1]
    assert after[1:] == before[1:]


async def test_the_task_list_migration_keeps_when_a_post_was_last_edited(
    engine_before_labels: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_labels)

    async with engine_before_labels.connect() as connection:
        edited = await connection.scalar(text("SELECT updated_at FROM posts WHERE id = 1"))
    assert str(edited).startswith("2026-01-01")


@pytest.fixture
async def engine_before_autoincrement(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database at 0019 with two posts, a comment on the first, and a deleted third."""
    async with migrated_to(empty_database_url, "0019") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            for title in ("Old quince", "Pear butter", "Deleted"):
                await add_post(connection, title=title)
            await add_comment(connection)
            await connection.execute(text("DELETE FROM posts WHERE title = 'Deleted'"))
        yield engine


async def test_after_the_autoincrement_migration_a_deleted_posts_id_is_never_given_again(
    engine_before_autoincrement: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_autoincrement)

    async with engine_before_autoincrement.begin() as connection:
        newest = await add_post(connection)
        await connection.execute(text("DELETE FROM posts WHERE id = :id"), {"id": newest})
        following = await add_post(connection)

    assert following > newest


async def test_the_autoincrement_migration_keeps_the_rows_their_counts_and_their_index(
    empty_database_url: str, engine_before_autoincrement: AsyncEngine
) -> None:
    """The posts are rebuilt on SQLite with their foreign keys off: on, dropping the old
    table would have deleted the comments first."""
    await upgrade_database(engine_before_autoincrement)

    async with engine_before_autoincrement.connect() as connection:
        posts = (await connection.execute(text("SELECT id, comment_count FROM posts"))).all()
        comments = (await connection.scalars(text("SELECT post_id FROM comments"))).all()
        user_posts = await connection.scalar(text("SELECT post_count FROM users"))
    reader = Reader.from_settings(Settings(database_url=empty_database_url))
    found = await search(reader, "quince", skip=0, limit=10)
    await reader.dispose()
    assert sorted(posts) == [(1, 1), (2, 0)]
    assert comments == [1]
    assert user_posts == 2
    assert [post["title"] for post in found.posts] == ["Old quince"]


async def test_every_sqlite_table_of_rows_addressed_by_id_never_gives_one_twice(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    async with migrated_to(url, "heads") as engine, engine.connect() as connection:
        tables = await connection.scalars(
            text("SELECT name FROM sqlite_master WHERE sql LIKE '%PRIMARY KEY AUTOINCREMENT%'")
        )
        assert sorted(tables) == ["comments", "notifications", "posts", "reports", "users"]


async def test_the_autoincrement_migration_leaves_the_foreign_keys_on(
    engine_before_autoincrement: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_autoincrement)

    async with engine_before_autoincrement.begin() as connection:
        await connection.execute(text("DELETE FROM posts WHERE id = 1"))
        comments = await connection.scalar(text("SELECT count(*) FROM comments"))
    assert comments == 0


async def test_a_sqlite_migration_leaving_a_row_without_its_parent_changes_nothing(
    tmp_path: Path,
) -> None:
    """SQLite migrates with its foreign keys off; they are checked before the commit."""
    async with migrated_to(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}", "0019") as engine:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction
            await connection.commit()
            await add_writer(connection)
            await add_comment(connection, post_id=7)
            await connection.commit()
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")

        with pytest.raises(RuntimeError, match="rows referring to missing ones"):
            await upgrade_database(engine)

        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT version_num FROM alembic_version")) == (
                "0019"
            )


async def test_the_post_pictures_migration_gives_each_linked_picture_to_its_first_user(
    empty_database_url: str,
) -> None:
    """Linked by the site's address or the storage's; copied into a later post by another."""
    first, second = (f"posts/{digit * 32}.webp" for digit in "ab")
    async with migrated_to(empty_database_url, "0020") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            await add_writer(connection, "v")
            for author, content in [
                (1, f"![one](/media/{first}) and ![one again](/media/{first})"),
                (2, f"![copied](/media/{first}) ![two](https://bucket.example/{second})"),
                (2, f"posts/{'d' * 31}.webp and posts/{'e' * 32}.png are no keys"),
            ]:
                await add_post(connection, content, user_id=author, draft=True)

        await upgrade_database(engine)

        async with engine.connect() as connection:
            owners = (
                await connection.execute(text("SELECT key, user_id FROM post_pictures"))
            ).all()
    assert sorted(owners) == [(first, 1), (second, 2)]


async def test_the_picture_uses_migration_finds_the_uploaded_pictures_each_post_links(
    empty_database_url: str,
) -> None:
    """By the site's address or the storage's, in any author's post or draft; a key that
    names no recorded picture is no use."""
    recorded, unrecorded = (f"posts/{digit * 32}.webp" for digit in "ab")
    async with migrated_to(empty_database_url, "0021") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            await add_writer(connection, "v")
            await connection.execute(
                text(
                    "INSERT INTO post_pictures (key, user_id, created_at) "
                    "VALUES (:key, 1, '2026-01-01')"
                ),
                {"key": recorded},
            )
            first = await add_post(connection, f"![x](/media/{recorded})")
            second = await add_post(
                connection,
                f"![y](https://bucket.example/{recorded}) ![z](/media/{unrecorded})",
                user_id=2,
                draft=True,
            )
            await add_post(connection, "No picture.")

        await upgrade_database(engine)

        async with engine.connect() as connection:
            found = (
                await connection.execute(text("SELECT post_id, key FROM post_picture_uses"))
            ).all()
    assert sorted(found) == [(first, recorded), (second, recorded)]


def unfocusable(html: str) -> str:
    """Code and tables as the renderer wrote them before they took the keyboard's focus."""
    return html.replace(' tabindex="0"', "")


CODE_AND_TABLE = "```python\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
FOCUSABLE = MarkdownRenderer(POST).render(CODE_AND_TABLE).html
TASKS_AND_CODE = f"{TASKS}\n\n```\ncode\n```"
S3_PICTURE_CODE = "![chart](https://bucket.example/chart.png)\n\n    code"


@pytest.fixture
async def engine_before_focusable(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database at 0023 holding code and tables as they were rendered before 0024: a post
    and a comment, a post with a task list 0019 left unlabelled, a post whose picture was
    shown by its full address, and a post without either."""
    own_s3 = MarkdownRenderer(POST, own_media=("https://bucket.example/",))
    posts = [
        (CODE_AND_TABLE, unfocusable(FOCUSABLE)),
        (
            TASKS_AND_CODE,
            unlabelled(unfocusable(MarkdownRenderer(POST).render(TASKS_AND_CODE).html)),
        ),
        (S3_PICTURE_CODE, unfocusable(own_s3.render(S3_PICTURE_CODE).html)),
        ("no code", "<p>as it was</p>\n"),
    ]
    async with migrated_to(empty_database_url, "0023") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            for content, html in posts:
                await add_post(connection, content, html=html)
            await add_comment(connection, CODE_AND_TABLE, html=unfocusable(FOCUSABLE))
        yield engine


async def test_the_scrolling_migration_makes_code_and_tables_of_posts_and_comments_focusable(
    engine_before_focusable: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_focusable)

    post, comment = await first_post_and_comment_html(engine_before_focusable)
    assert post == comment == FOCUSABLE
    assert '<pre class="highlight" tabindex="0">' in FOCUSABLE
    assert '<table tabindex="0">' in FOCUSABLE


async def test_the_scrolling_migration_labels_the_task_lists_0019_left_beside_code(
    engine_before_focusable: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_focusable)

    assert (await posts_html(engine_before_focusable))[1] == (
        MarkdownRenderer(POST).render(TASKS_AND_CODE).html
    )


async def test_the_scrolling_migration_leaves_a_post_it_would_change_otherwise(
    engine_before_focusable: AsyncEngine,
) -> None:
    """Without settings, a picture shown by its full address would become a link."""
    before = await posts_html(engine_before_focusable)

    await upgrade_database(engine_before_focusable)

    after = await posts_html(engine_before_focusable)
    assert "<img" in before[2]
    assert after[2:] == before[2:]


COUNTRY_LINKS = "Write to jane@example.co.uk or see www.example.de, not bbc.co.uk."
LINKED = MarkdownRenderer(POST).render(COUNTRY_LINKS).html
LINKS_AND_CODE = f"{COUNTRY_LINKS}\n\n    code"
S3_PICTURE_LINKS = f"![chart](https://bucket.example/chart.png) {COUNTRY_LINKS}"


def unlinked(html: str) -> str:
    """Names under a country's domain as the renderer wrote them before they were links."""
    return re.sub(r'<a href="(?:http://www\.|mailto:)[^"]*" [^>]*>([^<]*)</a>', r"\1", html)


@pytest.fixture
async def engine_before_country_links(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database at 0024 holding names under a country's domain as text: a post and a
    comment, a post with code 0024 left unfocusable, and a post whose picture was shown by
    its full address."""
    own_s3 = MarkdownRenderer(POST, own_media=("https://bucket.example/",))
    links_and_code = MarkdownRenderer(POST).render(LINKS_AND_CODE).html
    posts = [
        (COUNTRY_LINKS, unlinked(LINKED)),
        (LINKS_AND_CODE, unfocusable(unlinked(links_and_code))),
        (S3_PICTURE_LINKS, unlinked(own_s3.render(S3_PICTURE_LINKS).html)),
    ]
    async with migrated_to(empty_database_url, "0024") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            for content, html in posts:
                await add_post(connection, content, html=html)
            await add_comment(connection, COUNTRY_LINKS, html=unlinked(LINKED))
        yield engine


async def test_the_country_links_migration_links_the_names_in_posts_and_comments(
    engine_before_country_links: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_country_links)

    post, comment = await first_post_and_comment_html(engine_before_country_links)
    assert post == comment == LINKED
    assert 'href="mailto:jane@example.co.uk"' in LINKED
    assert 'href="http://www.example.de"' in LINKED


async def test_the_country_links_migration_makes_the_code_0024_left_focusable(
    engine_before_country_links: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_country_links)

    assert (await posts_html(engine_before_country_links))[1] == (
        MarkdownRenderer(POST).render(LINKS_AND_CODE).html
    )


async def test_the_country_links_migration_leaves_a_post_it_would_change_otherwise(
    engine_before_country_links: AsyncEngine,
) -> None:
    """Without settings, a picture shown by its full address would become a link."""
    before = await posts_html(engine_before_country_links)

    await upgrade_database(engine_before_country_links)

    after = await posts_html(engine_before_country_links)
    assert "<img" in before[2]
    assert after[2] == before[2]


NOTES = "A claim.[^1] Another.^[Inline.]\n\n[^1]: Its source."
NOTES_AND_CODE = f"{NOTES}\n\n    code"
S3_PICTURE_NOTES = f"![chart](https://bucket.example/chart.png) {NOTES}"
WITHOUT_FOOTNOTES = MarkdownRenderer(replace(POST, footnotes=False))


async def posts_html_and_excerpts(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT content_html, excerpt FROM posts ORDER BY id"))
        return [(html, excerpt) for html, excerpt in rows]


@pytest.fixture
async def engine_before_footnotes(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database at 0025 holding footnotes as typed: a post, a post with code 0024 left
    unfocusable, a post whose picture was shown by its full address, and a comment."""
    own_s3 = MarkdownRenderer(
        replace(POST, footnotes=False), own_media=("https://bucket.example/",)
    )
    posts = [
        (NOTES, WITHOUT_FOOTNOTES.render(NOTES)),
        (NOTES_AND_CODE, WITHOUT_FOOTNOTES.render(NOTES_AND_CODE)),
        (S3_PICTURE_NOTES, own_s3.render(S3_PICTURE_NOTES)),
    ]
    async with migrated_to(empty_database_url, "0025") as engine:
        async with engine.begin() as connection:
            await add_writer(connection)
            for content, rendered in posts:
                post_id = await add_post(connection, content, html=unfocusable(rendered.html))
                await connection.execute(
                    text("UPDATE posts SET excerpt = :excerpt WHERE id = :id"),
                    {"excerpt": rendered.excerpt, "id": post_id},
                )
            await add_comment(connection, NOTES, html="<p>as it was</p>\n")
        yield engine


async def test_the_footnotes_migration_renders_the_notes_and_excerpts_of_posts(
    engine_before_footnotes: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_footnotes)

    rendered = MarkdownRenderer(POST).render(NOTES)
    assert (await posts_html_and_excerpts(engine_before_footnotes))[0] == (
        rendered.html,
        rendered.excerpt,
    )
    assert '<section class="footnotes">' in rendered.html
    assert "[^1]" not in rendered.excerpt


async def test_the_footnotes_migration_makes_the_code_0024_left_focusable(
    engine_before_footnotes: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_footnotes)

    html, _ = (await posts_html_and_excerpts(engine_before_footnotes))[1]
    assert html == MarkdownRenderer(POST).render(NOTES_AND_CODE).html


async def test_the_footnotes_migration_leaves_a_post_it_would_change_otherwise_and_comments(
    engine_before_footnotes: AsyncEngine,
) -> None:
    """Without settings, a picture shown by its full address would become a link."""
    before = await posts_html_and_excerpts(engine_before_footnotes)

    await upgrade_database(engine_before_footnotes)

    assert (await posts_html_and_excerpts(engine_before_footnotes))[2] == before[2]
    async with engine_before_footnotes.connect() as connection:
        comment = await connection.scalar(text("SELECT body_html FROM comments"))
    assert comment == "<p>as it was</p>\n"


@pytest.fixture
async def engine_before_names_keys(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database at 0026 with Zoë (a display name) and ÉLODIE (a username)."""
    async with migrated_to(empty_database_url, "0026") as engine:
        async with engine.begin() as connection:
            await add_writer(connection, "zoe_writes")
            await add_writer(connection, "ÉLODIE")
            await connection.execute(text("UPDATE users SET display_name = 'Zoë K' WHERE id = 1"))
        yield engine


async def test_the_names_migration_fills_in_the_search_keys_of_existing_users(
    engine_before_names_keys: AsyncEngine,
) -> None:
    await upgrade_database(engine_before_names_keys)

    async with engine_before_names_keys.connect() as connection:
        keys = (await connection.scalars(text("SELECT names_key FROM users ORDER BY id"))).all()
    assert keys == ["zoe_writes zoe k", "elodie"]


async def test_after_the_names_migration_the_search_finds_names_without_their_accents(
    engine_before_names_keys: AsyncEngine, empty_database_url: str
) -> None:
    await upgrade_database(engine_before_names_keys)

    reader = Reader.from_settings(Settings(database_url=empty_database_url))
    found = [await search(reader, name, skip=0, limit=10) for name in ("zoë", "élodie")]
    await reader.dispose()
    assert [[user["username"] for user in each.users] for each in found] == [
        ["zoe_writes"],
        ["ÉLODIE"],
    ]


async def users_columns_and_names_index(engine: AsyncEngine) -> tuple[list[str], str | None]:
    """The users' columns, and on PostgreSQL the definition of the names' trigram index."""
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda c: [column["name"] for column in inspect(c).get_columns("users")]
        )
        if engine.dialect.name != "postgresql":
            return columns, None
        index = await connection.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_users_names_trigrams'")
        )
    return columns, index


async def test_going_down_from_the_names_migration_leaves_users_as_they_were(
    engine_before_names_keys: AsyncEngine,
) -> None:
    before = await users_columns_and_names_index(engine_before_names_keys)
    await upgrade_database(engine_before_names_keys)
    migrated = await users_columns_and_names_index(engine_before_names_keys)

    await downgrade_database(engine_before_names_keys, "0026")

    assert "names_key" in migrated[0]
    assert await users_columns_and_names_index(engine_before_names_keys) == before
    if engine_before_names_keys.dialect.name == "postgresql":
        assert "names_key gin_trgm_ops" in str(migrated[1])
        assert "lower(" in str(before[1])


async def posts_storage_options(engine: AsyncEngine) -> list[str] | None:
    async with engine.connect() as connection:
        options: list[str] | None = await connection.scalar(
            text("SELECT reloptions FROM pg_class WHERE oid = 'posts'::regclass")
        )
        return options


async def test_posts_leave_room_on_their_pages_down_to_the_fillfactor_migration(
    empty_database_url: str,
) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("SQLite has no storage options")
    async with migrated_to(empty_database_url, "heads") as engine:
        assert await posts_storage_options(engine) == ["fillfactor=70"]

        await downgrade_database(engine, "0015")

        assert await posts_storage_options(engine) is None


async def test_two_processes_starting_on_a_new_sqlite_database_migrate_it_once(
    tmp_path: Path,
) -> None:
    """What two workers of `inkwell serve` do: each its own engine, upgrading at once."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    engines = [create_engine(settings), create_engine(settings)]
    try:
        # A TaskGroup, not gather: if one upgrade fails, the other must not run on after the
        # test (Alembic's context is module-wide, and the worker's next upgrade would meet it).
        async with asyncio.TaskGroup() as upgrades:
            for engine in engines:
                upgrades.create_task(upgrade_database(engine))
        async with engines[0].connect() as connection:
            versions = (await connection.exec_driver_sql("SELECT * FROM alembic_version")).all()
    finally:
        for engine in engines:
            await engine.dispose()

    assert [version for (version,) in versions] == sorted(head_revisions())
