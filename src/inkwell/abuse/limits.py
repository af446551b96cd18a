"""Per-account limits on writes: each account spends from its own budget for each kind of
write (abuse/config.py), in memory or, with REDIS_URL, in Redis, where every instance of
the app draws on the same budget. Past it the write is answered 429 with Retry-After.

Like the sign-in limits, they fail closed: without Redis, a limited write answers 503
rather than go unlimited.
"""

import logging
import math
import time
from typing import Self

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from inkwell.abuse.config import WRITES, WriteLimitSettings, setting_of
from inkwell.config import Settings
from inkwell.errors import ServiceUnavailable, TooManyRequests

logger = logging.getLogger(__name__)

NAMESPACE = "write"


class WriteLimits:
    def __init__(self, storage: Storage, settings: WriteLimitSettings) -> None:
        self._strategy = MovingWindowRateLimiter(storage)
        self._budgets: dict[str, list[RateLimitItem]] = {
            write: parse_many(getattr(settings, setting_of(write))) for write in WRITES
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        uri = "async+memory://" if settings.redis_url is None else f"async+{settings.redis_url}"
        storage = storage_from_string(
            uri, key_prefix=settings.rate_limit_key_prefix, wrap_exceptions=True
        )
        assert isinstance(storage, Storage)  # an async+ scheme gives an async storage
        return cls(storage, settings)

    async def spend(self, write: str, user_id: int) -> None:
        """One `write` by the user, or 429 once their budget for it is spent."""
        identity = (NAMESPACE, write, str(user_id))
        try:
            for item in self._budgets[write]:
                if not await self._strategy.hit(item, *identity):
                    stats = await self._strategy.get_window_stats(item, *identity)
                    retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                    raise TooManyRequests(
                        f"Too many {write} from your account; try again later",
                        retry_after=retry_after,
                    )
        except StorageError as exc:
            logger.warning("write limit storage unavailable: %s", exc.storage_error)
            raise ServiceUnavailable("Temporarily unavailable; try again shortly") from exc
