"""Per-account limits on writes: each account spends from its own budget for each kind of
write (abuse/config.py), in memory or, with REDIS_URL, in Redis, where every instance of
the app draws on the same budget. Past it the write is answered 429 with Retry-After.

Like the sign-in limits, they fail closed: without Redis, a limited write answers 503
rather than go unlimited.
"""

import logging
from typing import Self

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage

from inkwell.abuse.config import WRITES, WriteLimitSettings, setting_of
from inkwell.rate_limits import MovingWindows

logger = logging.getLogger(__name__)

NAMESPACE = "write"


class WriteLimits:
    def __init__(self, storage: Storage, settings: WriteLimitSettings) -> None:
        self._windows = MovingWindows(storage, logger, "write limit")
        self._budgets: dict[str, list[RateLimitItem]] = {
            write: parse_many(getattr(settings, setting_of(write))) for write in WRITES
        }

    @classmethod
    def from_settings(cls, settings: WriteLimitSettings, storage: Storage) -> Self:
        return cls(storage, settings)

    async def spend(self, write: str, user_id: int) -> None:
        """One `write` by the user, or 429 once their budget for it is spent."""
        await self._windows.spend(
            self._budgets[write],
            NAMESPACE,
            write,
            str(user_id),
            refusal=f"Too many {write} from your account",
        )
