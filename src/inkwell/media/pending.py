"""Storage changes that follow the request's database transaction, so nothing is left half-done.

The picture is stored before the row points at it. What the transaction really did decides
which object goes (inkwell.transactions): the replaced one if it committed, the new one if it
did not (an error, a rollback, a failed COMMIT).
"""

import logging
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.media.storage import Storage, StorageUnavailable
from inkwell.transactions import after_commit, after_rollback

logger = logging.getLogger(__name__)


class PendingMedia:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def save(self, session: AsyncSession, key: str, data: bytes, content_type: str) -> None:
        """Stores `key`: removed again unless `session`'s transaction commits."""
        await self._storage.save(key, data, content_type)
        after_rollback(session, partial(self._delete, key))

    def supersede(self, session: AsyncSession, key: str) -> None:
        """`key` is no longer referenced once `session`'s transaction commits: removed then."""
        after_commit(session, partial(self._delete, key))

    async def _delete(self, key: str) -> None:
        try:
            await self._storage.delete(key)
        except StorageUnavailable:
            logger.error("orphaned media object %s: delete it by hand", key)
