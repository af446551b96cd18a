"""Settings read from the environment and an optional `.env` file."""

from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./inkwell.db"
    database_echo: bool = False
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=20, ge=0)
    database_pool_timeout: float = Field(default=30.0, gt=0)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65_536, ge=8)
    password_hash_concurrency: int = Field(default=4, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # console for people, json for log collectors; unset: json in production only.
    log_format: Literal["console", "json"] | None = None
    # Peers whose X-Forwarded-For/-Proto are believed: IPs or CIDRs, comma-separated, or "*".
    trusted_proxies: str = "127.0.0.1"
    readiness_timeout: float = Field(default=2.0, gt=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _refuse_debug_settings_in_production(self) -> "Settings":
        if self.environment != "production":
            return self
        problems = []
        if self.is_sqlite_in_memory:
            problems.append("an in-memory SQLite database loses every write on restart")
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
