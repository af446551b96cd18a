"""How much each user may upload: one picture at a time, RATE_LIMIT_PICTURE_UPLOADS_PER_USER
in all. Apart from the login limits (auth.ratelimit): these count per user, not per guess.

One at a time is kept in this process, whose decoders it protects; the rate, in memory or,
with REDIS_URL, in Redis, where every instance of the app draws on the same budget.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Self

from limits import parse_many
from limits.aio.storage import Storage

from inkwell.errors import TooManyRequests
from inkwell.media.config import MediaSettings
from inkwell.rate_limits import MovingWindows

logger = logging.getLogger(__name__)

NAMESPACE = "picture-upload"
# A picture takes well under a second to process: the second upload may come right after.
BUSY_RETRY_AFTER = 1


class UploadLimits:
    def __init__(self, storage: Storage, rate: str) -> None:
        self._windows = MovingWindows(storage, logger, "upload limit")
        self._rate = parse_many(rate)
        self._uploading: set[int] = set()

    @classmethod
    def from_settings(cls, settings: MediaSettings, storage: Storage) -> Self:
        return cls(storage, settings.rate_limit_picture_uploads_per_user)

    async def _one_upload(self, user_id: int) -> AsyncIterator[None]:
        """The user's one upload, spent from the budget; 429 while another of theirs runs
        (that costs no budget) or once the budget is spent."""
        if user_id in self._uploading:
            raise TooManyRequests(
                "Another picture of yours is still being uploaded",
                retry_after=BUSY_RETRY_AFTER,
            )
        self._uploading.add(user_id)
        try:
            await self._windows.spend(
                self._rate,
                NAMESPACE,
                str(user_id),
                refusal="Too many picture uploads",
            )
            yield
        finally:
            self._uploading.discard(user_id)

    # Not @asynccontextmanager: mutmut mutates no decorated function (make mutation).
    upload = asynccontextmanager(_one_upload)
