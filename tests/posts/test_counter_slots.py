"""The total of published posts has no hot row (migration 0014, kept_counts.Total): writers
of published posts each change a slot of their own, so none waits on another's count, and
the sum of the slots stays exact whatever commits or rolls back."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.posts.models import STATS_SLOTS, Post, PostStats
from tests.factories import Factory

WRITERS = 16
INSERT = """
    INSERT INTO posts (title, content, content_html, excerpt, word_count, date_posted,
                       updated_at, user_id, status, published_at, slug)
    VALUES ('t', 'c', '<p>c</p>', 'c', 1, $1, $1, $2, 'published', $1, 't')
"""


@pytest.fixture
async def connections(
    engine: AsyncEngine, room_for_connections: None
) -> AsyncIterator[list[asyncpg.Connection]]:
    """WRITERS connections of their own to the test database, each in a transaction that
    fails rather than waits more than a few seconds for a lock."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no wait to spread")
    url = engine.url
    opened = [
        await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, database=url.database
        )
        for _ in range(WRITERS)
    ]
    for connection in opened:
        await connection.execute("BEGIN")
        await connection.execute("SET LOCAL lock_timeout = '10s'")
    yield opened
    for connection in opened:
        await connection.close()


async def total(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.sum(PostStats.total))) or 0)


async def published(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = select(func.count()).select_from(Post).where(Post.status == "published")
        return int(await connection.scalar(count) or 0)


async def locks_awaited(observer: asyncpg.Connection, backends: list[int]) -> list[object]:
    """The locks any of the backends waits for."""
    rows = await observer.fetch(
        "SELECT pid, locktype, relation::regclass::text FROM pg_locks "
        "WHERE NOT granted AND pid = ANY($1::int[])",
        backends,
    )
    return [tuple(row) for row in rows]


async def test_concurrent_writers_of_published_posts_do_not_wait_on_each_others_count(
    connections: list[asyncpg.Connection], engine: AsyncEngine, factory: Factory
) -> None:
    authors = [await factory.user(f"writer{i}") for i in range(WRITERS)]
    now = datetime.now(UTC)

    # Every transaction stays open: one writer waiting on another's slot would wait for
    # good (and fail on its lock_timeout).
    await asyncio.gather(
        *(
            connection.execute(INSERT, now, author.id)
            for connection, author in zip(connections, authors, strict=True)
        )
    )

    backends = [connection.get_server_pid() for connection in connections]
    assert await locks_awaited(connections[0], backends) == []


async def test_the_slots_sum_to_the_committed_posts_after_commits_and_rollbacks(
    connections: list[asyncpg.Connection], engine: AsyncEngine, factory: Factory
) -> None:
    authors = [await factory.user(f"writer{i}") for i in range(WRITERS)]
    now = datetime.now(UTC)
    before = await total(engine)

    for connection, author in zip(connections, authors, strict=True):
        await connection.execute(INSERT, now, author.id)
        await connection.execute(INSERT, now, author.id)
    await asyncio.gather(
        *(
            connection.execute("COMMIT" if index % 2 else "ROLLBACK")
            for index, connection in enumerate(connections)
        )
    )

    assert await total(engine) == before + WRITERS
    assert await total(engine) == await published(engine)


async def test_the_writers_spread_over_several_slots(
    connections: list[asyncpg.Connection], engine: AsyncEngine, factory: Factory
) -> None:
    authors = [await factory.user(f"writer{i}") for i in range(WRITERS)]
    now = datetime.now(UTC)
    for connection, author in zip(connections, authors, strict=True):
        await connection.execute(INSERT, now, author.id)
    for connection in connections:
        await connection.execute("COMMIT")

    async with engine.connect() as connection:
        used = await connection.scalar(
            select(func.count()).select_from(PostStats).where(PostStats.total != 0)
        )
        slots = await connection.scalar(select(func.count()).select_from(PostStats))
    assert used == WRITERS
    assert slots == STATS_SLOTS
