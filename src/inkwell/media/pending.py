"""Storage changes that follow the request's database transaction, so nothing is left half-done.

The picture is stored before the row points at it; which object goes afterwards depends on
whether the request committed: the replaced one if it did, the new one if it did not.
"""

import logging

from inkwell.media.storage import Storage, StorageUnavailable

logger = logging.getLogger(__name__)


class PendingMedia:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._stored: list[str] = []
        self._superseded: list[str] = []

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        """Stores `key` for this request: removed again if the request fails."""
        await self._storage.save(key, data, content_type)
        self._stored.append(key)

    def supersede(self, key: str) -> None:
        """`key` is no longer referenced once the request commits: removed then."""
        self._superseded.append(key)

    async def settle(self, *, committed: bool) -> None:
        for key in self._superseded if committed else self._stored:
            try:
                await self._storage.delete(key)
            except StorageUnavailable:
                logger.error("orphaned media object %s: delete it by hand", key)
