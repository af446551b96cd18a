"""How much each user may upload: one picture at a time, RATE_LIMIT_PICTURE_UPLOADS_PER_USER
in all. Apart from the login limits (auth.ratelimit): these count per user, not per guess.

One at a time is kept in this process, whose decoders it protects; the rate, in memory or,
with REDIS_URL, in Redis, where every instance of the app draws on the same budget.
"""

import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Self

from limits import parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from inkwell.config import Settings
from inkwell.errors import ServiceUnavailable, TooManyRequests

logger = logging.getLogger(__name__)

NAMESPACE = "picture-upload"
# A picture takes well under a second to process: the second upload may come right after.
BUSY_RETRY_AFTER = 1


class UploadLimits:
    def __init__(self, storage: Storage, rate: str) -> None:
        self._strategy = MovingWindowRateLimiter(storage)
        self._rate = parse_many(rate)
        self._uploading: set[int] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        uri = "async+memory://" if settings.redis_url is None else f"async+{settings.redis_url}"
        storage = storage_from_string(
            uri, key_prefix=settings.rate_limit_key_prefix, wrap_exceptions=True
        )
        assert isinstance(storage, Storage)  # an async+ scheme gives an async storage
        return cls(storage, settings.rate_limit_picture_uploads_per_user)

    async def _one_upload(self, user_id: int) -> AsyncIterator[None]:
        """The user's one upload, spent from the budget; 429 while another of theirs runs
        (that costs no budget) or once the budget is spent."""
        if user_id in self._uploading:
            raise TooManyRequests(
                "Another picture of yours is still being uploaded; wait for it to finish",
                retry_after=BUSY_RETRY_AFTER,
            )
        self._uploading.add(user_id)
        try:
            await self._spend(str(user_id))
            yield
        finally:
            self._uploading.discard(user_id)

    # Not @asynccontextmanager: mutmut mutates no decorated function (make mutation).
    upload = asynccontextmanager(_one_upload)

    async def _spend(self, user: str) -> None:
        try:
            for item in self._rate:
                if not await self._strategy.hit(item, NAMESPACE, user):
                    stats = await self._strategy.get_window_stats(item, NAMESPACE, user)
                    retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                    raise TooManyRequests(
                        "Too many picture uploads; try again later", retry_after=retry_after
                    )
        except StorageError as exc:
            logger.warning("upload limit storage unavailable: %s", exc.storage_error)
            raise ServiceUnavailable("Temporarily unavailable; try again shortly") from exc
