"""One suite for every storage backend: a local directory, S3 on moto in-process, and S3 on
moto's standalone server reached through a real endpoint URL."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette
from starlette.routing import Mount

from inkwell.media.storage import InvalidKey, LocalStorage, S3Storage, Storage, StorageUnavailable
from tests.s3 import REGION, new_bucket, s3_client

KEY = "profile_pics/0123abcd.webp"
DATA = b"RIFF\x00picture bytes"
ESCAPING_KEYS = [
    "../outside.webp",
    "/etc/passwd",
    "profile_pics/../../x",
    "a//b",
    ".env",
    "a\\b",
    "",
]


@dataclass
class Backend:
    """A storage and a way to look behind it that does not go through it."""

    storage: Storage
    keys: Callable[[], set[str]]
    read: Callable[[str], bytes]
    break_it: Callable[[], None]
    follow: Callable[[httpx.Response], bytes]


def local_backend(root: Path) -> Backend:
    def keys() -> set[str]:
        return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}

    def break_it() -> None:
        (root / "profile_pics").write_bytes(b"a file where the directory should be")

    def follow(response: httpx.Response) -> bytes:
        assert response.status_code == 200, response.text
        return response.content

    return Backend(
        LocalStorage(root), keys, lambda key: (root / key).read_bytes(), break_it, follow
    )


def s3_backend(endpoint_url: str | None) -> Backend:
    bucket = new_bucket(endpoint_url)
    client = s3_client(endpoint_url)
    storage = S3Storage(bucket=bucket, region=REGION, endpoint_url=endpoint_url)

    def keys() -> set[str]:
        return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}

    def read(key: str) -> bytes:
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def follow(response: httpx.Response) -> bytes:
        assert response.status_code == 307, response.text
        location = response.headers["location"]
        assert location.startswith(storage.public_url + "/")
        if endpoint_url is None:  # in-process moto answers boto3 only
            return read(location.removeprefix(storage.public_url + "/"))
        public = httpx.get(location)
        assert public.status_code == 200
        return public.content

    return Backend(storage, keys, read, lambda: client.delete_bucket(Bucket=bucket), follow)


# Against moto's standalone server, a real one started once per worker: seconds, slow tier.
@pytest.fixture(
    params=["local", "s3-in-process", pytest.param("s3-server", marks=pytest.mark.slow)]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return local_backend(tmp_path / "media")
    if request.param == "s3-in-process":
        request.getfixturevalue("in_process_s3")
        return s3_backend(None)
    request.getfixturevalue("aws_credentials")
    return s3_backend(request.getfixturevalue("moto_server"))


@pytest.fixture
async def media_client(backend: Backend) -> AsyncIterator[AsyncClient]:
    """An app that serves /media the way Inkwell does, through the backend's own media app."""
    app = Starlette(routes=[Mount("/media", app=backend.storage.media_app())])
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_a_saved_object_reads_back_whole(backend: Backend) -> None:
    await backend.storage.save(KEY, DATA, "image/webp")
    assert backend.keys() == {KEY}
    assert backend.read(KEY) == DATA


async def test_saving_again_replaces_the_object(backend: Backend) -> None:
    await backend.storage.save(KEY, b"old", "image/webp")
    await backend.storage.save(KEY, DATA, "image/webp")
    assert backend.read(KEY) == DATA


async def test_delete_removes_the_object(backend: Backend) -> None:
    await backend.storage.save(KEY, DATA, "image/webp")
    await backend.storage.delete(KEY)
    assert backend.keys() == set()


async def test_deleting_a_missing_object_is_not_an_error(backend: Backend) -> None:
    await backend.storage.delete(KEY)
    assert backend.keys() == set()


@pytest.mark.parametrize("key", ESCAPING_KEYS)
async def test_keys_that_could_escape_the_store_are_refused(backend: Backend, key: str) -> None:
    with pytest.raises(InvalidKey):
        await backend.storage.save(key, DATA, "image/webp")
    with pytest.raises(InvalidKey):
        await backend.storage.delete(key)
    assert backend.keys() == set()


async def test_the_media_path_leads_to_the_object(
    backend: Backend, media_client: AsyncClient
) -> None:
    await backend.storage.save(KEY, DATA, "image/webp")
    assert backend.follow(await media_client.get(f"/media/{KEY}")) == DATA


async def test_a_failing_store_raises_storage_unavailable(backend: Backend) -> None:
    backend.break_it()
    with pytest.raises(StorageUnavailable):
        await backend.storage.save(KEY, DATA, "image/webp")


@pytest.mark.usefixtures("aws_credentials")
async def test_an_unreachable_s3_endpoint_raises_storage_unavailable(closed_port_url: str) -> None:
    storage = S3Storage(bucket="inkwell", region=REGION, endpoint_url=closed_port_url)
    with pytest.raises(StorageUnavailable):
        await storage.save(KEY, DATA, "image/webp")


@pytest.mark.usefixtures("in_process_s3")
async def test_s3_objects_carry_their_type_and_may_be_cached_for_good() -> None:
    backend = s3_backend(None)
    assert isinstance(backend.storage, S3Storage)
    await backend.storage.save(KEY, DATA, "image/webp")
    head = s3_client(None).head_object(Bucket=backend.storage.bucket, Key=KEY)
    assert head["ContentType"] == "image/webp"
    assert "immutable" in head["CacheControl"]


def test_the_public_url_defaults_to_the_endpoint_and_can_be_set(aws_credentials: None) -> None:
    endpoint = S3Storage(bucket="pics", region=REGION, endpoint_url="http://127.0.0.1:9000")
    public = S3Storage(bucket="pics", region=REGION, public_url="https://media.example.org/")
    assert endpoint.url(KEY) == f"http://127.0.0.1:9000/pics/{KEY}"
    assert public.url(KEY) == f"https://media.example.org/{KEY}"
