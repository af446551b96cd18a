"""`inkwell seed`: demo data that reads like a blog, written in bulk (COPY on PostgreSQL with
the count triggers off, batches on SQLite with them on), leaving every kept count and the
search index as the triggers would have."""

import random
import re

import pytest
from httpx import AsyncClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.comments.counters import COMMENT_COUNTS
from inkwell.follows.counters import FOLLOW_COUNTS
from inkwell.likes.counters import LIKE_COUNTS
from inkwell.posts.counters import POST_COUNTS, TAG_COUNTS
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import Post, PostStats, PostTag, Tag
from inkwell.security import PasswordHasher
from inkwell.seed import DEMO_PASSWORD, DISTINCT_BODIES, DRAFT_EVERY, seed
from inkwell.seed_text import FIRST_NAMES, LAST_NAMES, display_name, username
from inkwell.users.models import User
from tests.conftest import RENDERED

ALL_COUNTS = (POST_COUNTS, TAG_COUNTS, LIKE_COUNTS, COMMENT_COUNTS, FOLLOW_COUNTS)


async def seeded(session: AsyncSession, *, users: int = 30, posts: int = 400) -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost_kib=64, max_concurrent=1)
    await seed(session, hasher, users=users, posts=posts, comments=5, rng=random.Random(19))
    await session.commit()


async def drift(engine: AsyncEngine) -> dict[str, int]:
    """Per declaration, how many kept counts differ from a count of the rows."""
    async with engine.connect() as connection:
        return {
            counts.child: sum(
                [int(await connection.scalar(text(sql)) or 0) for sql in counts.drift()]
            )
            for counts in ALL_COUNTS
        }


def test_usernames_are_unique_by_construction_past_every_first_and_last_name_pair() -> None:
    people = 3 * len(FIRST_NAMES) * len(LAST_NAMES)

    names = [username(index) for index in range(people)]

    assert len(set(names)) == people
    assert names[0] == "ada.lovelace"
    assert display_name(names[-1]) == display_name(names[-1].rstrip("0123456789"))


async def test_every_kept_count_is_exact_after_seeding(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await seeded(session)

    assert await drift(engine) == dict.fromkeys((counts.child for counts in ALL_COUNTS), 0)


async def test_seeding_twice_adds_new_people_and_keeps_the_counts_exact(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await seeded(session, users=10, posts=50)
    await seeded(session, users=10, posts=50)

    assert await session.scalar(select(func.count(func.distinct(User.username)))) == 20
    assert await session.scalar(select(func.count()).select_from(Tag)) == 20
    assert set((await drift(engine)).values()) == {0}


async def test_the_counts_are_kept_by_the_triggers_again_after_seeding(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await seeded(session, users=3, posts=20)
    author = await session.scalar(select(func.min(User.id)))
    total = select(func.sum(PostStats.total))
    before = await session.scalar(total)

    await session.execute(
        insert(Post), [{"title": "t", "content": "c", "user_id": author} | RENDERED]
    )
    await session.commit()

    assert await session.scalar(total) == before + 1
    assert set((await drift(engine)).values()) == {0}


async def test_seeded_posts_are_found_by_their_tags(
    session: AsyncSession, client: AsyncClient
) -> None:
    await seeded(session)
    tagged = (
        select(func.count())
        .select_from(PostTag)
        .join(Tag, Tag.id == PostTag.tag_id)
        .where(Tag.name == "books", PostTag.status == "published")
    )

    found = (await client.get("/api/search", params={"q": "books"})).json()

    assert found["total"] == await session.scalar(tagged)
    assert found["total"] > 0


async def test_seeded_posts_are_rendered_markdown_from_a_few_hundred_bodies(
    session: AsyncSession,
) -> None:
    await seeded(session)
    posts = (await session.execute(select(Post.content, Post.content_html))).all()
    content, html = posts[0]

    assert html == MarkdownRenderer().render(content).html
    assert re.search("<h[2-6] ", html)  # the body's heading
    assert len({content for content, _ in posts}) <= DISTINCT_BODIES


async def test_one_post_in_a_hundred_is_a_draft_and_authors_have_display_names(
    session: AsyncSession,
) -> None:
    await seeded(session)
    drafts = select(func.count()).select_from(Post).where(Post.status == "draft")
    names = select(User.username, User.display_name).order_by(User.id).limit(1)

    assert await session.scalar(drafts) == 400 // DRAFT_EVERY
    assert (await session.execute(names)).one() == ("ada.lovelace", "Ada Lovelace")


async def test_a_seeded_user_signs_in_with_the_demo_password(
    session: AsyncSession, client: AsyncClient
) -> None:
    await seeded(session, users=2, posts=5)

    response = await client.post(
        "/api/users/token", data={"username": "ada.lovelace", "password": DEMO_PASSWORD}
    )

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("posts", [0, 1])
async def test_a_seed_with_no_or_one_post_is_exact_too(
    posts: int, session: AsyncSession, engine: AsyncEngine
) -> None:
    await seeded(session, users=2, posts=posts)

    assert set((await drift(engine)).values()) == {0}
