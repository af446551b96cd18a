"""Rate limits on the endpoints that guess or spam: per client address and per account.

Counters live in memory (one process) or, with REDIS_URL, in Redis, where every instance
of the app draws on the same budget.
"""

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from inkwell.config import Settings
from inkwell.errors import ServiceUnavailable, TooManyRequests

logger = logging.getLogger(__name__)


class Action(StrEnum):
    LOGIN = "login"
    REGISTER = "register"
    FORGOT_PASSWORD = "forgot-password"  # noqa: S105  (a name, not a password)


@dataclass(frozen=True, slots=True)
class Budget:
    per_address: list[RateLimitItem]
    per_account: list[RateLimitItem]


class RateLimiter:
    def __init__(self, storage: Storage, budgets: dict[Action, Budget]) -> None:
        self._strategy = MovingWindowRateLimiter(storage)
        self._budgets = budgets

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimiter":
        storage: Storage
        if settings.redis_url is None:
            storage = MemoryStorage()
        else:
            storage = RedisStorage(
                settings.redis_url, key_prefix=settings.rate_limit_key_prefix, wrap_exceptions=True
            )
        return cls(
            storage,
            {
                Action.LOGIN: Budget(
                    parse_many(settings.rate_limit_login_per_address),
                    parse_many(settings.rate_limit_login_per_account),
                ),
                Action.REGISTER: Budget(
                    parse_many(settings.rate_limit_register_per_address),
                    parse_many(settings.rate_limit_register_per_account),
                ),
                Action.FORGOT_PASSWORD: Budget(
                    parse_many(settings.rate_limit_forgot_password_per_address),
                    parse_many(settings.rate_limit_forgot_password_per_account),
                ),
            },
        )

    async def spend(self, action: Action, *, address: str, accounts: Iterable[str]) -> None:
        """One attempt from `address` at each of `accounts`, or 429 if any budget is spent.

        Accounts are named as the client named them (lower-cased), so names that do not
        exist are limited too.
        """
        budget = self._budgets[action]
        await self._spend(budget.per_address, action, "address", address)
        for account in accounts:
            await self._spend(budget.per_account, action, "account", account.lower())

    async def _spend(self, items: list[RateLimitItem], *identity: str) -> None:
        """Without its counters (Redis down) the endpoint closes rather than allow guessing."""
        try:
            for item in items:
                await self._spend_one(item, *identity)
        except StorageError as exc:
            logger.warning("rate limit storage unavailable: %s", exc.storage_error)
            raise ServiceUnavailable("Temporarily unavailable; try again shortly") from exc

    async def _spend_one(self, item: RateLimitItem, *identity: str) -> None:
        if not await self._strategy.hit(item, *identity):
            stats = await self._strategy.get_window_stats(item, *identity)
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise TooManyRequests("Too many attempts; try again later", retry_after=retry_after)
