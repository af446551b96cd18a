"""ENVIRONMENT=production refuses settings that lose data or leak details, with a clear reason."""

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from inkwell.cli import app
from inkwell.config import Settings

POSTGRES = "postgresql+asyncpg://inkwell@db/inkwell"
# A strong SECRET_KEY and the site's address, so only the settings under test can be what
# production refuses.
STRONG_SECRET = "s3cr3t-" + "k" * 57
PUBLIC_BASE_URL = "https://blog.example.com"
# What production must be told, as environment variables for a server or a container.
PRODUCTION_ENV = {"SECRET_KEY": STRONG_SECRET, "PUBLIC_BASE_URL": PUBLIC_BASE_URL}


def production(**fields: object) -> Settings:
    return Settings(
        environment="production",
        secret_key=STRONG_SECRET,
        public_base_url=PUBLIC_BASE_URL,
        **fields,
    )


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
        "sqlite+aiosqlite:///file:inkwell?mode=memory&uri=true",
    ],
)
@pytest.mark.parametrize("environment", ["development", "production"])
def test_an_in_memory_sqlite_database_is_refused(url: str, environment: str) -> None:
    with pytest.raises(ValidationError, match="in-memory SQLite database is private to one"):
        Settings(
            environment=environment,
            secret_key=STRONG_SECRET,
            public_base_url=PUBLIC_BASE_URL,
            database_url=url,
        )


def test_production_refuses_to_start_without_its_public_address() -> None:
    """Its default would send the password reset links and the feeds' readers to 127.0.0.1."""
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL must be set when ENVIRONMENT=prod"):
        Settings(environment="production", secret_key=STRONG_SECRET, database_url=POSTGRES)


@pytest.mark.parametrize("environment", ["development", "test"])
def test_elsewhere_the_public_address_defaults_to_this_machine(environment: str) -> None:
    settings = Settings(environment=environment, database_url=POSTGRES)

    assert settings.public_base_url == "http://127.0.0.1:8000"


def test_production_refuses_sql_echo() -> None:
    with pytest.raises(ValidationError, match="DATABASE_ECHO logs every SQL statement"):
        production(database_url=POSTGRES, database_echo=True)


def test_production_refuses_debug_logging_whatever_its_case() -> None:
    with pytest.raises(ValidationError, match="LOG_LEVEL=DEBUG"):
        production(database_url=POSTGRES, log_level="debug")


def test_production_names_every_problem_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        production(database_url=POSTGRES, database_echo=True, log_level="DEBUG")
    assert "DATABASE_ECHO" in str(caught.value)
    assert "LOG_LEVEL=DEBUG" in str(caught.value)


def test_production_accepts_a_file_sqlite_database_and_info_logging() -> None:
    settings = production(database_url="sqlite+aiosqlite:///data/x.db")
    assert settings.log_level == "INFO"


def test_development_allows_debug_settings() -> None:
    settings = Settings(
        environment="development",
        database_url="sqlite+aiosqlite:///./dev.db",
        database_echo=True,
        log_level="debug",
    )
    assert settings.log_level == "DEBUG"


def test_an_unknown_log_level_is_refused() -> None:
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="chatty")


def test_serve_refuses_reload_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE_URL)
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    result = CliRunner().invoke(app, ["serve", "--reload"])
    assert result.exit_code == 2
    assert "ENVIRONMENT=production refuses --reload" in result.output


def test_serve_explains_refused_production_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE_URL)
    monkeypatch.setenv("DATABASE_URL", POSTGRES)
    monkeypatch.setenv("DATABASE_ECHO", "true")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "DATABASE_ECHO logs every SQL statement" in result.output
    assert "Traceback" not in result.output


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """compose.yaml passes optional settings as `${SMTP_HOST:-}`: empty means not configured."""
    optional = ("SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "REDIS_URL", "S3_PUBLIC_URL")
    for name in optional:
        monkeypatch.setenv(name, "")
    settings = Settings()
    assert [getattr(settings, name.lower()) for name in optional] == [None] * len(optional)
