"""Settings read from the environment and an optional `.env` file.

Each domain declares the settings it reads in its own `config.py` (`auth.config.AuthSettings`,
`media.config.MediaSettings`, `mail.config.MailSettings`, `operations.config.OperationsSettings`,
`notifications.config.NotificationSettings`, `abuse.config.WriteLimitSettings`,
`conduit.config.ConduitSettings`, `caching.config.CacheSettings`),
the database's are below, and `Settings` composes them into the one frozen object the app is
built from. The environment's names stay flat (`DATABASE_URL`, `SMTP_HOST`, `MAX_UPLOAD_BYTES`)
so deployments keep working, and a domain's code can ask for its own group only
(`UploadLimits.from_settings(settings: MediaSettings)`). Rules that span groups stay here.
"""

from functools import cached_property
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

from inkwell.abuse.config import WriteLimitSettings
from inkwell.auth.config import AuthSettings
from inkwell.caching.config import CacheSettings
from inkwell.conduit.config import ConduitSettings
from inkwell.mail.config import MailSettings
from inkwell.media.config import MediaSettings
from inkwell.notifications.config import NotificationSettings
from inkwell.operations.config import OperationsSettings

SECRET_KEY_MIN_LENGTH = 32
# SQLite's reads, whatever DATABASE_CONNECTIONS allows: aiosqlite runs each connection on a
# thread of its own, and the threads take turns with the event loop on the GIL, so beyond
# two, more reading threads only contend (bench/NOTES.md, 2026-12-01: a listing at 466-542
# req/s on 20 of them, 681-698 on 2 or 1).
SQLITE_READ_CONNECTIONS = 2


class DatabaseSettings(BaseModel):
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
    # PostgreSQL: the longest a read through db.Reader (listings, profiles, pages) may run on
    # the server before it is cancelled and answers 503, so that no slow read holds one of
    # the few read connections. Writes and migrations keep DATABASE_TIMEOUT.
    database_read_timeout: float = Field(default=5.0, gt=0)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)

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

    @cached_property
    def database(self) -> URL:
        return make_url(self.database_url)

    @property
    def write_connections(self) -> int:
        return -(-self.database_connections // 2)

    @property
    def read_connections(self) -> int:
        readers = self.database_connections - self.write_connections
        return min(readers, SQLITE_READ_CONNECTIONS) if self.is_sqlite else readers

    @property
    def is_sqlite(self) -> bool:
        return self.database.get_backend_name() == "sqlite"

    @property
    def is_sqlite_in_memory(self) -> bool:
        url = self.database
        return self.is_sqlite and (
            url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
        )


class Settings(
    BaseSettings,
    DatabaseSettings,
    AuthSettings,
    MediaSettings,
    MailSettings,
    OperationsSettings,
    NotificationSettings,
    WriteLimitSettings,
    ConduitSettings,
    CacheSettings,
):
    # An empty variable counts as unset: compose.yaml passes optional ones as `${SMTP_HOST:-}`.
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    environment: Literal["development", "test", "production"] = "development"
    # The site's address as browsers see it: links in emails and feeds, the Origin CSRF
    # accepts.
    public_base_url: str = "http://127.0.0.1:8000"
    # What feeds, link previews and search engines call the site and say of it.
    site_name: str = Field(default="Inkwell", min_length=1, max_length=100)
    site_description: str = Field(
        default="Writing worth reading, from writers you can follow.", max_length=300
    )
    # Shared state between processes (rate limits, the anonymous cache's invalidations);
    # unset: each process keeps its own.
    redis_url: str | None = None

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

    @model_validator(mode="after")
    def _production_needs_its_public_address(self) -> Self:
        """Emailed links, feeds, previews and the CSRF origin check name it: its default
        would send production's readers, and its password reset links, to 127.0.0.1."""
        if self.environment == "production" and "public_base_url" not in self.model_fields_set:
            raise ValueError(
                "PUBLIC_BASE_URL must be set when ENVIRONMENT=production: the site's address "
                "as browsers see it, such as https://blog.example.com"
            )
        return self

    @model_validator(mode="after")
    def _refuse_debug_settings_in_production(self) -> Self:
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

    @property
    def logs_as_json(self) -> bool:
        if self.log_format is None:
            return self.environment == "production"
        return self.log_format == "json"
