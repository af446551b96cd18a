"""A busy post leaves no bloat (migration 0016): the triggers that keep its like and comment
counts rewrite its row, and each page of posts keeps room for that new version, so the row
stays on its page (a HOT update: no new index entries, the old version reclaimed by the next
read). On full pages the update would move the row to another page and add an entry to each
of the post's indexes."""

import random
from collections.abc import Sequence

import pytest
from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell import seed_text
from inkwell.comments.models import Comment
from inkwell.db import utcnow
from inkwell.likes.models import Like
from inkwell.users.models import User
from tests.factories import Factory

# Alone, after the parallel run (make test's measured step): beside the other worker's tests a
# third to a half of these posts moved (the CI of 6be3099), alone none.
pytestmark = [pytest.mark.postgres, pytest.mark.measured]

POSTS = 12
READERS = 3


@pytest.fixture
async def readers(factory: Factory) -> list[User]:
    return [await factory.user() for _ in range(READERS)]


@pytest.fixture
async def post_ids(engine: AsyncEngine, factory: Factory) -> list[int]:
    """Posts of the size seeding writes, several to a page."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite rewrites a row where it is: it has no pages to keep room on")
    author = await factory.user()
    rng = random.Random(16)
    posts = [await factory.post(author, content=seed_text.body(rng)) for _ in range(POSTS)]
    return [int(str(post["id"])) for post in posts]


async def pages_of(engine: AsyncEngine, post_ids: Sequence[int]) -> dict[int, int]:
    """Each post's page: the block number of its row's current version."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT id, (ctid::text::point)[0]::int FROM posts WHERE id = ANY(:ids)"),
            {"ids": list(post_ids)},
        )
        return dict(rows.all())


async def test_the_posts_share_their_pages(engine: AsyncEngine, post_ids: list[int]) -> None:
    """What the next test rests on: a page holds more than one post, so room on it is shared."""
    pages = await pages_of(engine, post_ids)

    assert len(set(pages.values())) < len(post_ids) / 1.5


async def test_likes_and_comments_change_a_post_on_its_own_page(
    engine: AsyncEngine, post_ids: list[int], readers: list[User]
) -> None:
    before = await pages_of(engine, post_ids)

    for post_id in post_ids:
        for reader in readers:
            now = utcnow()
            for change in (
                insert(Like).values(user_id=reader.id, post_id=post_id, created_at=now),
                insert(Comment).values(
                    user_id=reader.id,
                    post_id=post_id,
                    body="Well put.",
                    body_html="<p>Well put.</p>",
                    created_at=now,
                    updated_at=now,
                ),
                delete(Like).where(Like.user_id == reader.id, Like.post_id == post_id),
            ):
                async with engine.begin() as connection:
                    await connection.execute(change)

    after = await pages_of(engine, post_ids)
    moved = [post_id for post_id in post_ids if after[post_id] != before[post_id]]
    # A row's old version is reclaimed only once no transaction may still see it, so a
    # snapshot held meanwhile can now and then send an update off its page. With the pages
    # full, 5 of these 12 posts move.
    assert len(moved) <= 2, moved
