"""Storage changes that follow the request's database transaction, so nothing is left half-done.

The picture is stored before the row points at it. What the transaction really did decides
which object goes (inkwell.transactions): the replaced one if it committed, the new one if it
did not (an error, a rollback, a failed COMMIT).

An object to delete is first recorded (`media_deletions`), in the transaction that stops
naming it, so a rollback forgets it too; the record goes once the object has. A deletion the
store fails (S3 down) leaves its record, which `inkwell media sweep` tries again (`retry`):
no object stays online with nothing that remembers it.
"""

import asyncio
import logging
from collections.abc import Collection, Sequence
from functools import partial

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.db import dialect_insert
from inkwell.media.models import MediaDeletion
from inkwell.media.storage import Storage, StorageUnavailable
from inkwell.transactions import after_commit, after_rollback

logger = logging.getLogger(__name__)


async def record_deletions(session: AsyncSession, keys: Collection[str]) -> None:
    """Records `keys` for deletion in `session`'s transaction, in one statement. A key that
    two transactions stop naming at once (an account deleted while its picture is removed)
    is recorded once."""
    records = await dialect_insert(session, MediaDeletion)
    await session.execute(
        records.values([{"key": key} for key in sorted(keys)]).on_conflict_do_nothing()
    )


class PendingMedia:
    """The store's changes, tied to transactions; `sessions` open the short transactions
    that follow one (a record removed, or a record of a new object the store kept)."""

    def __init__(self, storage: Storage, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._storage = storage
        self._sessions = sessions

    async def save(self, session: AsyncSession, key: str, data: bytes, content_type: str) -> None:
        """Stores `key`: removed again unless `session`'s transaction commits."""
        await self._storage.save(key, data, content_type)
        after_rollback(session, partial(self._undo_save, key))

    async def supersede(self, session: AsyncSession, keys: Collection[str]) -> None:
        """`keys` are no longer referenced once `session`'s transaction commits: recorded in
        it, deleted once it has committed. No key, no statement."""
        if keys:
            await record_deletions(session, keys)
            after_commit(session, partial(self._delete, tuple(keys)))

    async def retry(self, *, batch_size: int) -> tuple[int, int]:
        """Tries every recorded deletion again, a batch at a time in the order of their keys;
        an object already missing counts as deleted. Answers how many were tried, and how
        many deleted (the others stay recorded)."""
        tried = deleted = 0
        after = ""
        while True:
            async with self._sessions() as session:
                keys = (
                    await session.scalars(
                        select(MediaDeletion.key)
                        .where(MediaDeletion.key > after)
                        .order_by(MediaDeletion.key)
                        .limit(batch_size)
                    )
                ).all()
            tried += len(keys)
            deleted += await self._delete(keys)
            if len(keys) < batch_size:
                return tried, deleted
            after = keys[-1]

    async def _delete(self, keys: Sequence[str]) -> int:
        """Deletes the objects, then the records of those gone; answers how many went. All
        at once, as many at a time as the store's threads take (S3: its connections): one
        after another, each of a sweep's 500 would wait out the last one's time-outs (three
        tries of 5 s each) during an outage."""
        deleted = await asyncio.gather(*(self._deleted(key) for key in keys))
        gone = [key for key, done in zip(keys, deleted, strict=True) if done]
        if gone:
            async with self._sessions.begin() as session:
                await session.execute(delete(MediaDeletion).where(MediaDeletion.key.in_(gone)))
        return len(gone)

    async def _deleted(self, key: str) -> bool:
        try:
            await self._storage.delete(key)
        except StorageUnavailable:
            logger.warning("media object %s not deleted: recorded for `inkwell media sweep`", key)
            return False
        return True

    async def _undo_save(self, key: str) -> None:
        """The request's transaction is over: a record of an object the store kept is
        written in one of its own, if the database takes it."""
        if await self._deleted(key):
            return
        try:
            async with self._sessions.begin() as session:
                await record_deletions(session, [key])
        except SQLAlchemyError:
            logger.exception("orphaned media object %s: delete it by hand", key)
