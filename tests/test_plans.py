"""Plans that stay indexed: at 100,000 posts, after ANALYZE, no statement a listing, a page
or a count sends scans a table that grows with the posts or the users, or reads most of one
through an index.

The database is seeded once for the module (inkwell.seed: COPY, some 25 s of PostgreSQL's
CPU), the app is started on it, every request below is made and every statement it sends is
recorded with its parameters, then run again under EXPLAIN ANALYZE as the app ran it. A
sequential scan of a table holding BIG_TABLE rows or more fails the request's test, and so
does any scan that reads more than a MOST share of such a table's rows and more than the
deepest page by offset (as min() over a join did: an index scan from one end to the other,
1.2 s on a million posts), with the statement.

`make test` runs the module on one worker, as that worker's first work, while the other goes
on with the rest (tests/scheduling.py).
"""

import html
import json
import random
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.db import create_engine, create_sessionmaker
from inkwell.migrations import upgrade_database
from inkwell.pagination import MAX_PAGE_SIZE, MAX_SKIP
from inkwell.security import PasswordHasher
from inkwell.seed import DEMO_PASSWORD, seed
from tests.conftest import (
    NO_RATE_LIMITS,
    SECRET_KEY,
    StartedApp,
    postgres_database,
    started,
    within_the_connection_budget,
)
from tests.connection_budget import TEST_DATABASE_CONNECTIONS

pytestmark = pytest.mark.slow

POSTS, USERS, COMMENTS = 100_000, 5_000, 200
FOLLOWS_PER_USER = 10
BIG_TABLE = 1_000
# A statement reads at most this share of a big table's rows by any path, unless it reads
# no more than the deepest page by offset does (its rows skipped, then its own): a bound of
# its own, which the table's growth does not move.
MOST = 0.25
DEEPEST_PAGE = MAX_SKIP + MAX_PAGE_SIZE


@dataclass(frozen=True)
class World:
    """The seeded database, the app started on it, and who is who in it."""

    engine: AsyncEngine
    app: StartedApp
    names: dict[str, Any]
    reader_headers: dict[str, str]


async def _seeded(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        await upgrade_database(engine)
        hasher = PasswordHasher(time_cost=1, memory_cost_kib=64, max_concurrent=1)
        async with create_sessionmaker(engine).begin() as session:
            await seed(
                session, hasher, users=USERS, posts=POSTS, comments=COMMENTS, rng=random.Random(1)
            )
        async with engine.begin() as connection:
            # Everyone follows a few others (the feed, the profiles' counts).
            await connection.execute(
                text(
                    "INSERT INTO follows (follower_id, followed_id, created_at) "
                    "SELECT DISTINCT u.id, (u.id * 7 + k * 131) % :users + 1, now() "
                    "FROM users AS u, generate_series(1, :follows) AS k "
                    "WHERE (u.id * 7 + k * 131) % :users + 1 <> u.id"
                ),
                {"users": USERS, "follows": FOLLOWS_PER_USER},
            )
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await engine.dispose()


async def _names(engine: AsyncEngine) -> dict[str, Any]:
    """The subjects of the requests: the most prolific author, a light one, the reader (an
    author with drafts), the commented post, a tag."""
    async with engine.connect() as connection:
        heavy = (
            await connection.execute(
                text("SELECT id, username FROM users ORDER BY post_count DESC, id LIMIT 1")
            )
        ).one()
        light = (
            await connection.execute(
                text("SELECT id, username FROM users WHERE post_count = 1 ORDER BY id LIMIT 1")
            )
        ).one()
        reader = (
            await connection.execute(
                text(
                    "SELECT u.id, u.username FROM users AS u JOIN posts AS p ON p.user_id = u.id "
                    "WHERE p.status = 'draft' ORDER BY u.id LIMIT 1"
                )
            )
        ).one()
        post = (
            await connection.execute(
                text("SELECT id, slug FROM posts ORDER BY comment_count DESC, id LIMIT 1")
            )
        ).one()
    return {
        "heavy": heavy.username,
        "heavy_id": heavy.id,
        "light": light.username,
        "light_id": light.id,
        "reader": reader.username,
        "post": post.id,
        "slug": post.slug,
        "tag": "python",
        "words": "postgresql+indexes",
    }


@pytest.fixture(scope="module")
async def world(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, testrun_uid: str
) -> AsyncIterator[World]:
    async with (
        postgres_database(f"inkwell_plans_{testrun_uid[:8]}_{worker_id}") as url,
        within_the_connection_budget(url),
    ):
        await _seeded(url)
        settings = Settings(
            environment="test",
            database_url=url,
            database_connections=TEST_DATABASE_CONNECTIONS,
            media_dir=tmp_path_factory.mktemp("media"),
            argon2_time_cost=1,
            argon2_memory_cost_kib=64,
            secret_key=SECRET_KEY,
            notification_email_sweep_seconds=0,
            **NO_RATE_LIMITS,
        )
        engine = create_engine(settings)
        names = await _names(engine)
        async with started(create_app(settings)) as app:
            transport = ASGITransport(app=app)
            async with AsyncClient(transport=transport, base_url="http://test") as client:
                response = await client.post(
                    "/api/users/token",
                    data={"username": names["reader"], "password": DEMO_PASSWORD},
                )
                assert response.status_code == 200, response.text
            token = response.json()["access_token"]
            yield World(engine, app, names, {"Authorization": f"Bearer {token}"})
        await engine.dispose()


# Everything an anonymous reader asks for that lists, pages or counts.
ANONYMOUS = (
    "/",
    "/?skip=40",
    "/api/posts",
    "/api/posts?skip=2000",
    "/api/posts?tag={tag}",
    "/api/users/{heavy_id}/posts",
    "/api/users/{heavy_id}/posts?skip=2000",
    "/api/users/{light_id}/posts",
    "/api/users/{heavy_id}",
    "/api/tags",
    "/api/search?q={words}",
    "/api/posts/{post}",
    "/api/posts/{post}/comments",
    "/posts/{post}-{slug}",
    "/@{heavy}",
    "/@{light}",
    "/users/{heavy_id}/posts",
    "/tags/{tag}",
    "/search?q={words}",
    "/feed.atom",
    "/@{heavy}/feed.atom",
    "/tags/{tag}/feed.atom",
    "/sitemap.xml",
    "/sitemaps/posts-1.xml",
    "/sitemaps/authors-1.xml",
    "/conduit/api/articles",
    "/conduit/api/articles?author={heavy}",
    "/conduit/api/articles?tag={tag}",
    "/conduit/api/articles?favorited={light}",
    "/conduit/api/tags",
    "/conduit/api/profiles/{heavy}",
)
# And a signed-in reader.
SIGNED_IN = (
    "/api/feed",
    "/api/users/me/drafts",
    "/api/users/me",
    "/api/notifications",
    "/api/notifications/unread-count",
    "/api/posts",
    "/api/posts?tag={tag}",
)

# The listings a reader pages through by cursor: the page after each one's first.
ANONYMOUS_PAGED = (
    "/",
    "/api/posts",
    "/api/posts?tag={tag}",
    "/api/users/{heavy_id}/posts",
    "/api/search?q={words}",
    "/@{heavy}",
    "/tags/{tag}",
    "/search?q={words}",
    "/api/posts/{post}/comments?limit=2",
)
SIGNED_IN_PAGED = ("/api/feed", "/api/posts")


@dataclass
class Sent:
    statement: str
    parameters: Any


async def statements_of(world: World, path: str, headers: dict[str, str]) -> list[Sent]:
    """Every statement the request sends, with its parameters."""
    sent: list[Sent] = []

    def record(*args: Any) -> None:
        sent.append(Sent(args[2], args[3]))

    engines = [world.app.state["engine"].sync_engine, world.app.state["reader"].engine.sync_engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        transport = ASGITransport(app=world.app)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get(path.format(**world.names), headers=headers)
        assert response.status_code < 400, (path, response.status_code, response.text[:500])
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
    return [s for s in sent if s.statement.lstrip().split()[0].upper() in {"SELECT", "WITH"}]


async def page_after(world: World, path: str, headers: dict[str, str]) -> str:
    """The address of the page after `path`'s first: its answer's `next_cursor`, or where
    the page's rel="next" link goes."""
    first = path.format(**world.names)
    transport = ASGITransport(app=world.app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(first, headers=headers)
    assert response.status_code == 200, (first, response.status_code, response.text[:500])
    if response.headers["content-type"].startswith("text/html"):
        link = re.search(r'<a [^>]*rel="next"\s+href="([^"]+)"', response.text)
        assert link, f"{first} links to no next page"
        return urljoin(first, html.unescape(link[1]))
    cursor = response.json()["next_cursor"]
    assert cursor, f"{first} answers no next_cursor"
    separator = "&" if "?" in first else "?"
    return f"{first}{separator}cursor={quote(cursor)}"


@dataclass(frozen=True)
class Scan:
    node: str
    relation: str
    rows: float  # the rows it read: those it returned and those its filters removed


def scans(plan: dict[str, Any]) -> Iterator[Scan]:
    """Every node of a JSON plan run with ANALYZE."""
    removed = sum(value for key, value in plan.items() if key.startswith("Rows Removed by"))
    rows = (plan.get("Actual Rows", 0) + removed) * plan.get("Actual Loops", 1)
    yield Scan(plan["Node Type"], plan.get("Relation Name", ""), rows)
    for child in plan.get("Plans", ()):
        yield from scans(child)


async def growing_reads(world: World, sent: list[Sent]) -> list[str]:
    """The statements that scan a big table, or read most of its rows by an index."""
    async with world.engine.connect() as connection:
        big = dict(
            (
                await connection.execute(
                    text(
                        "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
                        "AND reltuples >= :rows AND relnamespace = 'public'::regnamespace"
                    ),
                    {"rows": BIG_TABLE},
                )
            ).all()
        )
        assert {"posts", "users", "post_tags", "likes", "follows"} <= set(big)
        found = []
        for statement in sent:
            rows = await connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {statement.statement}",
                tuple(statement.parameters or ()),
            )
            document = rows.scalar_one()
            plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
            for scan in scans(plan):
                if scan.relation not in big:
                    continue
                most = max(MOST * big[scan.relation], DEEPEST_PAGE)
                if scan.node == "Seq Scan" or scan.rows > most:
                    found.append(
                        f"{scan.node} of {scan.relation}, {scan.rows:,.0f} rows read of "
                        f"{big[scan.relation]:,.0f}, in {statement.statement}"
                    )
    return found


@pytest.mark.parametrize("path", ANONYMOUS)
async def test_no_anonymous_read_scans_a_growing_table(world: World, path: str) -> None:
    sent = await statements_of(world, path, {})

    assert sent, "the request sent no statement"
    assert await growing_reads(world, sent) == []


@pytest.mark.parametrize("path", SIGNED_IN)
async def test_no_signed_in_read_scans_a_growing_table(world: World, path: str) -> None:
    sent = await statements_of(world, path, world.reader_headers)

    assert await growing_reads(world, sent) == []


@pytest.mark.parametrize("path", ANONYMOUS_PAGED)
async def test_no_anonymous_page_after_a_cursor_scans_a_growing_table(
    world: World, path: str
) -> None:
    sent = await statements_of(world, await page_after(world, path, {}), {})

    assert sent, "the request sent no statement"
    assert await growing_reads(world, sent) == []


@pytest.mark.parametrize("path", SIGNED_IN_PAGED)
async def test_no_signed_in_page_after_a_cursor_scans_a_growing_table(
    world: World, path: str
) -> None:
    headers = world.reader_headers
    sent = await statements_of(world, await page_after(world, path, headers), headers)

    assert await growing_reads(world, sent) == []
