"""One suite for every storage backend: a local directory, S3 on moto in-process, and S3 on
moto's standalone server reached through a real endpoint URL."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette
from starlette.routing import Mount

from inkwell.media import storage as storage_module
from inkwell.media.config import MediaSettings
from inkwell.media.storage import (
    MAX_KEY_LENGTH,
    S3_CONNECTIONS,
    InvalidKey,
    LocalStorage,
    S3Storage,
    Storage,
    StorageUnavailable,
    create_storage,
)
from tests.crowding import Crowding
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
    assert head["CacheControl"] == "public, max-age=31536000, immutable"


def test_the_public_url_defaults_to_the_endpoint_and_can_be_set(aws_credentials: None) -> None:
    endpoint = S3Storage(bucket="pics", region=REGION, endpoint_url="http://127.0.0.1:9000")
    public = S3Storage(bucket="pics", region=REGION, public_url="https://media.example.org/")
    assert endpoint.url(KEY) == f"http://127.0.0.1:9000/pics/{KEY}"
    assert public.url(KEY) == f"https://media.example.org/{KEY}"


@pytest.mark.usefixtures("aws_credentials")
def test_a_public_url_s_trailing_slash_goes_and_its_origin_is_what_the_csp_allows() -> None:
    storage = S3Storage(bucket="pics", region=REGION, public_url="https://cdn.example.org/BOX/")

    assert storage.url(KEY) == f"https://cdn.example.org/BOX/{KEY}"
    assert storage.public_origin == "https://cdn.example.org"


@pytest.mark.usefixtures("aws_credentials")
def test_every_s3_setting_reaches_the_store(tmp_path: Path) -> None:
    settings = MediaSettings(
        storage_backend="s3",
        s3_bucket="pics",
        s3_region="eu-west-3",
        s3_endpoint_url="http://127.0.0.1:9000",
        s3_public_url="https://cdn.example.org/pics",
    )

    storage = create_storage(settings)

    assert isinstance(storage, S3Storage)
    assert storage.bucket == "pics"
    assert storage.client.meta.region_name == "eu-west-3"
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert storage.public_url == "https://cdn.example.org/pics"


def test_the_local_store_is_made_with_every_folder_of_its_path(tmp_path: Path) -> None:
    root = tmp_path / "srv" / "inkwell" / "media"

    storage = create_storage(MediaSettings(media_dir=root))

    assert isinstance(storage, LocalStorage)
    assert (storage.root, root.is_dir()) == (root, True)


async def test_a_key_in_folders_not_made_yet_is_saved(backend: Backend) -> None:
    key = "posts/2026/12/0123abcd.webp"

    await backend.storage.save(key, DATA, "image/webp")

    assert backend.read(key) == DATA


@pytest.mark.usefixtures("aws_credentials")
def test_an_s3_call_is_bounded_in_time_and_tries() -> None:
    """A hung S3 fails an upload after at most 3 tries of 5 s to connect and 15 s to read,
    over a pool as large as the calls let run at once."""
    config = S3Storage(bucket="pics", region=REGION).client.meta.config

    assert (config.connect_timeout, config.read_timeout) == (5, 15)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert config.max_pool_connections == S3_CONNECTIONS


class SlowS3(Crowding):
    """put_object taking a while, counting the calls running at once."""

    def put_object(self, **_: object) -> None:
        self.run()


@pytest.mark.usefixtures("aws_credentials")
async def test_no_more_s3_calls_run_at_once_than_its_pool_has_connections() -> None:
    storage = S3Storage(bucket="pics", region=REGION)
    slow = SlowS3()
    storage.client = slow

    await asyncio.gather(
        *(storage.save(f"p/{n}.webp", DATA, "image/webp") for n in range(3 * S3_CONNECTIONS))
    )

    assert slow.most == S3_CONNECTIONS


def _failure_logged(storage: Storage, action: str, cause: BaseException | None) -> str:
    if isinstance(storage, LocalStorage):
        return f"cannot {action} {storage.path(KEY)}"
    assert isinstance(storage, S3Storage)
    return f"S3 bucket {storage.bucket} failed: {cause}"


@pytest.mark.parametrize("action", ["write", "delete"])
async def test_a_failure_of_the_store_is_logged_with_its_cause(
    backend: Backend, caplog: pytest.LogCaptureFixture, action: str
) -> None:
    backend.break_it()
    storage = backend.storage
    attempt = storage.save(KEY, DATA, "image/webp") if action == "write" else storage.delete(KEY)

    with (
        caplog.at_level(logging.WARNING, logger="inkwell.media.storage"),
        pytest.raises(StorageUnavailable) as raised,
    ):
        await attempt

    cause = raised.value.__cause__
    [record] = [record for record in caplog.records if record.name == "inkwell.media.storage"]
    assert record.getMessage() == _failure_logged(storage, action, cause)
    assert record.exc_info is not None
    assert record.exc_info[1] is cause


async def test_a_key_that_could_escape_the_store_is_not_found_under_media(
    media_client: AsyncClient,
) -> None:
    response = await media_client.get("/media/.env")

    assert (response.status_code, response.text) == (404, "Not Found")


async def test_the_media_path_answers_reads_only(
    backend: Backend, media_client: AsyncClient
) -> None:
    await backend.storage.save(KEY, DATA, "image/webp")

    head = await media_client.head(f"/media/{KEY}")
    post = await media_client.post(f"/media/{KEY}")

    assert head.status_code in (200, 307)
    assert post.status_code == 405


def test_a_key_may_be_as_long_as_the_limit_and_no_longer(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)

    assert storage.path("a" * MAX_KEY_LENGTH).name == "a" * MAX_KEY_LENGTH
    with pytest.raises(InvalidKey, match=r"^invalid storage key: 'a+'$"):
        storage.path("a" * (MAX_KEY_LENGTH + 1))


async def test_a_local_file_is_readable_by_a_web_server_serving_the_folder(
    tmp_path: Path,
) -> None:
    await LocalStorage(tmp_path).save(KEY, DATA, "image/webp")

    assert (tmp_path / KEY).stat().st_mode & 0o777 == 0o644


async def test_a_local_file_is_written_hidden_beside_its_name_then_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename within one folder is atomic, and a hidden name is no key /media serves."""
    renamed: list[tuple[Path, Path]] = []

    def replace(source: str, target: Path) -> None:
        renamed.append((Path(source), Path(target)))
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "replace", replace)

    with pytest.raises(StorageUnavailable):
        await LocalStorage(tmp_path).save(KEY, DATA, "image/webp")

    [(source, target)] = renamed
    assert (source.parent, target) == (target.parent, tmp_path / KEY)
    assert source.name.startswith(".")
    assert list((tmp_path / KEY).parent.iterdir()) == []  # the half-written file is gone
