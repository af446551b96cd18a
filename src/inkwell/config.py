"""Settings read from the environment and an optional `.env` file."""

import logging
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, Self

from limits import parse_many
from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from inkwell.operations.proxies import TrustedProxies

logger = logging.getLogger(__name__)

SECRET_KEY_MIN_LENGTH = 32


def _rate_limit(value: str) -> str:
    """Fails at start-up, not at the first login, on a limit `limits` cannot read."""
    parse_many(value)
    return value


def _trusted_proxies(value: str) -> str:
    """Fails at start-up, not at the first proxied request, on an entry that is no address."""
    TrustedProxies.parse(value)
    return value


# One or more limits in the `limits` notation, e.g. "5/minute" or "20/minute;100/hour".
RateLimit = Annotated[str, AfterValidator(_rate_limit)]


class Settings(BaseSettings):
    # An empty variable counts as unset: compose.yaml passes optional ones as `${SMTP_HOST:-}`.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./inkwell.db"
    database_echo: bool = False
    # The connections one process may hold, both pools together: the writes' pool gets half
    # (rounded up), db.Reader the rest. Connections are kept open and none are opened beyond
    # this, so replicas x workers x DATABASE_CONNECTIONS must stay within PostgreSQL's
    # max_connections (docs/deployment.md).
    database_connections: int = Field(default=40, ge=2)
    # How long a request waits for a free connection before answering 503.
    database_pool_timeout: float = Field(default=30.0, gt=0)
    # Seconds after which an open connection is replaced (a server-side idle limit, memory
    # a long-lived PostgreSQL backend accumulates).
    database_pool_recycle: float = Field(default=3600.0, gt=0)
    # PostgreSQL: how long connecting, and then any one statement, may take. A frozen
    # database or a half-open socket fails the request with a 503 instead of hanging it.
    database_timeout: float = Field(default=30.0, gt=0)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65_536, ge=8)
    password_hash_concurrency: int = Field(default=4, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # console for people, json for log collectors; unset: json in production only.
    log_format: Literal["console", "json"] | None = None
    # Peers whose X-Forwarded-For/-Proto are believed: IPs or CIDRs, comma-separated, or "*"
    # (any peer, for its own last hop only); the client is the rightmost untrusted hop.
    trusted_proxies: Annotated[str, AfterValidator(_trusted_proxies)] = "127.0.0.1"
    # Swagger UI at /docs and the schema at /openapi.json; false answers 404 for both.
    api_docs: bool = True
    readiness_timeout: float = Field(default=2.0, gt=0)
    # FastAPI's native OpenTelemetry spans and metrics, for an OpenTelemetry SDK set up in
    # the process. Off by default: FastAPI looks for a provider on every request otherwise.
    telemetry: bool = False

    storage_backend: Literal["local", "s3"] = "local"
    media_dir: Path = Path("media")
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_endpoint_url: str | None = None
    # Where browsers fetch objects from, when it differs from the endpoint the app talks to.
    s3_public_url: str | None = None
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    profile_image_size: int = Field(default=300, ge=16, le=2048)
    # Pictures in posts keep their shape, at most this wide (a smaller one is not enlarged).
    post_image_max_width: int = Field(default=1600, ge=16, le=4096)
    # Both read from the header, before decoding. The pixels count those decoded: a JPEG
    # decodes at a fraction of its size (a 48-megapixel phone photo as 0.75), a PNG, WebP
    # or GIF cannot. 4096x4096 takes a 5K screenshot and 50 times a 300-pixel avatar; while
    # decoded it holds up to 16 bytes a pixel (a lossless WebP: 260 MB). The side bounds
    # the JPEGs (8192 takes any phone's photo and caps the work of reading one) and the
    # long thin images that count few pixels.
    max_image_pixels: int = Field(default=4096 * 4096, ge=1)
    max_image_side: int = Field(default=8192, ge=1)
    # Decoders per process. One leaves a two-core server a core for its pages, and takes
    # 0.05 s (a phone's JPEG) to 0.5 s (the largest WebP) an upload: plenty for avatars.
    image_processing_concurrency: int = Field(default=1, ge=1)
    image_processing_queue: int = Field(default=8, ge=0)
    # Each user uploads one picture at a time (a second at once answers 429), this often.
    rate_limit_picture_uploads_per_user: RateLimit = "10/hour"

    @model_validator(mode="after")
    def require_s3_bucket(self) -> Self:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return self

    secret_key: SecretStr | None = None
    secret_key_file: Path = Path(".secret_key")
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_expire_minutes: int = Field(default=30, ge=1)
    password_reset_expire_minutes: int = Field(default=60, ge=1)
    email_change_expire_minutes: int = Field(default=60, ge=1)
    public_base_url: str = "http://127.0.0.1:8000"

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65_535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout: float = Field(default=10.0, gt=0)
    # Certificate authorities to trust besides the system's (a relay with a private CA).
    smtp_ca_file: Path | None = None
    mail_from: str = "Inkwell <no-reply@localhost>"

    redis_url: str | None = None
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
    def _production_needs_a_strong_secret_key(self) -> Self:
        if self.environment != "production":
            return self
        if self.secret_key is None:
            raise ValueError(
                "SECRET_KEY must be set when ENVIRONMENT=production; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        if len(self.secret_key.get_secret_value()) < SECRET_KEY_MIN_LENGTH:
            raise ValueError(
                f"SECRET_KEY is too weak for production: use at least "
                f"{SECRET_KEY_MIN_LENGTH} random characters"
            )
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

    @model_validator(mode="after")
    def _refuse_in_memory_sqlite(self) -> Self:
        # Each connection would see its own empty database, and reads and writes use
        # different connections (db.Reader has its own pool).
        if self.is_sqlite_in_memory:
            raise ValueError(
                "an in-memory SQLite database is private to one connection, and Inkwell "
                "reads and writes on several: use a file, e.g. sqlite+aiosqlite:///./inkwell.db"
            )
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_debug_settings_in_production(self) -> "Settings":
        if self.environment != "production":
            return self
        problems = []
        if self.database_echo:
            problems.append("DATABASE_ECHO logs every SQL statement with its parameters")
        if self.log_level == "DEBUG":
            problems.append("LOG_LEVEL=DEBUG logs request details meant for development")
        if problems:
            raise ValueError("ENVIRONMENT=production refuses: " + "; ".join(problems))
        return self

    @cached_property
    def database(self) -> URL:
        return make_url(self.database_url)

    @property
    def write_connections(self) -> int:
        return -(-self.database_connections // 2)

    @property
    def read_connections(self) -> int:
        return self.database_connections - self.write_connections

    @property
    def is_sqlite(self) -> bool:
        return self.database.get_backend_name() == "sqlite"

    @property
    def is_sqlite_in_memory(self) -> bool:
        url = self.database
        return self.is_sqlite and (
            url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
        )

    @property
    def logs_as_json(self) -> bool:
        if self.log_format is None:
            return self.environment == "production"
        return self.log_format == "json"
