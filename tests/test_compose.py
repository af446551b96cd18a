"""deploy/compose.yaml agrees with the app: it sets settings the app reads, under their names.

Docker cannot run here, so these read the file; the rest of the stack is tested for real
in test_nginx.py and test_server.py.
"""

import re

import yaml

from inkwell.config import Settings
from tests.servers import ROOT

COMPOSE = ROOT / "deploy" / "compose.yaml"
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


def app_environment() -> dict[str, str]:
    environment: dict[str, str] = yaml.safe_load(COMPOSE.read_text())["services"]["app"][
        "environment"
    ]
    return environment


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
