"""Every listing walked by cursor shows what the offsets show, in the same order, with no
post twice and none left out, even where rows share a moment; a cursor's next page does not
shift when posts are written meanwhile; and a page costs the same statements however deep
it is. On both databases."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from httpx import AsyncClient
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.comments.models import Comment
from inkwell.notifications.models import Notification
from inkwell.posts.models import DRAFT, Post, PostTag
from tests.conftest import Account, StatementCounter
from tests.factories import Factory

# Long ago, so that a post written during a test is the newest.
T0 = datetime(2026, 1, 1, tzinfo=UTC)
PUBLISHED_POSTS, DRAFTS, COMMENTS, NOTIFICATIONS, WALKERS = 11, 5, 7, 7, 5
PAGE = 3
LISTINGS = {
    "/api/posts": ("posts", "reader"),
    "/api/posts?tag=python": ("posts", "reader"),
    "/api/users/{author}/posts": ("posts", "reader"),
    "/api/feed": ("posts", "reader"),
    "/api/users/me/drafts": ("posts", "author"),
    "/api/posts/{post}/comments": ("comments", "reader"),
    "/api/notifications": ("notifications", "author"),
    "/api/search?q=walk": ("posts", "reader"),
}


class Crowd:
    def __init__(self, author: Account, reader: Account, post_id: int) -> None:
        self.author, self.reader, self.post_id = author, reader, post_id

    def path(self, template: str) -> str:
        return template.format(author=self.author.id, post=self.post_id)

    def headers(self, who: str) -> dict[str, str]:
        return (self.author if who == "author" else self.reader).headers


@pytest.fixture
async def crowd(factory: Factory, engine: AsyncEngine, client: AsyncClient) -> Crowd:
    """Published posts four to a moment, drafts all edited at one moment, comments and
    notifications all made at one moment: ties everywhere, which only the id breaks."""
    author = await factory.account("author")
    reader = await factory.account("reader")
    for n in range(WALKERS):
        await factory.user(f"walker{n}")
    for _ in range(PUBLISHED_POSTS):
        await factory.post(author, tags=["python"], content="Walk words.")
    for _ in range(DRAFTS):
        await factory.post(author, status=DRAFT)
    assert (await client.put(f"/api/users/{author.id}/follow", headers=reader.headers)).is_success
    async with engine.begin() as connection:
        ids = (await connection.scalars(select(Post.id).order_by(Post.id))).all()
        for post_id in ids:
            moment = T0 + timedelta(seconds=post_id // 4)
            await connection.execute(
                update(Post)
                .where(Post.id == post_id)
                .values(published_at=moment if post_id <= PUBLISHED_POSTS else None, updated_at=T0)
            )
            await connection.execute(
                update(PostTag).where(PostTag.post_id == post_id).values(published_at=moment)
            )
        await connection.execute(
            insert(Comment),
            [
                {
                    "post_id": ids[0],
                    "user_id": reader.id,
                    "body": f"c{n}",
                    "body_html": f"<p>c{n}</p>",
                    "created_at": T0,
                    "updated_at": T0,
                }
                for n in range(COMMENTS)
            ],
        )
        await connection.execute(
            insert(Notification),
            [
                {"user_id": author.id, "actor_id": reader.id, "kind": "follow", "created_at": T0}
                for _ in range(NOTIFICATIONS)
            ],
        )
    return Crowd(author, reader, ids[0])


async def get(client: AsyncClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    path, _, query = path.partition("?")
    response = await client.get(path, params=dict(parse_qsl(query)) | params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: dict[str, Any], kind: str) -> list[tuple[str, int]]:
    found = [(kind, row["id"]) for row in page[kind]]
    return found + [("user", user["id"]) for user in page.get("users", [])]


async def cursor_walk(client: AsyncClient, path: str, headers: dict[str, str], kind: str) -> list:
    walked: list[tuple[str, int]] = []
    page = await get(client, path, headers, limit=PAGE)
    while True:
        shown = ids(page, kind)
        assert not set(shown) & set(walked), "a page by cursor shows again what one before did"
        walked += shown
        if page["next_cursor"] is None:
            assert page["has_more"] is False
            return walked
        assert page["has_more"] is True
        page = await get(client, path, headers, limit=PAGE, cursor=page["next_cursor"])


async def offset_walk(client: AsyncClient, path: str, headers: dict[str, str], kind: str) -> list:
    walked: list[tuple[str, int]] = []
    skip = 0
    while True:
        page = await get(client, path, headers, limit=PAGE, skip=skip)
        walked += ids(page, kind)
        if not page["has_more"]:
            return walked
        skip += PAGE


@pytest.mark.parametrize("path", LISTINGS)
async def test_a_cursor_walk_shows_what_the_offsets_show_once_each(
    client: AsyncClient, crowd: Crowd, path: str
) -> None:
    kind, who = LISTINGS[path]
    address, headers = crowd.path(path), crowd.headers(who)
    by_cursor = await cursor_walk(client, address, headers, kind)
    by_offset = await offset_walk(client, address, headers, kind)
    all_at_once = ids(await get(client, address, headers, limit=100), kind)

    assert by_cursor == by_offset
    assert sorted(by_cursor) == sorted(all_at_once)
    assert len(set(by_cursor)) == len(by_cursor)
    assert len(by_cursor) > PAGE


@pytest.mark.parametrize("path", [path for path in LISTINGS if "search" not in path])
async def test_a_cursor_walk_reads_newest_first_but_comments_oldest_first(
    client: AsyncClient, crowd: Crowd, path: str
) -> None:
    """The crowd's rows are newer as their ids grow (or share a moment, which the id breaks)."""
    kind, who = LISTINGS[path]
    walked = [
        id_ for _, id_ in await cursor_walk(client, crowd.path(path), crowd.headers(who), kind)
    ]
    assert walked == sorted(walked, reverse=kind != "comments")


@pytest.mark.parametrize(
    "path", ["/api/posts", "/api/posts?tag=python", "/api/users/{author}/posts", "/api/feed"]
)
async def test_posts_written_while_paging_do_not_shift_the_next_page(
    client: AsyncClient, factory: Factory, crowd: Crowd, path: str
) -> None:
    address, headers = crowd.path(path), crowd.reader.headers
    before = await get(client, address, headers, limit=2 * PAGE)
    first = await get(client, address, headers, limit=PAGE)
    for _ in range(2):
        await factory.post(crowd.author, tags=["python"])
    second = await get(client, address, headers, limit=PAGE, cursor=first["next_cursor"])

    assert ids(second, "posts") == ids(before, "posts")[PAGE:]
    assert second["total"] == before["total"] + 2


async def test_a_cursor_still_places_a_page_after_its_last_post_is_deleted(
    client: AsyncClient, crowd: Crowd
) -> None:
    before = await get(client, "/api/posts", {}, limit=2 * PAGE)
    first = await get(client, "/api/posts", {}, limit=PAGE)
    last_id = first["posts"][-1]["id"]
    response = await client.delete(f"/api/posts/{last_id}", headers=crowd.author.headers)
    assert response.status_code == 204
    second = await get(client, "/api/posts", {}, limit=PAGE, cursor=first["next_cursor"])
    assert ids(second, "posts") == ids(before, "posts")[PAGE:]


@pytest.mark.parametrize("path", LISTINGS)
async def test_a_page_costs_the_same_statements_however_deep(
    client: AsyncClient, crowd: Crowd, count_statements: StatementCounter, path: str
) -> None:
    _, who = LISTINGS[path]
    address, headers = crowd.path(path), crowd.headers(who)
    counts, cursor = [], None
    for _ in range(2):
        before = len(count_statements)
        page = await get(
            client, address, headers, limit=2, **({"cursor": cursor} if cursor else {})
        )
        counts.append(len(count_statements) - before)
        cursor = page["next_cursor"]
        assert cursor is not None
    before = len(count_statements)
    await get(client, address, headers, limit=2, skip=2)
    counts.append(len(count_statements) - before)

    assert len(set(counts)) == 1, counts
