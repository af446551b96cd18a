"""The public generation: a number that changes after every committed write to what anonymous
readers see, the one thing a cached response is checked against.

One number for everything, not a version per page: a like changes the counts on the home
page, the post's page, its author's and its tags' pages and the API's listings; a new
picture changes every page showing its author. Tracking which pages a write touches would
be a second copy of every read's query; a generation is exact by construction, and a
write costs the cache its entries (they are rendered again on the next read).

- This instance: the request's session notes which tables its statements and flushes
  write (`watching_session_class`); after its outermost COMMIT, if any of them is public, the
  local count goes up at once, before the response is sent: the next read here misses.
  Tables that no anonymous read shows (`PRIVATE_TABLES`: sign-in sessions, notifications,
  reports...) do not count. A transaction that rolls back changes nothing.
- Other instances (REDIS_URL): the change is also added to a Redis counter (INCR, right
  after the COMMIT), which every instance reads every CACHE_SYNC_SECONDS. An instance that
  has not read it for twice that long (Redis down or slow) serves and keeps nothing from
  the cache until it reads it again, so another instance's write shows within about
  2 x CACHE_SYNC_SECONDS (at most one second). Increments that failed are sent again
  when Redis answers.
- Without REDIS_URL each process counts alone: exact for one process; `inkwell serve
  --workers N` turns the cache off then (cli.py).
"""

import asyncio
import logging
import math
import re
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from itertools import chain
from typing import Any

import coredis
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

from inkwell.background import repeating
from inkwell.caching.conditional import http_date
from inkwell.caching.config import CacheSettings

logger = logging.getLogger(__name__)

# Written by requests but shown to no anonymous reader.
PRIVATE_TABLES = frozenset(
    {
        "sign_in_sessions",
        "password_reset_tokens",
        "notifications",
        "reports",
        "audit_log",
        "post_pictures",
        "post_picture_uses",
        "media_deletions",
    }
)
_WRITTEN = "inkwell.written_tables"
_UNKNOWN = "?"  # a textual statement that writes: which table is not known
_TEXTUAL_WRITE = re.compile(r"\s*(insert|update|delete|merge|with)\b", re.IGNORECASE)


class PublicGeneration:
    """The current generation is `(local, shared)`: this process's count of public writes and
    the last value read of the Redis counter (0 without Redis). `changed_at` is when this
    process last saw it change (its start, at first): an upper bound of when anything an
    anonymous reader sees last changed, for Last-Modified."""

    def __init__(self, redis: "coredis.Redis[bytes] | None", key: str, sync_seconds: float) -> None:
        self._redis = redis
        self._key = key
        self._sync_seconds = sync_seconds
        self.local = 0
        self.shared = 0
        self.changed_at = time.time()
        self._synced_at = -math.inf
        self._unpublished = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._listeners: list[Callable[[], None]] = []

    @classmethod
    def from_settings(
        cls, redis_url: str | None, key: str, sync_seconds: float
    ) -> "PublicGeneration":
        redis = None
        if redis_url is not None:
            redis = coredis.Redis.from_url(
                redis_url, connect_timeout=sync_seconds, stream_timeout=sync_seconds
            )
        return cls(redis, key, sync_seconds)

    @classmethod
    def for_settings(cls, settings: CacheSettings, redis_url: str | None) -> "PublicGeneration":
        """The generation every instance sharing `redis_url` and the key prefix counts."""
        key = f"{settings.cache_key_prefix}generation"
        return cls.from_settings(redis_url, key, settings.cache_sync_seconds)

    def current(self) -> tuple[int, int]:
        return (self.local, self.shared)

    def shared_through_redis(self) -> bool:
        return self._redis is not None

    def fresh(self) -> bool:
        """Whether the generation is known to be current: always alone; with Redis, when
        it was read at most two sync periods ago."""
        if self._redis is None:
            return True
        return time.monotonic() - self._synced_at <= 2 * self._sync_seconds

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        """A public write committed here: called right after its COMMIT."""
        self.local += 1
        self._note_change()
        if self._redis is not None:
            self._unpublished += 1
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop to publish from: the next sync sends it
                return
            task = loop.create_task(self._publish())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _note_change(self) -> None:
        self.changed_at = time.time()
        for listener in self._listeners:
            listener()

    async def _publish(self) -> None:
        assert self._redis is not None
        count, self._unpublished = self._unpublished, 0
        if count == 0:
            return
        try:
            value = await self._redis.incrby(self._key, count)
        except (coredis.exceptions.RedisError, OSError) as exc:
            self._unpublished += count
            logger.warning("could not publish a cache invalidation to Redis: %s", exc)
            return
        # Only ours since the last read: the local count already invalidated for it. A
        # smaller value answers a publish overtaken by a later one: nothing new.
        if value == self.shared + count:
            self.shared = value
        elif value > self.shared:
            self._adopt(value)

    def _adopt(self, shared: int) -> None:
        if shared != self.shared:
            self.shared = shared
            self._note_change()

    async def sync(self) -> None:
        """Reads the shared counter once (and sends increments that failed before)."""
        if self._redis is None:
            return
        try:
            if self._unpublished:
                await self._publish()
            value = await self._redis.get(self._key)
        except (coredis.exceptions.RedisError, OSError) as exc:
            if self.fresh():
                logger.warning("the anonymous cache is bypassed: Redis does not answer (%s)", exc)
            return
        self._adopt(int(value or 0))
        self._synced_at = time.monotonic()

    def syncing(self) -> AbstractAsyncContextManager[None]:
        """Syncs every CACHE_SYNC_SECONDS while open. An unforeseen failure is logged and the
        cache bypassed (it goes stale), not the syncing ended."""
        failure = "reading the shared cache generation failed"
        return repeating(self.sync, every=self._sync_seconds, logger=logger, failure=failure)

    async def announce(self) -> None:
        """A public write committed outside any server (the command line): sent at once, so
        that the servers sharing the counter drop their cached responses at their next
        sync. Without Redis no server can be told: their entries expire by themselves
        (ANONYMOUS_CACHE_SECONDS)."""
        self.changed()
        await asyncio.gather(*self._tasks)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._redis is not None:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def last_modified(changed_at: float, rendered_at: float) -> str | None:
    """Last-Modified for a representation rendered at `rendered_at` (time.time(), when the
    request began) while the generation had last changed at `changed_at`: that moment,
    rounded up to the whole second an HTTP date can say. None when that second had not
    ended when the request began: a later change within the same second would carry the
    same date, and If-Modified-Since could not tell the two representations apart."""
    second = math.ceil(changed_at)
    if second > rendered_at:
        return None
    return http_date(datetime.fromtimestamp(second, UTC))


def watching_session_class(changed: Callable[[], None]) -> type[Session]:
    """A Session class of its own (one app's, so another app in the process is not
    watched) that calls `changed` after each outermost COMMIT of a transaction that wrote a
    table outside PRIVATE_TABLES. Statements (Core or ORM) and flushes are both seen."""

    class WatchedSession(Session):
        pass

    def note(session: Session, table: str) -> None:
        session.info.setdefault(_WRITTEN, set()).add(table)

    def flushed(session: Session, _: Any) -> None:
        for instance in chain(session.new, session.dirty, session.deleted):
            note(session, inspect(instance).mapper.local_table.name)

    def executed(state: ORMExecuteState) -> None:
        statement = state.statement
        if isinstance(statement, UpdateBase):  # INSERT, UPDATE or DELETE
            note(state.session, getattr(statement.table, "name", _UNKNOWN))
        elif isinstance(statement, TextClause) and _TEXTUAL_WRITE.match(statement.text):
            note(state.session, _UNKNOWN)

    def committed(session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint's RELEASE: nothing is durable yet
            return
        written = session.info.pop(_WRITTEN, set())
        if written - PRIVATE_TABLES:
            changed()

    def ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(_WRITTEN, None)

    event.listen(WatchedSession, "after_flush", flushed)
    event.listen(WatchedSession, "do_orm_execute", executed)
    event.listen(WatchedSession, "after_commit", committed)
    event.listen(WatchedSession, "after_transaction_end", ended)
    return WatchedSession
