"""What changes the public generation: a COMMIT that wrote a table anonymous readers see.
A rollback, a savepoint, or a write only to private tables (sign-in sessions,
notifications...) does not. Run on both databases."""

import asyncio
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import coredis
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inkwell.auth.models import SignInSession
from inkwell.caching import generation
from inkwell.caching.generation import PublicGeneration, last_modified, watching_session_class
from inkwell.caching.middleware import AnonymousCache
from inkwell.caching.store import ResponseStore
from inkwell.db import create_sessionmaker
from inkwell.media.models import PostPicture
from inkwell.users.models import User
from tests.factories import Factory

Sessions = async_sessionmaker[AsyncSession]


class Changes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def changes() -> Changes:
    return Changes()


@pytest.fixture
def sessions(engine: AsyncEngine, changes: Changes) -> Sessions:
    return create_sessionmaker(engine, watching_session_class(changes))


async def test_a_committed_flush_to_a_public_table_changes_it(
    sessions: Sessions,
    changes: Changes,
    factory: Factory,
) -> None:
    user = await factory.user("ada")
    async with sessions.begin() as session:
        loaded = await session.get_one(User, user.id)
        loaded.bio = "New words"

    assert changes.count == 1


async def test_a_committed_statement_to_a_public_table_changes_it(
    sessions: Sessions,
    changes: Changes,
    factory: Factory,
) -> None:
    user = await factory.user("ada")
    async with sessions.begin() as session:
        await session.execute(update(User).where(User.id == user.id).values(bio="Hi"))

    assert changes.count == 1


async def test_a_textual_write_changes_it(sessions: Sessions, changes: Changes) -> None:
    async with sessions.begin() as session:
        await session.execute(text("UPDATE users SET bio = 'x' WHERE id = 0"))

    assert changes.count == 1


async def test_a_rolled_back_write_does_not(
    sessions: Sessions,
    changes: Changes,
    factory: Factory,
) -> None:
    user = await factory.user("ada")
    async with sessions() as session:
        await session.execute(update(User).where(User.id == user.id).values(bio="Hi"))
        await session.rollback()
        await session.commit()  # a new, empty transaction

    assert changes.count == 0


async def test_reads_alone_do_not(sessions: Sessions, changes: Changes) -> None:
    async with sessions.begin() as session:
        await session.execute(select(User))
        await session.execute(text("SELECT 1"))

    assert changes.count == 0


async def test_a_savepoint_decides_nothing_before_the_commit(
    sessions: Sessions,
    changes: Changes,
    factory: Factory,
) -> None:
    user = await factory.user("ada")
    async with sessions() as session:
        async with session.begin_nested():
            await session.execute(update(User).where(User.id == user.id).values(bio="Hi"))
        assert changes.count == 0
        await session.commit()

    assert changes.count == 1


async def test_a_write_to_private_tables_only_does_not(
    sessions: Sessions, changes: Changes
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(SignInSession).where(SignInSession.id == "none").values(device="d")
        )

    assert changes.count == 0


async def test_recording_a_picture_uploaded_for_a_post_does_not(
    sessions: Sessions, changes: Changes, factory: Factory
) -> None:
    """Its post shows it once the post links to it: that write is the public one."""
    user = await factory.user("ada")
    async with sessions.begin() as session:
        session.add(PostPicture(key=f"posts/{'a' * 32}.webp", user_id=user.id))

    assert changes.count == 0


def test_last_modified_is_the_change_rounded_up_to_its_second() -> None:
    changed = datetime(2026, 11, 30, 8, 0, 0, tzinfo=UTC).timestamp() - 0.75

    assert last_modified(changed, changed + 10) == "Mon, 30 Nov 2026 08:00:00 GMT"
    assert last_modified(changed, changed + 0.5) is None  # that second had not ended


def test_a_request_begun_as_the_second_of_the_change_ends_has_its_last_modified() -> None:
    second = datetime(2026, 11, 30, 8, 0, 0, tzinfo=UTC).timestamp()

    assert last_modified(second - 0.75, second) == "Mon, 30 Nov 2026 08:00:00 GMT"


class FakeRedis:
    """A counter that can be made to fail, as coredis fails."""

    def __init__(self) -> None:
        self.value = 0
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise coredis.exceptions.ConnectionError("down")

    async def incrby(self, _: str, count: int) -> int:
        await asyncio.sleep(0)  # on its way, as over a connection
        self._check()
        self.value += count
        return self.value

    async def get(self, _: str) -> bytes | None:
        self._check()
        return str(self.value).encode()


def shared(redis: FakeRedis, sync_seconds: float = 0.25) -> PublicGeneration:
    return PublicGeneration(redis, "key", sync_seconds)  # type: ignore[arg-type]


async def test_another_instance_s_write_changes_the_generation_at_the_next_sync() -> None:
    redis = FakeRedis()
    here, there = shared(redis), shared(redis)
    await here.sync()
    before = here.current()

    there.changed()
    await asyncio.gather(*there._tasks)
    await here.sync()

    assert here.current() != before


def test_each_write_makes_a_new_generation() -> None:
    alone = PublicGeneration(None, "key", 0.25)
    seen = {alone.current()}

    for _ in range(3):
        alone.changed()
        seen.add(alone.current())

    assert len(seen) == 4


async def test_a_first_read_of_a_counter_no_one_moved_is_no_change() -> None:
    here = shared(FakeRedis())
    changes = Changes()
    here.on_change(changes)

    await here.sync()

    assert (here.current(), changes.count) == ((0, 0), 0)


async def test_writes_made_before_their_increment_is_sent_are_all_sent() -> None:
    redis = FakeRedis()
    here = shared(redis)

    here.changed()
    here.changed()
    await asyncio.gather(*here._tasks)

    assert redis.value == 2


async def test_an_instance_s_own_increment_is_not_a_second_change() -> None:
    here = shared(FakeRedis())
    changes = Changes()
    here.on_change(changes)

    here.changed()
    await asyncio.gather(*here._tasks)

    assert (here.current(), changes.count) == ((1, 1), 1)


async def test_another_instance_s_increment_answered_with_one_s_own_is_a_change() -> None:
    """Redis answers an increment with the counter's new value: one more than ours means
    another instance wrote meanwhile, and its write shows here at once."""
    redis = FakeRedis()
    here, there = shared(redis), shared(redis)
    changes = Changes()
    here.on_change(changes)
    there.changed()
    await asyncio.gather(*there._tasks)

    here.changed()
    await asyncio.gather(*here._tasks)

    assert (here.current(), changes.count) == ((1, 2), 2)


async def test_every_increment_that_failed_is_sent_at_the_next_sync() -> None:
    """Two writes whose increments were both in flight when Redis failed: both are sent."""
    redis = FakeRedis()
    here = shared(redis)
    redis.down = True
    here.changed()
    await asyncio.sleep(0)  # the first increment is on its way
    here.changed()
    await asyncio.gather(*here._tasks)
    assert redis.value == 0

    redis.down = False
    await here.sync()

    assert redis.value == 2


async def test_an_increment_that_failed_is_logged_with_its_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redis = FakeRedis()
    here = shared(redis)
    redis.down = True

    with caplog.at_level(logging.WARNING, logger="inkwell.caching.generation"):
        here.changed()
        await asyncio.gather(*here._tasks)

    assert [record.getMessage() for record in caplog.records] == [
        "could not publish a cache invalidation to Redis: down"
    ]


class StalledRedis(FakeRedis):
    """An increment that never comes back."""

    async def incrby(self, _: str, count: int) -> int:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_closing_cancels_the_increments_in_flight_and_waits_for_them() -> None:
    here = shared(StalledRedis())
    here.changed()
    publishing = list(here._tasks)
    await asyncio.sleep(0)  # the increment is sent, and waits for its answer

    await here.close()

    assert [task.cancelled() for task in publishing] == [True]


async def test_without_a_recent_read_of_redis_the_generation_is_not_fresh() -> None:
    redis = FakeRedis()
    here = shared(redis, sync_seconds=0.01)
    assert not here.fresh()  # never read
    await here.sync()
    assert here.fresh()

    redis.down = True
    await asyncio.sleep(0.03)
    await here.sync()

    assert not here.fresh()


class Clock:
    """The generation's time.monotonic, standing still until moved (its time.time runs)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    standing = SimpleNamespace(monotonic=clock.monotonic, time=time.time)
    monkeypatch.setattr(generation, "time", standing)
    return clock


async def test_a_read_of_redis_keeps_the_generation_fresh_for_two_sync_periods(
    clock: Clock,
) -> None:
    here = shared(FakeRedis(), sync_seconds=0.25)
    await here.sync()

    clock.now += 0.5
    assert here.fresh()
    clock.now += 0.001
    assert not here.fresh()


async def test_a_read_that_fails_while_fresh_is_logged_once_with_its_error(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    redis = FakeRedis()
    here = shared(redis, sync_seconds=0.25)
    await here.sync()
    redis.down = True

    with caplog.at_level(logging.WARNING, logger="inkwell.caching.generation"):
        await here.sync()
        clock.now += 1
        await here.sync()  # stale by now: bypassed already, nothing new to say

    assert [record.getMessage() for record in caplog.records] == [
        "the anonymous cache is bypassed: Redis does not answer (down)"
    ]


async def test_while_syncing_another_instance_s_write_is_read_within_a_period() -> None:
    redis = FakeRedis()
    here, there = shared(redis, sync_seconds=0.01), shared(redis, sync_seconds=0.01)

    async with here.syncing():
        there.changed()
        await asyncio.gather(*there._tasks)
        async with asyncio.timeout(1):
            while here.current() != (0, 1):
                await asyncio.sleep(0.01)


class SurprisingRedis(FakeRedis):
    """A first read that fails as no one foresaw."""

    def __init__(self) -> None:
        super().__init__()
        self.surprised = False

    async def get(self, key: str) -> bytes | None:
        if not self.surprised:
            self.surprised = True
            raise RuntimeError("surprise")
        return await super().get(key)


async def test_an_unforeseen_failure_of_a_read_is_logged_and_the_reads_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redis = SurprisingRedis()
    redis.value = 3
    here = shared(redis, sync_seconds=0.01)

    with caplog.at_level(logging.ERROR, logger="inkwell.caching.generation"):
        async with here.syncing(), asyncio.timeout(1):
            while here.current() != (0, 3):
                await asyncio.sleep(0.01)

    [record] = caplog.records
    assert record.getMessage() == "reading the shared cache generation failed"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


async def test_serving_with_redis_reads_the_shared_generation_before_any_request() -> None:
    redis = FakeRedis()
    redis.value = 4
    cache = AnonymousCache(ResponseStore(10_000), shared(redis), 60, "public")

    async with cache.syncing():
        assert (cache.generation.current(), cache.generation.fresh()) == ((0, 4), True)


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A server that takes connections (its kernel does) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as server:
        host, port = server.getsockname()
        yield f"redis://{host}:{port}/0"


@pytest.fixture
def unreachable_redis() -> Iterator[str]:
    """A server whose backlog is full: a connection to it is never made (its SYN dropped)."""
    with socket.create_server(("127.0.0.1", 0), backlog=0) as server:
        host, port = server.getsockname()
        with socket.create_connection((host, port)):
            yield f"redis://{host}:{port}/0"


@pytest.mark.slow
@pytest.mark.parametrize("redis", ["silent_redis", "unreachable_redis"])
async def test_a_redis_that_does_not_answer_fails_a_read_within_the_sync_period(
    redis: str, request: pytest.FixtureRequest
) -> None:
    here = PublicGeneration.from_settings(request.getfixturevalue(redis), "key", 0.2)

    async with asyncio.timeout(5):
        await here.sync()

    assert not here.fresh()
