"""Suspending a user beside writes under way, on PostgreSQL: the locks the suspension takes on
the follow counts of whom the user follows and of who follows them. SQLite has one writer at
a time: there, nothing waits on a row and nothing can deadlock."""

import asyncio

import pytest
from sqlalchemy import Update, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import InstrumentedAttribute

from inkwell.db import create_sessionmaker
from inkwell.follows import service as follows
from inkwell.moderation import service as moderation
from inkwell.users import service as users
from inkwell.users.models import User
from tests.factories import Factory
from tests.follows.test_follows_api import kept_counts
from tests.locks import until_done_or_waiting_for_a_lock


@pytest.fixture(autouse=True)
def postgresql_only(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: no row lock to wait for or deadlock over")


class People:
    def __init__(self, admin: User, earlier: User, later: User, suspended: User) -> None:
        self.admin, self.earlier, self.later, self.suspended = admin, earlier, later, suspended


@pytest.fixture
async def people(factory: Factory) -> People:
    """Two users, the earlier created (and numbered) first, and the one to be suspended."""
    admin = await factory.user("admin", role="admin")
    return People(
        admin,
        await factory.user("earlier"),
        await factory.user("later"),
        await factory.user("suspended"),
    )


async def follow(engine: AsyncEngine, follower: User, followed: User) -> None:
    async with create_sessionmaker(engine).begin() as session:
        await follows.follow(session, follower.id, followed.id)


async def suspend(engine: AsyncEngine, people: People) -> None:
    async with create_sessionmaker(engine).begin() as session:
        admin = await session.get_one(User, people.admin.id)
        await moderation.suspend(session, admin, people.suspended.id)


def count_change(user: User, count: InstrumentedAttribute[int]) -> Update:
    return update(User).where(User.id == user.id).values({count: count + 1})


@pytest.mark.parametrize("they_follow", ["the later", "the earlier"])
async def test_a_suspension_and_a_follow_under_way_take_the_counts_in_one_order(
    engine: AsyncEngine, people: People, they_follow: str
) -> None:
    """A follow's triggers change the counts of its two users in id order. The suspended user
    follows one of the two and is followed by the other: the suspension locks both counts in
    the same order before changing either, so one of the two transactions waits for the
    other, never each for the other (a deadlock, which PostgreSQL ends by failing one)."""
    followed, follower = (
        (people.later, people.earlier)
        if they_follow == "the later"
        else (people.earlier, people.later)
    )
    await follow(engine, people.suspended, followed)
    await follow(engine, follower, people.suspended)

    async with engine.connect() as follow_under_way:
        await follow_under_way.execute(count_change(people.earlier, User.following_count))
        suspension = asyncio.create_task(suspend(engine, people))
        await until_done_or_waiting_for_a_lock(engine, suspension)
        assert not suspension.done()  # it waits for the earlier's count
        await follow_under_way.execute(count_change(people.later, User.follower_count))
        await follow_under_way.rollback()
    await suspension

    assert await kept_counts(engine) == {
        people.admin.id: (0, 0),
        people.earlier.id: (0, 0),
        people.later.id: (0, 0),
        people.suspended.id: (1, 1),  # their own counts stay while they are suspended
    }


@pytest.mark.parametrize("writer", ["whom they follow", "who follows them"])
async def test_a_suspension_does_not_wait_for_a_write_of_their_follows_to_commit(
    engine: AsyncEngine, people: People, writer: str
) -> None:
    """A write holds its writer active until it commits (users.hold_writer, FOR KEY SHARE).
    The suspension changes that writer's follow count, not their key: it goes ahead."""
    if writer == "whom they follow":
        await follow(engine, people.suspended, people.earlier)
    else:
        await follow(engine, people.earlier, people.suspended)

    async with create_sessionmaker(engine)() as writing:
        await users.hold_writer(writing, people.earlier.id)
        suspension = asyncio.create_task(suspend(engine, people))
        await until_done_or_waiting_for_a_lock(engine, suspension)
        assert suspension.done()
        await writing.rollback()
    await suspension
    assert (await kept_counts(engine))[people.earlier.id] == (0, 0)  # the follow taken out
