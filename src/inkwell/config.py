"""Settings read from the environment and an optional `.env` file."""

from functools import cached_property
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
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
    log_level: str = "INFO"
    storage_backend: Literal["local", "s3"] = "local"
    media_dir: Path = Path("media")
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_endpoint_url: str | None = None
    # Where browsers fetch objects from, when it differs from the endpoint the app talks to.
    s3_public_url: str | None = None
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    profile_image_size: int = Field(default=300, ge=16, le=2048)
    max_image_pixels: int = Field(default=50_000_000, ge=1)
    image_processing_concurrency: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def require_s3_bucket(self) -> Self:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return self

    @cached_property
    def database(self) -> URL:
        return make_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database.get_backend_name() == "sqlite"
