"""Budgets spent in moving windows, for the sign-in, write and upload limits alike.

They are counted in this process's memory or, with REDIS_URL, in Redis (under the site's
key prefix), where every instance of the app draws on the same budget. Past a budget a
request is answered 429 with Retry-After; without its counters (Redis down) it is answered
503 rather than go unlimited: the limits fail closed.
"""

import logging
import math
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from limits import RateLimitItem
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from inkwell.config import Settings
from inkwell.errors import ServiceUnavailable, TooManyRequests


def limit_storage(settings: Settings) -> Storage:
    uri = "async+memory://" if settings.redis_url is None else f"async+{settings.redis_url}"
    storage = storage_from_string(
        uri, key_prefix=settings.rate_limit_key_prefix, wrap_exceptions=True
    )
    assert isinstance(storage, Storage)  # an async+ scheme gives an async storage
    return storage


def seconds_until(moment: float) -> int:
    """A Retry-After for `moment` (a Unix time): whole seconds, never 0, which a client
    would take as leave to retry at once."""
    return max(1, math.ceil(moment - time.time()))


class MovingWindows:
    """Spends from budgets kept in `storage`; logs a failure of the storage to `logger`
    as `<kind> storage unavailable`, so each limit's log names it."""

    def __init__(self, storage: Storage, logger: logging.Logger, kind: str) -> None:
        self._strategy = MovingWindowRateLimiter(storage)
        self._logger = logger
        self._kind = kind

    async def spend(self, budget: Sequence[RateLimitItem], *identity: str, refusal: str) -> None:
        """One of each of the budget's limits for `identity`, or 429 `refusal` with the time
        left in the window of the first one spent."""
        async with self.failing_closed():
            if (spent := await self.refused(budget, *identity)) is not None:
                stats = await self._strategy.get_window_stats(spent, *identity)
                raise TooManyRequests(refusal, retry_after=seconds_until(stats.reset_time))

    async def refused(
        self, budget: Sequence[RateLimitItem], *identity: str
    ) -> RateLimitItem | None:
        """Spends one of each limit in turn; the first one already spent, if any (the storage's
        failures are the caller's to close on)."""
        for limit in budget:
            if not await self._strategy.hit(limit, *identity):
                return limit
        return None

    async def _fail_closed(self) -> AsyncIterator[None]:
        try:
            yield
        except StorageError as exc:
            self._logger.warning("%s storage unavailable: %s", self._kind, exc.storage_error)
            raise ServiceUnavailable("Temporarily unavailable; try again shortly") from exc

    # Not @asynccontextmanager: mutmut mutates no decorated function (make mutation).
    failing_closed = asynccontextmanager(_fail_closed)
