"""The post counts the database keeps (migration 0003) always equal a real count of the rows.

Listings report them as `total`, so every way posts come and go is checked against
`count(*)`: through the API, in bulk, by an author's deletion, in a rolled-back
transaction, by concurrent writers and, on PostgreSQL, by TRUNCATE.
"""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.config import Settings
from inkwell.db import create_engine
from inkwell.migrations import upgrade_database
from inkwell.posts.models import Post, PostStats
from inkwell.users.models import User
from tests.conftest import RENDERED, Account, Api


async def kept_counts(engine: AsyncEngine) -> tuple[int, dict[int, int]]:
    """The total and each author's count, as the database keeps them."""
    async with engine.connect() as connection:
        total = await connection.scalar(select(func.sum(PostStats.total)))
        authors = await connection.execute(select(User.id, User.post_count))
    return total or 0, dict(authors.all())


async def real_counts(engine: AsyncEngine) -> tuple[int, dict[int, int]]:
    """The same figures, counted from the rows: published posts only."""
    published = Post.status == "published"
    async with engine.connect() as connection:
        total = await connection.scalar(select(func.count()).select_from(Post).where(published))
        authors = await connection.execute(
            select(User.id, func.count(Post.id))
            .outerjoin(Post, (Post.user_id == User.id) & published)
            .group_by(User.id)
        )
    return total or 0, dict(authors.all())


@pytest.fixture
async def other(api: Api, author: Account) -> Account:
    """A second writer: by now `author` has written three posts and `other` one."""
    other = await api.sign_up("other")
    for _ in range(3):
        await api.post(author)
    await api.post(other)
    return other


async def test_writing_posts_raises_the_total_and_the_authors_count(
    author: Account, other: Account, engine: AsyncEngine
) -> None:
    assert await kept_counts(engine) == (4, {author.id: 3, other.id: 1})
    assert await kept_counts(engine) == await real_counts(engine)


@pytest.mark.usefixtures("other")
async def test_the_listings_report_the_kept_counts(author: Account, client: AsyncClient) -> None:
    everyone = (await client.get("/api/posts", params={"limit": 1})).json()
    theirs = (await client.get(f"/api/users/{author.id}/posts", params={"limit": 1})).json()

    assert (everyone["total"], everyone["has_more"]) == (4, True)
    assert (theirs["total"], theirs["has_more"]) == (3, True)


@pytest.mark.usefixtures("other")
async def test_a_page_past_the_end_still_reports_its_listings_total(
    api: Api, author: Account, client: AsyncClient
) -> None:
    """Past the end no row carries the total: each listing asks for its own."""
    for _ in range(2):
        await api.post(author, status="draft")
    past = {"skip": 10}

    everyone = (await client.get("/api/posts", params=past)).json()
    theirs = (await client.get(f"/api/users/{author.id}/posts", params=past)).json()
    drafts = (await client.get("/api/users/me/drafts", params=past, headers=author.headers)).json()

    assert (everyone["posts"], everyone["total"]) == ([], 4)
    assert (theirs["posts"], theirs["total"]) == ([], 3)
    assert (drafts["posts"], drafts["total"]) == ([], 2)


async def test_deleting_a_post_lowers_the_total_and_the_authors_count(
    api: Api, author: Account, client: AsyncClient, engine: AsyncEngine
) -> None:
    post = await api.post(author)
    await api.post(author)

    response = await client.delete(f"/api/posts/{post['id']}", headers=author.headers)

    assert response.status_code == 204
    assert await kept_counts(engine) == (1, {author.id: 1})


async def test_deleting_an_author_takes_their_posts_out_of_the_total(
    author: Account, other: Account, client: AsyncClient, engine: AsyncEngine
) -> None:
    response = await client.delete(f"/api/users/{author.id}", headers=author.headers)

    assert response.status_code == 204
    assert await kept_counts(engine) == (1, {other.id: 1})


async def test_a_bulk_insert_counts_every_row(
    author: Account, session: AsyncSession, engine: AsyncEngine
) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {"title": f"Post {i}", "content": "c", "user_id": author.id, "date_posted": when}
        for i in range(250)
    ]
    await session.execute(insert(Post), [row | {"updated_at": when} | RENDERED for row in rows])
    await session.commit()

    assert await kept_counts(engine) == (250, {author.id: 250})


async def test_a_rolled_back_post_leaves_the_counts_alone(
    api: Api, author: Account, session: AsyncSession, engine: AsyncEngine
) -> None:
    await api.post(author)
    user = await session.get_one(User, author.id)
    session.add(Post(title="t", content="c", author=user, **RENDERED))
    await session.flush()
    await session.rollback()

    assert await kept_counts(engine) == (1, {author.id: 1})


async def test_concurrent_writers_are_all_counted(
    client: AsyncClient, api: Api, engine: AsyncEngine
) -> None:
    writers = [await api.sign_up(f"writer{i}") for i in range(4)]

    responses = await asyncio.gather(
        *(
            client.post(
                "/api/posts",
                json={"title": f"Post {i}", "content": "c"},
                headers=writers[i % len(writers)].headers,
            )
            for i in range(40)
        )
    )

    assert {response.status_code for response in responses} == {201}
    assert await kept_counts(engine) == (40, {writer.id: 10 for writer in writers})


async def test_truncating_the_posts_resets_the_counts(
    api: Api, author: Account, engine: AsyncEngine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite's DELETE fires the row triggers")
    await api.post(author)

    async with engine.begin() as connection:
        # CASCADE: likes, comments and tags refer to posts.
        await connection.execute(text("TRUNCATE posts CASCADE"))

    assert await kept_counts(engine) == (0, {author.id: 0})


async def test_a_loaded_user_never_carries_a_count_that_could_go_stale(
    author: Account, session: AsyncSession
) -> None:
    user = await session.get_one(User, author.id)

    with pytest.raises(InvalidRequestError, match="post_count"):
        _ = user.post_count


async def test_the_migration_counts_the_posts_already_written(tmp_path: Path) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"))
    await upgrade_database(engine, "0002")
    async with engine.begin() as connection:
        for user_id, posts in ((1, 2), (2, 0), (3, 1)):
            await connection.execute(
                text(
                    "INSERT INTO users (id, username, email, password_hash, created_at, "
                    "security_stamp) VALUES (:id, :name, :email, 'x', '2026-01-01', '')"
                ),
                {"id": user_id, "name": f"u{user_id}", "email": f"u{user_id}@example.com"},
            )
            for _ in range(posts):
                await connection.execute(
                    text(
                        "INSERT INTO posts (title, content, date_posted, updated_at, user_id) "
                        "VALUES ('t', 'c', '2026-01-01', '2026-01-01', :user_id)"
                    ),
                    {"user_id": user_id},
                )

    await upgrade_database(engine)

    assert await kept_counts(engine) == (3, {1: 2, 2: 0, 3: 1})
    await engine.dispose()


async def test_drafts_are_counted_once_published_and_no_longer_once_unpublished(
    api: Api, author: Account, client: AsyncClient, engine: AsyncEngine
) -> None:
    post = await api.post(author, status="draft")
    await api.post(author)
    assert await kept_counts(engine) == (1, {author.id: 1})

    url = f"/api/posts/{post['id']}"
    await client.patch(url, json={"status": "published"}, headers=author.headers)
    assert await kept_counts(engine) == (2, {author.id: 2})

    await client.patch(url, json={"status": "draft"}, headers=author.headers)
    assert await kept_counts(engine) == (1, {author.id: 1})

    await client.patch(url, json={"title": "Still a draft"}, headers=author.headers)
    await client.delete(url, headers=author.headers)
    assert await kept_counts(engine) == (1, {author.id: 1})
    assert await kept_counts(engine) == await real_counts(engine)


async def test_an_edit_that_keeps_the_status_changes_no_count(
    api: Api, author: Account, client: AsyncClient, engine: AsyncEngine
) -> None:
    post = await api.post(author)

    await client.patch(
        f"/api/posts/{post['id']}",
        json={"title": "New", "status": "published"},
        headers=author.headers,
    )

    assert await kept_counts(engine) == (1, {author.id: 1})


async def test_a_bulk_status_change_counts_every_row(
    author: Account, session: AsyncSession, engine: AsyncEngine
) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"title": f"Post {i}", "content": "c", "user_id": author.id} for i in range(30)]
    await session.execute(insert(Post), [row | {"published_at": when} | RENDERED for row in rows])
    await session.execute(
        update(Post).where(Post.id % 3 == 0).values(status="draft", published_at=None)
    )
    await session.commit()

    assert await kept_counts(engine) == (20, {author.id: 20})


async def test_concurrent_publishing_unpublishing_and_deleting_keep_the_counts_exact(
    client: AsyncClient, api: Api, engine: AsyncEngine
) -> None:
    """Each post is toggled by several requests at once, in both directions: whichever wins,
    each change is counted once (the second writer's old row is the first one's new row)."""
    writers = [await api.sign_up(f"writer{i}") for i in range(2)]
    posts = [await api.post(writers[i % 2], status="draft") for i in range(8)]

    def change(i: int) -> object:
        post = posts[i % len(posts)]
        writer = writers[posts.index(post) % 2]
        url = f"/api/posts/{post['id']}"
        if i == 37:
            return client.delete(url, headers=writer.headers)
        status = "published" if i % 3 else "draft"
        return client.patch(url, json={"status": status}, headers=writer.headers)

    responses = await asyncio.gather(*(change(i) for i in range(40)))  # type: ignore[arg-type]

    assert {response.status_code for response in responses} <= {200, 204, 404}
    assert await kept_counts(engine) == await real_counts(engine)
