"""Storage changes that follow the request's database transaction, so nothing is left half-done.

The picture is stored before the row points at it. Once the request is over, what the
transaction really did decides which object goes: the replaced one if it committed, the new
one if it did not (an error, a rollback, a failed COMMIT).
"""

import logging

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from inkwell.media.storage import Storage, StorageUnavailable

logger = logging.getLogger(__name__)


class PendingMedia:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._stored: list[str] = []
        self._superseded: list[str] = []
        self._committed = False

    def follow(self, session: AsyncSession) -> None:
        """Settle by this session's outcome: a COMMIT that went through, not a request that
        merely did not raise."""
        sync_session = session.sync_session
        if not event.contains(sync_session, "after_commit", self._on_commit):
            event.listen(sync_session, "after_commit", self._on_commit)

    def _on_commit(self, _: Session) -> None:
        self._committed = True

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        """Stores `key` for this request: removed again unless the transaction commits."""
        await self._storage.save(key, data, content_type)
        self._stored.append(key)

    def supersede(self, key: str) -> None:
        """`key` is no longer referenced once the transaction commits: removed then."""
        self._superseded.append(key)

    async def settle(self) -> None:
        for key in self._superseded if self._committed else self._stored:
            try:
                await self._storage.delete(key)
            except StorageUnavailable:
                logger.error("orphaned media object %s: delete it by hand", key)
