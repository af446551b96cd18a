"""What auth reads from the environment: signing keys, token lifetimes, password hashing and
the rate limits. Part of `inkwell.config.Settings`, which composes every domain's settings."""

import logging
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, Self

from limits import parse_many
from pydantic import AfterValidator, BaseModel, Field, SecretStr, model_validator

from inkwell.security import ARGON2_MIN_MEMORY_COST_KIB

logger = logging.getLogger(__name__)


def _rate_limit(value: str) -> str:
    """Fails at start-up, not at the first login, on a limit `limits` cannot read."""
    parse_many(value)
    return value


# One or more limits in the `limits` notation, e.g. "5/minute" or "20/minute;100/hour".
RateLimit = Annotated[str, AfterValidator(_rate_limit)]


class AuthSettings(BaseModel):
    secret_key: SecretStr | None = None
    secret_key_file: Path = Path(".secret_key")
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_expire_minutes: int = Field(default=30, ge=1)
    # A cookie sign-in lasts this long after its last renewal: its access token (the
    # lifetime above) is renewed from a rotating refresh secret while it is used.
    session_days: int = Field(default=14, ge=1)
    # However it is used, a cookie sign-in ends this long after it began (the password is
    # asked again): a stolen session, however busy, does not last for ever.
    session_max_days: int = Field(default=90, ge=1)
    # The refresh secret a renewal just replaced still renews this long, so that requests
    # sent at once with it all stay signed in; later, it proves a copy and ends the session.
    session_renewal_grace_seconds: int = Field(default=30, ge=0)
    # The oldest of a user's sessions ends when one more than this starts.
    sessions_per_user: int = Field(default=30, ge=1)
    password_reset_expire_minutes: int = Field(default=60, ge=1)
    email_change_expire_minutes: int = Field(default=60, ge=1)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65_536, ge=ARGON2_MIN_MEMORY_COST_KIB)
    password_hash_concurrency: int = Field(default=4, ge=1)

    rate_limit_key_prefix: str = "inkwell"
    # Every check of a password a client sends (sign-in, password and email change) draws on
    # the login limits: a hard one per client address, and per account its failures, after
    # which each attempt waits a delay doubling from the first to the longest (in seconds).
    rate_limit_login_per_address: RateLimit = "20/minute;200/hour"
    # A client that signed in to an account is its known device this long: strangers'
    # failed passwords for the account do not slow it down (auth/devices.py).
    known_device_days: int = Field(default=365, ge=1)
    rate_limit_login_failures: int = Field(default=5, ge=1)
    rate_limit_login_first_delay: int = Field(default=1, ge=1)
    rate_limit_login_longest_delay: int = Field(default=900, ge=1)
    rate_limit_login_failures_kept: int = Field(default=86_400, ge=1)
    rate_limit_register_per_address: RateLimit = "10/hour"
    rate_limit_register_per_account: RateLimit = "5/hour"
    rate_limit_forgot_password_per_address: RateLimit = "10/hour"  # noqa: S105
    # Past it the answer stays the same but no email is sent (see the validator below).
    rate_limit_forgot_password_per_account: RateLimit = "3/hour"  # noqa: S105

    @model_validator(mode="after")
    def _reset_links_outlive_the_reset_email_budget(self) -> Self:
        """A stranger can spend an account's reset emails, but they go to its owner: while
        the budget is spent, the last one was sent within its window, so its link must
        still be valid for the owner to use."""
        window = max(
            item.get_expiry() for item in parse_many(self.rate_limit_forgot_password_per_account)
        )
        if self.password_reset_expire_minutes * 60 < window:
            raise ValueError(
                "PASSWORD_RESET_EXPIRE_MINUTES must be at least the longest period of "
                "RATE_LIMIT_FORGOT_PASSWORD_PER_ACCOUNT"
            )
        return self

    @model_validator(mode="after")
    def _sessions_outlive_their_access_tokens(self) -> Self:
        """A cookie's access token is checked against its session's existence, not its end:
        it must never outlast the session that issued it."""
        if self.access_token_expire_minutes >= self.session_days * 24 * 60:
            raise ValueError("ACCESS_TOKEN_EXPIRE_MINUTES must be shorter than SESSION_DAYS")
        if self.session_max_days < self.session_days:
            raise ValueError("SESSION_MAX_DAYS must be at least SESSION_DAYS")
        return self

    @cached_property
    def signing_key(self) -> str:
        """SECRET_KEY, or outside production a key generated once and kept in SECRET_KEY_FILE."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.secret_key_file
        if path.exists() and (kept := path.read_text().strip()):
            return kept
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key + "\n")
        logger.warning(
            "SECRET_KEY is not set: generated one and kept it in %s. Set SECRET_KEY "
            "(the same on every instance) before running in production.",
            path.resolve(),
        )
        return key
