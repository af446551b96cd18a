"""Every kind of write shows on the next read: on the instance that took it at once, on
another instance sharing Redis within a second. A write that commits nothing, or commits
only what no anonymous reader sees, leaves the cache alone. Run on both databases."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from inkwell.app import create_app
from inkwell.caching.middleware import AnonymousCache
from inkwell.cli import app as cli
from inkwell.config import Settings
from inkwell.posts.models import Post
from tests.conftest import PASSWORD, Account, StatementCounter, started
from tests.factories import Factory
from tests.pictures import image_file

# Another instance shows a write within this long of its acknowledgement.
ELSEWHERE_WITHIN = 1.0


@dataclass
class World:
    author: Account
    admin: Account
    reader: Account
    post: dict[str, Any]
    draft: dict[str, Any]


@pytest.fixture
async def world(factory: Factory) -> World:
    author = await factory.account("author")
    post = await factory.post(author, title="Standing words")
    draft = await factory.post(author, title="Quiet draft", status="draft")
    return World(
        author,
        await factory.account("admin", role="admin"),
        await factory.account("reader"),
        post,
        draft,
    )


Write = Callable[[AsyncClient, World], Awaitable[Response]]


@dataclass(frozen=True)
class Case:
    """A read every anonymous reader shares, a write, and what the read shows after it."""

    read: Callable[[World], str]
    write: Write
    shows: Callable[[Response, World], bool]


CASES = {
    "new post": Case(
        lambda w: "/",
        lambda c, w: c.post(
            "/api/posts", json={"title": "Fresh words", "content": "c"}, headers=w.author.headers
        ),
        lambda r, w: "Fresh words" in r.text,
    ),
    "edit": Case(
        lambda w: f"/api/posts/{w.post['id']}",
        lambda c, w: c.patch(
            f"/api/posts/{w.post['id']}", json={"title": "Renamed"}, headers=w.author.headers
        ),
        lambda r, w: r.json()["title"] == "Renamed",
    ),
    "delete": Case(
        lambda w: "/",
        lambda c, w: c.delete(f"/api/posts/{w.post['id']}", headers=w.author.headers),
        lambda r, w: "Standing words" not in r.text,
    ),
    "publish": Case(
        lambda w: "/api/posts",
        lambda c, w: c.patch(
            f"/api/posts/{w.draft['id']}", json={"status": "published"}, headers=w.author.headers
        ),
        lambda r, w: "Quiet draft" in r.text,
    ),
    "comment": Case(
        lambda w: f"/api/posts/{w.post['id']}/comments",
        lambda c, w: c.post(
            f"/api/posts/{w.post['id']}/comments",
            json={"body": "A fresh comment"},
            headers=w.reader.headers,
        ),
        lambda r, w: "A fresh comment" in r.text,
    ),
    "like": Case(
        lambda w: f"/api/posts/{w.post['id']}",
        lambda c, w: c.put(f"/api/posts/{w.post['id']}/like", headers=w.reader.headers),
        lambda r, w: r.json()["like_count"] == 1,
    ),
    "follow": Case(
        lambda w: f"/api/users/{w.author.id}",
        lambda c, w: c.put(f"/api/users/{w.author.id}/follow", headers=w.reader.headers),
        lambda r, w: r.json()["follower_count"] == 1,
    ),
    "profile": Case(
        lambda w: "/@author",
        lambda c, w: c.patch(
            f"/api/users/{w.author.id}",
            json={"display_name": "Ada the Writer"},
            headers=w.author.headers,
        ),
        lambda r, w: "Ada the Writer" in r.text,
    ),
    "picture": Case(
        lambda w: "/@author",
        lambda c, w: c.put(
            f"/api/users/{w.author.id}/picture",
            files={"file": ("me.png", image_file(), "image/png")},
            headers=w.author.headers,
        ),
        lambda r, w: "/media/" in r.text,
    ),
    "suspension": Case(
        lambda w: "/feed.atom",
        lambda c, w: c.post(f"/api/users/{w.author.id}/suspend", headers=w.admin.headers),
        lambda r, w: "Standing words" not in r.text,
    ),
}


async def test_the_cases_cover_every_kind_of_write() -> None:
    assert set(CASES) >= {
        "new post", "edit", "delete", "publish", "comment", "like",
        "profile", "picture", "suspension",
    }  # fmt: skip


async def _kept_read(client: AsyncClient, address: str) -> Response:
    """Reads twice: the second answer comes from the cache."""
    await client.get(address)
    return await client.get(address)


async def _write(client: AsyncClient, case: Case, world: World) -> None:
    response = await case.write(client, world)
    assert response.status_code < 300, response.text


@pytest.mark.parametrize("name", CASES)
async def test_a_write_shows_on_the_next_read_here(
    client: AsyncClient, world: World, cache: AnonymousCache, name: str
) -> None:
    case = CASES[name]
    before = await _kept_read(client, case.read(world))
    assert not case.shows(before, world)
    assert cache.kept == 1

    await _write(client, case, world)

    assert case.shows(await client.get(case.read(world)), world)


@dataclass
class Instance:
    client: AsyncClient
    cache: AnonymousCache


async def _instance(settings: Settings) -> AsyncIterator[Instance]:
    async with (
        started(create_app(settings)) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client,
    ):
        yield Instance(client, served.state["anonymous_cache"])


@pytest.fixture
async def first(redis_settings: Settings) -> AsyncIterator[Instance]:
    async for instance in _instance(redis_settings):
        yield instance


@pytest.fixture
async def second(redis_settings: Settings) -> AsyncIterator[Instance]:
    async for instance in _instance(redis_settings):
        yield instance


@pytest.mark.parametrize("name", CASES)
async def test_a_write_shows_on_another_instance_within_a_second(
    first: Instance, second: Instance, world: World, name: str
) -> None:
    case = CASES[name]
    address = case.read(world)
    # The second instance keeps a page only while its generation is fresh (read within two
    # sync periods, half a second): a machine that stalls between the read of the
    # generation and the page's lets that lapse (a full run met it), so it tries again.
    async with asyncio.timeout(5):
        while not second.cache.kept:
            await second.cache.generation.sync()
            before = await _kept_read(second.client, address)
    assert not case.shows(before, world)

    await _write(first.client, case, world)
    acknowledged = time.monotonic()
    while not case.shows(await second.client.get(address), world):
        assert time.monotonic() - acknowledged < ELSEWHERE_WITHIN, "still stale after 1 s"
        await asyncio.sleep(0.02)


async def test_an_instance_that_cannot_reach_redis_keeps_and_serves_nothing(
    settings: Settings, engine: AsyncEngine, factory: Factory
) -> None:
    """It could not hear of another instance's writes: every read goes to the database."""
    await factory.account("author")
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
    async for instance in _instance(down):
        pages = [await instance.client.get("/") for _ in range(2)]

        assert [page.status_code for page in pages] == [200, 200]
        assert instance.cache.kept == 0


async def test_a_sign_in_writes_nothing_public_and_leaves_the_cache(
    client: AsyncClient, world: World, count_statements: StatementCounter
) -> None:
    await _kept_read(client, "/")
    login = await client.post("/api/users/token", data={"username": "reader", "password": PASSWORD})
    assert login.status_code == 200
    client.cookies.clear()
    statements = len(count_statements)

    await client.get("/")

    assert len(count_statements) == statements


async def test_posts_seeded_from_the_command_line_show_on_a_serving_instance_at_its_next_sync(
    first: Instance, redis_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line writes outside any server: it tells them through Redis."""
    for _ in range(2):  # kept, then served from the cache
        await first.cache.generation.sync()  # fresh now, however busy the machine
        assert "Nothing has been written here yet" in (await first.client.get("/")).text
    assert first.cache.kept == 1

    await command_line(redis_settings, monkeypatch, "seed", "--users", "1", "--posts", "1")

    await first.cache.generation.sync()  # as the instance does every CACHE_SYNC_SECONDS
    assert "Nothing has been written here yet" not in (await first.client.get("/")).text


async def test_posts_rendered_again_by_the_command_line_show_on_an_instance_at_its_next_sync(
    first: Instance,
    world: World,
    engine: AsyncEngine,
    redis_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = f"/api/posts/{world.post['id']}"
    async with engine.begin() as connection:  # as an older renderer left it
        await connection.execute(
            update(Post).values(content_html="<p>old</p>", updated_at=Post.updated_at)
        )
    for _ in range(2):  # kept, then served from the cache
        await first.cache.generation.sync()
        assert (await first.client.get(path)).json()["content_html"] == "<p>old</p>"
    assert first.cache.kept == 1

    await command_line(redis_settings, monkeypatch, "posts", "render")

    await first.cache.generation.sync()
    assert (await first.client.get(path)).json()["content_html"] != "<p>old</p>"


async def command_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, *arguments: str
) -> None:
    """`inkwell` run on the instances' database and Redis, as an operator would."""
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": str(settings.redis_url),
        "CACHE_KEY_PREFIX": settings.cache_key_prefix,
        "ARGON2_MEMORY_COST_KIB": "64",
        "ARGON2_TIME_COST": "1",
    }.items():
        monkeypatch.setenv(name, value)
    result = await asyncio.to_thread(CliRunner().invoke, cli, arguments)
    assert result.exit_code == 0, result.output
