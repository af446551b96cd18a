"""Where a comment sits among its post's comments, as their pages list them (oldest first,
the id breaking ties): how many come before it, the page that shows it, and the position a
page by cursor starts from. Comments written out of id order, some in the same instant,
beside another post's comments written between them; on both databases."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.comments import service as comments
from inkwell.comments.models import Comment
from inkwell.config import Settings
from inkwell.db import Reader
from tests.factories import Factory

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Seconds after T0, in the order of the comments' ids: the post's, then the other post's.
ON_THE_POST = [3, 1, 1, 2, 3, 0]
ON_THE_OTHER_POST = [0, 0, 2.5]


@dataclass(frozen=True)
class Conversation:
    post_id: Any
    listed: list[Comment]  # the post's comments, as its pages list them
    elsewhere: list[Comment]  # the other post's, in id order


@pytest.fixture
async def conversation(
    factory: Factory, engine: AsyncEngine, session: AsyncSession
) -> Conversation:
    author = await factory.user("author")
    post_id, other_id = [(await factory.post(author))["id"] for _ in range(2)]
    rows = [(post_id, seconds) for seconds in ON_THE_POST]
    rows += [(other_id, seconds) for seconds in ON_THE_OTHER_POST]
    async with engine.begin() as connection:
        for n, (on, seconds) in enumerate(rows):
            moment = T0 + timedelta(seconds=seconds)
            await connection.execute(
                insert(Comment).values(
                    post_id=on,
                    user_id=author.id,
                    body=f"c{n}",
                    body_html=f"<p>c{n}</p>",
                    created_at=moment,
                    updated_at=moment,
                )
            )
    listed = await session.scalars(
        select(Comment).where(Comment.post_id == post_id).order_by(Comment.created_at, Comment.id)
    )
    elsewhere = await session.scalars(
        select(Comment).where(Comment.post_id == other_id).order_by(Comment.id)
    )
    return Conversation(post_id, list(listed), list(elsewhere))


@pytest.fixture
async def db_reader(settings: Settings) -> AsyncIterator[Reader]:
    reader = Reader.from_settings(settings)
    yield reader
    await reader.dispose()


def test_the_comments_are_written_out_of_id_order(conversation: Conversation) -> None:
    """What the tests below stand on: listing order is not id order, and ties are broken."""
    ids = [comment.id for comment in conversation.listed]
    assert ids != sorted(ids)
    assert len({comment.created_at for comment in conversation.listed}) < len(ids)


async def test_a_comment_has_those_listed_before_it_before_it(
    session: AsyncSession, conversation: Conversation
) -> None:
    counted = [await comments.comments_before(session, c) for c in conversation.listed]
    assert counted == list(range(len(conversation.listed)))


@pytest.mark.parametrize("per_page", [1, 2, 4])
async def test_a_comment_is_on_the_page_its_place_in_the_listing_says(
    db_reader: Reader, conversation: Conversation, per_page: int
) -> None:
    pages = [
        await comments.page_showing(db_reader, conversation.post_id, c.id, per_page=per_page)
        for c in conversation.listed
    ]
    assert pages == [place // per_page * per_page for place in range(len(conversation.listed))]


async def test_a_comment_under_another_post_is_on_the_first_page(
    db_reader: Reader, conversation: Conversation
) -> None:
    """The other post's last comment has two before it there: none of them count here."""
    last = conversation.elsewhere[-1]
    assert await comments.page_showing(db_reader, conversation.post_id, last.id, per_page=1) == 0


async def test_the_page_that_starts_with_a_comment_starts_after_the_one_listed_before_it(
    session: AsyncSession, db_reader: Reader, conversation: Conversation
) -> None:
    listed = conversation.listed
    for before, comment in pairwise(listed):
        position = await comments.position_before(session, comment)
        assert position == (before.created_at, before.id), comment.body
        page = await comments.list_comments(
            db_reader, conversation.post_id, skip=0, limit=1, after=position
        )
        assert [shown["id"] for shown in page.comments] == [comment.id]


async def test_the_position_s_order_is_total_in_the_query_not_left_to_the_plan(
    engine: AsyncEngine, session: AsyncSession, conversation: Conversation
) -> None:
    """Comments of one instant come in id order from the (post_id, created_at, id) index, so
    only the statement can show that the id breaks the tie whatever the plan."""
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await comments.position_before(session, conversation.listed[-1])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    (statement,) = [sql for sql in statements if "ORDER BY" in sql]
    order = " ".join(statement.split("ORDER BY")[1].split())
    assert order.startswith("comments.created_at DESC, comments.id DESC LIMIT")
