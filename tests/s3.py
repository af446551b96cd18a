"""S3 for the tests: moto in-process (`mock_aws`) and moto's standalone server on loopback."""

import functools
import json
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer
from types_boto3_s3 import S3Client

from tests.ports import free_port

REGION = "eu-west-1"


def use_fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, and no developer's own AWS files, so nothing can reach a real account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_aws_credentials(monkeypatch)


@pytest.fixture
def in_process_s3(aws_credentials: None) -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The endpoint URL of a moto server on a free loopback port, for the whole run."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """An endpoint where nothing listens: the port was free a moment ago."""
    return f"http://127.0.0.1:{free_port()}"


def _s3_client(endpoint_url: str | None) -> S3Client:
    return boto3.session.Session().client("s3", region_name=REGION, endpoint_url=endpoint_url)


# The tests' own clients are made once an endpoint: making one reads botocore's service models
# from disk, some 150 ms of every S3 test's setup. moto's in-process mock answers a client made
# under an earlier mock (it stubs every client's sending); the credentials are the fake ones
# every S3 fixture sets.
s3_client = functools.cache(_s3_client)


def new_bucket(endpoint_url: str | None) -> str:
    """A bucket set up as the README asks: anyone may read the pictures, by their public URL."""
    bucket = f"inkwell-{uuid.uuid4().hex[:16]}"
    client = s3_client(endpoint_url)
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    return bucket


def public_read_policy(bucket: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": [f"arn:aws:s3:::{bucket}/{folder}/*" for folder in ("profile_pics", "posts")],
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
