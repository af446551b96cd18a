"""Rate limits on the endpoints that guess or spam: per client address and per account.

Counters live in memory (one process) or, with REDIS_URL, in Redis, where every instance
of the app draws on the same budget.

Per client address every limit is hard. Per account, what a stranger can spend must not
lock the owner out, so accounts are limited differently by action:
- a password check (sign-in and every other one, see `PasswordGuard`) counts only failures,
  and after a few makes each further attempt wait a growing delay, not forever;
- forgot-password sends the email only a few times per period, silently, with the same
  answer as always: meanwhile the link in the last email sent stays valid (see Settings);
- registration is refused past its budget (there is no owner yet to lock out).
"""

import ipaddress
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage

from inkwell.auth.config import AuthSettings
from inkwell.errors import TooManyRequests
from inkwell.rate_limits import MovingWindows, seconds_until
from inkwell.security import PasswordHasher
from inkwell.users.identity import lookup_key
from inkwell.users.models import User

logger = logging.getLogger(__name__)

TOO_MANY_ATTEMPTS = "Too many attempts"
IPV6_NETWORK_PREFIX = 64  # what one subscriber gets: any address in it is the same client


class Action(StrEnum):
    LOGIN = "login"  # every check of a password a client sends, not only sign-in
    REGISTER = "register"
    FORGOT_PASSWORD = "forgot-password"  # noqa: S105  (a name, not a password)


@dataclass(frozen=True, slots=True)
class Budget:
    per_address: list[RateLimitItem]
    per_account: list[RateLimitItem]


@dataclass(frozen=True, slots=True)
class FailureDelays:
    """Per account: `free` failed password checks, then before each further attempt a delay
    that doubles from `first` to at most `longest` seconds. A right password resets them.

    The count is forgotten `kept` seconds after its first failure.
    """

    free: int
    first: int
    longest: int
    kept: int

    def after(self, failures: int) -> int:
        """The seconds the next attempt waits once `failures` attempts failed (0: none)."""
        if failures < self.free:
            return 0
        doublings = min(failures - self.free, self.longest.bit_length())
        return min(self.longest, self.first << doublings)


def address_key(address: str) -> str:
    """An IPv6 client owns its whole /64, so it is limited as one; IPv4 by the address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # no client address at all ("unknown")
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_NETWORK_PREFIX), strict=False))
    return str(ip)


class RateLimiter:
    def __init__(
        self, storage: Storage, budgets: dict[Action, Budget], failure_delays: FailureDelays
    ) -> None:
        self._storage = storage
        self._windows = MovingWindows(storage, logger, "rate limit")
        self._budgets = budgets
        self._failure_delays = failure_delays

    @classmethod
    def from_settings(cls, settings: AuthSettings, storage: Storage) -> "RateLimiter":
        return cls(
            storage,
            {
                # Accounts are limited by their failed password checks (FailureDelays).
                Action.LOGIN: Budget(parse_many(settings.rate_limit_login_per_address), []),
                Action.REGISTER: Budget(
                    parse_many(settings.rate_limit_register_per_address),
                    parse_many(settings.rate_limit_register_per_account),
                ),
                Action.FORGOT_PASSWORD: Budget(
                    parse_many(settings.rate_limit_forgot_password_per_address),
                    parse_many(settings.rate_limit_forgot_password_per_account),
                ),
            },
            FailureDelays(
                free=settings.rate_limit_login_failures,
                first=settings.rate_limit_login_first_delay,
                longest=settings.rate_limit_login_longest_delay,
                kept=settings.rate_limit_login_failures_kept,
            ),
        )

    async def spend(self, action: Action, *, address: str, accounts: Iterable[str] = ()) -> None:
        """One attempt from `address` at each of `accounts`, or 429 if any budget is spent.

        Accounts are named as the client named them (by their lookup key), so names that do not
        exist are limited too.
        """
        budget = self._budgets[action]
        await self._spend(budget.per_address, action, "address", address_key(address))
        for account in accounts:
            await self._spend(budget.per_account, action, "account", lookup_key(account))

    async def spend_quietly(self, action: Action, *, account: str) -> bool:
        """One attempt at the account for `action`: False, not an error, past its budget."""
        identity = (action, "account", lookup_key(account))
        async with self._windows.failing_closed():
            return await self._windows.refused(self._budgets[action].per_account, *identity) is None

    async def check_password(
        self, check: Callable[[], Awaitable[bool]], *, address: str, account: str
    ) -> bool:
        """Runs `check` (is this the account's password?) within the sign-in limits.

        Every attempt is counted as a failure before the check, so parallel attempts each
        see the ones before them. Past the free failures an attempt must take the account's
        turn, which only one can hold until its delay is over. A right password clears both.
        """
        failures_key, wait_key = f"password-failures/{account}", f"password-wait/{account}"
        delays = self._failure_delays
        await self._spend(
            self._budgets[Action.LOGIN].per_address, Action.LOGIN, "address", address_key(address)
        )
        async with self._windows.failing_closed():
            failures = await self._storage.incr(failures_key, delays.kept)
            delay = delays.after(failures)
            if delay and await self._storage.incr(wait_key, delay) > 1:
                # The account is waiting, or another attempt took the turn: not a failure.
                await self._storage.incr(failures_key, delays.kept, amount=-1)
                raise await self._too_early(wait_key)
        matches = await check()
        if matches:
            async with self._windows.failing_closed():
                await self._storage.clear(failures_key)
                await self._storage.clear(wait_key)
        return matches

    async def _too_early(self, wait_key: str) -> TooManyRequests:
        expiry = await self._storage.get_expiry(wait_key)
        return TooManyRequests(TOO_MANY_ATTEMPTS, retry_after=seconds_until(expiry))

    async def _spend(self, budget: list[RateLimitItem], *identity: str) -> None:
        await self._windows.spend(budget, *identity, refusal=TOO_MANY_ATTEMPTS)


class PasswordGuard:
    """The one way to check a password a client sends: sign-in, password or email change.

    All of them share the sign-in limits: the hard budget of the client's address, and the
    account's failures, whichever way the account was named (a known device's apart).
    """

    def __init__(
        self,
        limiter: RateLimiter,
        passwords: PasswordHasher,
        address: str,
        known_device: Callable[[int], str | None],
    ) -> None:
        self._limiter = limiter
        self._passwords = passwords
        self._address = address
        self._known_device = known_device

    async def verify(self, account: User | str, password: str) -> bool:
        """Whether `password` is the account's: 429 (TooManyRequests) while it must wait.

        `account` is the user, or what the client named when no account has that name:
        it is limited as well and still costs a full check, so neither the answer nor its
        timing tells which names exist; its answer is always False.
        """
        if isinstance(account, User):
            key, password_hash = f"user:{account.id}", account.password_hash
            # A device that signed in before counts its own failures (auth/devices.py).
            if (device := self._known_device(account.id)) is not None:
                key += f"/device:{device}"
        else:
            key, password_hash = f"name:{lookup_key(account)}", None

        async def check() -> bool:
            return await self._passwords.verify(password, password_hash)

        return await self._limiter.check_password(check, address=self._address, account=key)
