"""SECRET_KEY and the other identity settings, checked at start-up."""

import logging
import stat
from pathlib import Path

import pytest
from httpx import AsyncClient
from pydantic import ValidationError

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.security import ARGON2_MIN_MEMORY_COST_KIB, PasswordHasher
from tests.conftest import started

STRONG_KEY = "k" * 32


@pytest.fixture(autouse=True)
def no_secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ENVIRONMENT", raising=False)


def make_settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY must be set when ENVIRONMENT=production"):
        make_settings(environment="production", secret_key_file=tmp_path / "key")
    assert not (tmp_path / "key").exists()


def test_production_refuses_a_weak_secret_key() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is too weak"):
        make_settings(environment="production", secret_key="k" * 31)


def test_production_takes_a_strong_secret_key() -> None:
    settings = make_settings(
        environment="production", secret_key=STRONG_KEY, public_base_url="https://blog.example"
    )
    assert settings.signing_key == STRONG_KEY


async def test_development_generates_a_key_once_keeps_it_private_and_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key_file = tmp_path / ".secret_key"
    settings = make_settings(
        secret_key_file=key_file, database_url=f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"
    )
    with caplog.at_level(logging.WARNING, logger="inkwell.config"):
        async with started(create_app(settings)):
            pass
    assert "SECRET_KEY is not set" in caplog.text
    generated = key_file.read_text().strip()
    assert len(generated) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert make_settings(secret_key_file=key_file).signing_key == generated


def test_an_explicit_secret_key_writes_no_file(tmp_path: Path) -> None:
    settings = make_settings(secret_key=STRONG_KEY, secret_key_file=tmp_path / "key")
    create_app(settings)
    assert not (tmp_path / "key").exists()


@pytest.mark.parametrize("value", ["lots", "5 per fortnight", ""])
def test_an_unreadable_rate_limit_stops_start_up(value: str) -> None:
    with pytest.raises(ValidationError, match="rate_limit_login_per_address"):
        make_settings(secret_key=STRONG_KEY, rate_limit_login_per_address=value)


def test_reset_links_must_outlive_the_window_of_the_reset_email_budget() -> None:
    """Past that budget no email is sent: the owner uses the link in the last one sent."""
    with pytest.raises(ValidationError, match="PASSWORD_RESET_EXPIRE_MINUTES"):
        make_settings(
            password_reset_expire_minutes=30, rate_limit_forgot_password_per_account="3/hour"
        )


async def test_the_openapi_document_describes_sign_in_and_its_errors(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    flows = [scheme["flows"] for scheme in schemes.values() if scheme["type"] == "oauth2"]
    assert flows == [{"password": {"scopes": {}, "tokenUrl": "/api/users/token"}}]
    paths = spec["paths"]
    assert {"401", "429"} <= paths["/api/users/token"]["post"]["responses"].keys()
    assert {"401", "403", "404"} <= paths["/api/posts/{post_id}"]["patch"]["responses"].keys()
    assert {"401", "403", "404"} <= paths["/api/users/{user_id}"]["delete"]["responses"].keys()
    assert "429" in paths["/api/users"]["post"]["responses"]
    assert "429" in paths["/api/users/forgot-password"]["post"]["responses"]
    assert "security" in paths["/api/posts"]["post"]


def test_an_access_token_may_not_outlast_the_session_that_issued_it() -> None:
    with pytest.raises(ValidationError, match="must be shorter than SESSION_DAYS"):
        make_settings(access_token_expire_minutes=24 * 60, session_days=1)
    assert make_settings(access_token_expire_minutes=24 * 60 - 1, session_days=1).session_days == 1


def test_a_session_may_not_end_sooner_after_its_start_than_after_its_last_use() -> None:
    with pytest.raises(ValidationError, match="SESSION_MAX_DAYS must be at least SESSION_DAYS"):
        make_settings(session_days=30, session_max_days=20)
    assert make_settings(session_days=30, session_max_days=30).session_max_days == 30


def test_an_argon2_memory_cost_argon2_would_refuse_stops_start_up() -> None:
    """argon2 needs 8 KiB for each of its 4 lanes: less fails every hash, so no one could
    register or sign in."""
    with pytest.raises(ValidationError, match="greater than or equal to 32"):
        make_settings(argon2_memory_cost_kib=ARGON2_MIN_MEMORY_COST_KIB - 1)


async def test_the_least_argon2_memory_cost_allowed_hashes_and_checks() -> None:
    settings = make_settings(argon2_memory_cost_kib=ARGON2_MIN_MEMORY_COST_KIB)
    hasher = PasswordHasher(
        time_cost=1, memory_cost_kib=settings.argon2_memory_cost_kib, max_concurrent=1
    )
    assert await hasher.verify("a password", await hasher.hash("a password"))
