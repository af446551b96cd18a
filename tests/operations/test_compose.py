"""deploy/compose.yaml agrees with the app: it sets settings the app reads, under their names.

Docker cannot run here, so these read the file; the rest of the stack is tested for real
in test_nginx.py and test_server.py.
"""

import ipaddress
import json
import re
import shlex
from typing import Any

import yaml

from inkwell.config import Settings
from tests.servers import ROOT

COMPOSE = ROOT / "deploy" / "compose.yaml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
# Read by boto3 from the environment, not by Settings.
AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
SHARED_DEPLOYMENT = {
    "ENVIRONMENT",
    "DATABASE_URL",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "REDIS_URL",
    "STORAGE_BACKEND",
    "S3_BUCKET",
    "S3_REGION",
    "S3_ENDPOINT_URL",
    "S3_PUBLIC_URL",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "MAIL_FROM",
}


# PostgreSQL's own default, when the postgres service does not set max_connections.
POSTGRES_DEFAULT_MAX_CONNECTIONS = 100
# Left for what is not the app's pools: a replica's migration, psql, pg_dump, health checks.
CONNECTION_HEADROOM = 20


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def app_environment() -> dict[str, str]:
    environment: dict[str, str] = compose()["services"]["app"]["environment"]
    return environment


def app_command() -> list[str]:
    """The app's command: compose's, else the image's CMD (exec form)."""
    if command := compose()["services"]["app"].get("command"):
        return shlex.split(command) if isinstance(command, str) else list(command)
    [cmd] = re.findall(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.MULTILINE)
    return list(json.loads(cmd))


def option(command: list[str], name: str, default: str) -> str:
    return command[command.index(name) + 1] if name in command else default


def setting(name: str) -> int:
    """The app's value for a setting: compose's environment, else the app's default."""
    default = Settings.model_fields[name.lower()].default
    return int(app_environment().get(name, default))


def postgres_max_connections() -> int:
    command = compose()["services"]["postgres"].get("command") or []
    for argument in command:
        if argument.startswith("max_connections="):
            return int(argument.partition("=")[2])
    return POSTGRES_DEFAULT_MAX_CONNECTIONS


def test_every_variable_compose_gives_the_app_is_one_of_its_settings() -> None:
    names = set(app_environment()) - AWS_CREDENTIALS
    assert {name for name in names if name.lower() not in Settings.model_fields} == set()


def test_compose_gives_every_replica_what_a_shared_deployment_needs() -> None:
    assert SHARED_DEPLOYMENT - set(app_environment()) == set()
    assert app_environment()["STORAGE_BACKEND"] == "s3"


def test_every_variable_compose_requires_is_in_the_env_example() -> None:
    required = set(re.findall(r"\$\{([A-Z_]+):\?", COMPOSE.read_text()))
    example = set(re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert required
    assert required - example == set()


def test_the_app_pools_fit_in_postgresqls_connections_with_room_to_spare() -> None:
    processes = compose()["services"]["app"]["deploy"]["replicas"] * int(
        option(app_command(), "--workers", "1")
    )
    total = processes * setting("DATABASE_CONNECTIONS")
    assert total + CONNECTION_HEADROOM <= postgres_max_connections(), (
        f"{total} pooled connections leave less than {CONNECTION_HEADROOM} of "
        f"PostgreSQL's {postgres_max_connections()}"
    )


def test_the_container_is_served_by_inkwell_serve() -> None:
    # `inkwell serve` is what turns off uvicorn's server header and sets up the logs.
    assert app_command()[:2] == ["inkwell", "serve"]


def test_compose_trusts_only_its_own_network_as_the_proxy() -> None:
    [subnet] = [entry["subnet"] for entry in compose()["networks"]["default"]["ipam"]["config"]]
    trusted = app_environment()["TRUSTED_PROXIES"]
    assert trusted != "*"
    assert ipaddress.ip_network(trusted) == ipaddress.ip_network(subnet)
