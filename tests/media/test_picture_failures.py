"""Nothing is left half-done: when storage or the database fails, the user keeps the old
picture and no new file is left behind; the replaced file goes only once the change is
committed. Run on SQLite and PostgreSQL."""

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, UploadFile

from inkwell.db import create_sessionmaker
from inkwell.errors import Conflict
from inkwell.media.pending import PendingMedia
from inkwell.media.service import replace_picture
from inkwell.media.storage import S3Storage
from inkwell.transactions import settled_hooks
from inkwell.users.schemas import UserPrivate
from inkwell.users.service import get_user
from tests.conftest import Account, Api, StartedApp
from tests.media.test_deletion_records import records
from tests.pictures import image_file, key_of, stored_files, upload
from tests.s3 import REGION

User = dict[str, Any]


@pytest.fixture
async def user(api: Api, painter: Account) -> User:
    """A user with a picture already."""
    picture: User = (await upload(api.client, painter.id, image_file())).json()
    return picture


async def assert_unchanged(client: AsyncClient, user: User, media_dir: Path) -> None:
    assert stored_files(media_dir) == {key_of(user)}
    profile = (await client.get(f"/api/users/{user['id']}")).json()
    assert profile["image_path"] == user["image_path"]


@pytest.mark.usefixtures("aws_credentials")
async def test_a_storage_outage_answers_503_and_keeps_the_old_picture(
    started_app: StartedApp, client: AsyncClient, user: User, media_dir: Path, closed_port_url: str
) -> None:
    down = S3Storage(bucket="down", region=REGION, endpoint_url=closed_port_url)
    started_app.state["storage"] = down
    response = await upload(client, user["id"], image_file("JPEG"), "new.jpg", "image/jpeg")
    assert response.status_code == 503
    assert response.json()["detail"] == (
        "The picture store is temporarily unavailable; try again shortly."
    )
    assert response.headers["Retry-After"] == "5"
    await assert_unchanged(client, user, media_dir)


def _fail_updating_users(_conn: object, _cursor: object, statement: str, *_: object) -> None:
    if statement.lstrip().upper().startswith("UPDATE USERS"):
        raise OperationalError(statement, None, ConnectionResetError("injected"))


def _fail_committing(_session: object) -> None:
    raise OperationalError("COMMIT", None, ConnectionResetError("injected"))


@pytest.fixture(params=["update fails", "commit fails"])
def failing_database(
    started_app: StartedApp, request: pytest.FixtureRequest
) -> Iterator[Callable[[], None]]:
    """The UPDATE of the user's row is rejected, or the flush goes through and COMMIT fails,
    until the test calls the function it is given."""
    engine = started_app.state["engine"].sync_engine
    target, name, failure = {
        "update fails": (engine, "before_cursor_execute", _fail_updating_users),
        "commit fails": (Session, "before_commit", _fail_committing),
    }[request.param]
    event.listen(target, name, failure)

    def recover() -> None:
        if event.contains(target, name, failure):
            event.remove(target, name, failure)

    yield recover
    recover()


async def test_a_database_failure_after_storing_keeps_the_old_picture_and_removes_the_new(
    client: AsyncClient, user: User, media_dir: Path, failing_database: Callable[[], None]
) -> None:
    response = await upload(client, user["id"], image_file("JPEG"), "new.jpg", "image/jpeg")
    assert response.status_code == 503
    failing_database()
    await assert_unchanged(client, user, media_dir)


async def test_a_replaced_file_that_cannot_be_deleted_stays_recorded_and_the_upload_succeeds(
    client: AsyncClient, user: User, engine: AsyncEngine, media_dir: Path
) -> None:
    old = media_dir / key_of(user)
    old.unlink()
    (old / "blocker").mkdir(parents=True)  # a non-empty directory cannot be unlinked
    response = await upload(client, user["id"], image_file("JPEG"), "new.jpg", "image/jpeg")
    assert response.status_code == 200
    assert key_of(response.json()) in stored_files(media_dir)
    assert await records(engine) == {key_of(user)}


async def test_of_two_racing_changes_the_later_gets_409_and_its_file_is_removed(
    started_app: StartedApp,
    client: AsyncClient,
    engine: AsyncEngine,
    user: User,
    media_dir: Path,
) -> None:
    """The loser read the user before the winner committed: it must not supersede a picture
    that is no longer the current one, which would leave the winner's file orphaned."""
    data = image_file("JPEG")
    racing_upload = UploadFile(
        io.BytesIO(data),
        size=len(data),
        filename="late.jpg",
        headers=Headers({"content-type": "image/jpeg"}),
    )
    async with create_sessionmaker(engine)() as session:
        stale_user = UserPrivate.model_validate(await get_user(session, user["id"]))
        winner = (await upload(client, user["id"], image_file())).json()
        state = started_app.state
        changes = PendingMedia(state["storage"], state["sessionmaker"])
        async with settled_hooks(session):
            with pytest.raises(Conflict):
                await replace_picture(
                    session, state["picture_processor"], changes, stale_user, racing_upload
                )
            await session.rollback()
    assert stored_files(media_dir) == {key_of(winner)}
    profile = (await client.get(f"/api/users/{user['id']}")).json()
    assert profile["image_path"] == winner["image_path"]
