"""No picture is forgotten when its file cannot be deleted: the transaction that stops naming
it records its key (`media_deletions`), the record goes once the file has, and `inkwell media
sweep` tries those left again. Locally and on S3 (moto), on SQLite and PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from inkwell import cli
from inkwell.config import Settings
from inkwell.db import utcnow
from inkwell.media.storage import LocalStorage, S3Storage
from tests.conftest import Account, Api, StartedApp, StatementCounter
from tests.factories import Factory
from tests.media.test_post_pictures import stored_key, upload_for_a_post
from tests.media.test_sweep import backdate
from tests.pictures import image_file, key_of, stored_files, upload
from tests.s3 import REGION, s3_client

runner = CliRunner()


@dataclass
class Store:
    """The app's picture store, seen from behind it, and an outage of it: while `fail()`
    holds, every deletion fails (the app's and the command's), until `recover()`."""

    app: StartedApp
    client: AsyncClient
    files: Callable[[], set[str]]
    fail: Callable[[], None]
    recover: Callable[[], None]


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDIA_DIR", str(settings.media_dir))


@pytest.fixture
def local_store(
    started_app: StartedApp, client: AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Store]:
    """The outage: the store's folders are files there, so nothing under them unlinks."""
    storage = started_app.state["storage"]
    assert isinstance(storage, LocalStorage)
    root, media_dir, blocked = storage.root, started_app.state["settings"].media_dir, tmp_path
    for folder in ("profile_pics", "posts"):
        (blocked / folder).write_bytes(b"not a folder")

    def fail() -> None:
        storage.root = blocked
        monkeypatch.setenv("MEDIA_DIR", str(blocked))

    def recover() -> None:
        storage.root = root
        monkeypatch.setenv("MEDIA_DIR", str(media_dir))

    yield Store(started_app, client, lambda: stored_files(media_dir), fail, recover)
    recover()


@pytest.fixture
async def s3_store(s3_app: StartedApp, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Store]:
    """The outage: the bucket cannot be found."""
    storage = s3_app.state["storage"]
    assert isinstance(storage, S3Storage)
    bucket = storage.bucket
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("S3_BUCKET", bucket)
    monkeypatch.setenv("S3_REGION", REGION)

    def files() -> set[str]:
        listed = s3_client(None).list_objects_v2(Bucket=bucket).get("Contents", [])
        return {item["Key"] for item in listed}

    def fail() -> None:
        storage.bucket = "inkwell-missing"
        monkeypatch.setenv("S3_BUCKET", "inkwell-missing")

    def recover() -> None:
        storage.bucket = bucket
        monkeypatch.setenv("S3_BUCKET", bucket)

    async with AsyncClient(transport=ASGITransport(app=s3_app), base_url="http://test") as client:
        yield Store(s3_app, client, files, fail, recover)
    recover()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, cli_env: None) -> Store:
    found: Store = request.getfixturevalue(f"{request.param}_store")
    return found


@pytest.fixture
async def painter(factory: Factory, store: Store) -> Account:
    """Signed in on the store's client."""
    account = await factory.account("painter")
    store.client.headers.update(account.headers)
    return account


async def records(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.scalars(text("SELECT key FROM media_deletions"))).all())


async def profile_picture(store: Store, painter: Account) -> str:
    response = await upload(store.client, painter.id, image_file())
    assert response.status_code == 200, response.text
    return key_of(response.json())


async def sweep() -> Result:
    return await asyncio.to_thread(runner.invoke, cli.app, ["media", "sweep"])


async def test_an_account_deleted_while_the_store_fails_leaves_its_pictures_recorded(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    pictures = {
        await profile_picture(store, painter),
        stored_key(await upload_for_a_post(store.client, image_file())),
    }
    store.fail()

    assert (await store.client.delete(f"/api/users/{painter.id}")).status_code == 204

    assert await records(engine) == pictures
    assert store.files() == pictures


async def test_a_post_deleted_while_the_store_fails_leaves_its_picture_recorded(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    key = stored_key(await upload_for_a_post(store.client, image_file()))
    post = await Api(store.client).post(painter, content=f"![x](/media/{key})")
    store.fail()

    assert (await store.client.delete(f"/api/posts/{post['id']}")).status_code == 204

    assert await records(engine) == {key}


async def test_a_profile_picture_removed_while_the_store_fails_is_recorded(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    key = await profile_picture(store, painter)
    store.fail()

    removed = await store.client.delete(f"/api/users/{painter.id}/picture")

    assert removed.status_code == 200
    assert await records(engine) == {key}


async def test_a_sweep_with_the_store_back_deletes_the_recorded_files_and_their_records(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    await profile_picture(store, painter)
    await upload_for_a_post(store.client, image_file())
    store.fail()
    await store.client.delete(f"/api/users/{painter.id}")
    store.recover()

    result = await sweep()

    assert result.exit_code == 0, result.output
    assert "Tried 2 recorded file deletions: 2 done, 0 left." in result.output
    assert store.files() == set()
    assert await records(engine) == set()


async def test_a_sweep_while_the_store_fails_keeps_the_records_and_says_how_many_are_left(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    key = await profile_picture(store, painter)
    store.fail()
    await store.client.delete(f"/api/users/{painter.id}/picture")

    result = await sweep()

    assert result.exit_code == 1, result.output
    assert "Tried 1 recorded file deletions: 0 done, 1 left." in result.output
    assert await records(engine) == {key}


async def test_the_sweeps_own_pictures_are_recorded_when_the_store_fails(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    key = stored_key(await upload_for_a_post(store.client, image_file()))
    await backdate(engine, key, created_at=utcnow() - timedelta(days=8))
    store.fail()

    failed = await sweep()
    store.recover()
    retried = await sweep()

    assert failed.exit_code == 1, failed.output
    assert "Deleted 1 pictures for posts that no post links." in failed.output
    assert "1 left." in failed.output
    assert "Tried 1 recorded file deletions: 1 done, 0 left." in retried.output
    assert store.files() == set()
    assert await records(engine) == set()


async def record(engine: AsyncEngine, keys: list[str]) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO media_deletions (key, queued_at) VALUES (:key, CURRENT_TIMESTAMP)"),
            [{"key": key} for key in keys],
        )


async def test_a_record_whose_file_is_already_gone_is_removed_by_the_sweep(
    store: Store, engine: AsyncEngine
) -> None:
    await record(engine, ["posts/00000000000000000000000000000000.webp"])

    result = await sweep()

    assert "Tried 1 recorded file deletions: 1 done, 0 left." in result.output
    assert await records(engine) == set()


@pytest.mark.usefixtures("cli_env")
async def test_the_sweep_goes_past_the_deletions_it_cannot_do_batch_after_batch(
    engine: AsyncEngine, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "SWEEP_BATCH_SIZE", 2)
    keys = [f"posts/{n:032x}.webp" for n in range(5)]
    stuck = set(keys[:2])  # the whole first batch
    for key in stuck:
        (media_dir / key / "blocker").mkdir(parents=True)  # a non-empty directory stays
    await record(engine, keys)

    result = await sweep()

    assert result.exit_code == 1, result.output
    assert "Tried 5 recorded file deletions: 3 done, 2 left." in result.output
    assert await records(engine) == stuck


@pytest.mark.usefixtures("cli_env")
async def test_the_sweep_deletes_a_batchs_files_at_once(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not one after another: during an outage, each would wait out the store's time-outs."""
    await record(engine, [f"posts/{n:032x}.webp" for n in range(5)])
    deleting, in_flight, most = LocalStorage.delete, 0, 0

    async def slow_delete(storage: LocalStorage, key: str) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)
        await deleting(storage, key)
        in_flight -= 1

    monkeypatch.setattr(LocalStorage, "delete", slow_delete)
    result = await sweep()

    assert "Tried 5 recorded file deletions: 5 done, 0 left." in result.output
    assert most == 5


async def test_a_successful_deletion_leaves_no_record(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    await profile_picture(store, painter)
    await upload_for_a_post(store.client, image_file())

    assert (await store.client.delete(f"/api/users/{painter.id}")).status_code == 204

    assert store.files() == set()
    assert await records(engine) == set()


def _fail_committing(_session: object) -> None:
    raise OperationalError("COMMIT", None, ConnectionResetError("injected"))


async def test_a_deletion_rolled_back_leaves_its_pictures_and_no_record(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    pictures = {
        await profile_picture(store, painter),
        stored_key(await upload_for_a_post(store.client, image_file())),
    }
    event.listen(Session, "before_commit", _fail_committing)
    try:
        deleted = await store.client.delete(f"/api/users/{painter.id}")
    finally:
        event.remove(Session, "before_commit", _fail_committing)

    assert deleted.status_code == 503
    assert await records(engine) == set()
    assert store.files() == pictures


async def test_a_new_picture_the_store_cannot_remove_after_a_failed_request_is_recorded(
    store: Store, engine: AsyncEngine, painter: Account
) -> None:
    """The request's transaction rolled back: the record is written in one of its own."""

    def fail_updating_users(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE USERS"):
            store.fail()
            raise OperationalError(statement, None, ConnectionResetError("injected"))

    sync_engine = store.app.state["engine"].sync_engine
    event.listen(sync_engine, "before_cursor_execute", fail_updating_users)
    try:
        response = await upload(store.client, painter.id, image_file())
    finally:
        event.remove(sync_engine, "before_cursor_execute", fail_updating_users)

    assert response.status_code == 503
    (new,) = store.files()
    assert await records(engine) == {new}


async def test_deleting_a_post_without_pictures_sends_nothing_to_the_records(
    client: AsyncClient, api: Api, count_statements: StatementCounter, factory: Factory
) -> None:
    author = await factory.account("author")
    post = await api.post(author, content="No pictures.")

    await client.delete(f"/api/posts/{post['id']}", headers=author.headers)

    assert not [s for s in count_statements.statements if "media_deletions" in s]


async def test_the_pictures_of_an_account_are_recorded_in_one_statement(
    client: AsyncClient, count_statements: StatementCounter, factory: Factory
) -> None:
    author = await factory.account("author")
    client.headers.update(author.headers)
    await upload(client, author.id, image_file())
    for _ in range(2):
        await upload_for_a_post(client, image_file())
    count_statements.statements.clear()

    await client.delete(f"/api/users/{author.id}")

    recorded = "INSERT INTO media_deletions"
    assert len([s for s in count_statements.statements if s.startswith(recorded)]) == 1
