"""`inkwell serve` in development publishes the address it serves at (PUBLIC_BASE_URL), so
emailed links point where the site runs, and warns when a set PUBLIC_BASE_URL disagrees."""

import os

import pytest
import uvicorn
from typer.testing import CliRunner

from inkwell.cli import app, served_address

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """PUBLIC_BASE_URL as each worker would read it when uvicorn starts; nothing is served."""
    addresses: list[str] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda *_, **__: addresses.append(os.environ.get("PUBLIC_BASE_URL", ""))
    )
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("ENVIRONMENT", "development")
    # The variable the command sets for its workers must not leak into other tests.
    monkeypatch.setattr(os, "environ", os.environ.copy())
    return addresses


def test_development_publishes_the_port_it_serves_on(served: list[str]) -> None:
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served == ["http://127.0.0.1:8123"]


def test_a_set_public_base_url_is_kept(served: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    os.environ["PUBLIC_BASE_URL"] = "http://127.0.0.1:8123"
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert served == ["http://127.0.0.1:8123"]
    assert "Warning" not in result.output


def test_a_set_public_base_url_naming_another_port_is_warned_about(served: list[str]) -> None:
    os.environ["PUBLIC_BASE_URL"] = "http://127.0.0.1:8000"
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0
    assert served == ["http://127.0.0.1:8000"]
    assert "Warning: PUBLIC_BASE_URL is http://127.0.0.1:8000" in result.output
    assert "port 8123" in result.output


def test_outside_development_public_base_url_is_left_alone(served: list[str]) -> None:
    os.environ["ENVIRONMENT"] = "test"
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served == [""]


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "http://127.0.0.1:8001"),
        ("0.0.0.0", "http://127.0.0.1:8001"),
        ("::", "http://[::1]:8001"),
        ("::1", "http://[::1]:8001"),
        ("blog.local", "http://blog.local:8001"),
    ],
)
def test_the_published_address_is_one_a_browser_here_opens(host: str, address: str) -> None:
    assert served_address(host, 8001) == address
