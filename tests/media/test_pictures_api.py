"""Profile pictures through the API: upload, replace, remove, and cleanup on account deletion.
Every test runs on SQLite and PostgreSQL, with pictures stored in a temporary MEDIA_DIR."""

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.media.pending import PendingMedia
from inkwell.users import models
from inkwell.users.rows import DEFAULT_AVATAR_PATH
from tests.conftest import Account, Api, StartedApp, started
from tests.factories import Factory
from tests.pictures import (
    BLUE,
    RED,
    decode,
    image_file,
    is_close,
    key_of,
    large_png,
    sideways_jpeg,
    stored_files,
    two_frame_gif,
    upload,
)
from tests.s3 import s3_client

User = dict[str, Any]


@pytest.fixture
def user(painter: Account) -> User:
    return painter.user


async def test_an_upload_becomes_a_square_webp_served_under_media(
    client: AsyncClient, user: User, media_dir: Path
) -> None:
    response = await upload(client, user["id"], image_file("PNG", (640, 480)))
    assert response.status_code == 200, response.text
    key = key_of(response.json())
    assert key.startswith("profile_pics/")
    assert key.endswith(".webp")
    assert stored_files(media_dir) == {key}
    served = await client.get(f"/media/{key}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    picture = decode(served.content)
    assert (picture.format, picture.size) == ("WEBP", (300, 300))


async def test_the_profile_shows_the_new_picture(client: AsyncClient, user: User) -> None:
    uploaded = (await upload(client, user["id"], image_file())).json()
    profile = (await client.get(f"/api/users/{user['id']}")).json()
    assert profile["image_path"] == uploaded["image_path"] != DEFAULT_AVATAR_PATH


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
async def test_each_accepted_format_is_accepted(
    client: AsyncClient, user: User, image_format: str, content_type: str
) -> None:
    response = await upload(
        client, user["id"], image_file(image_format), f"me.{image_format}", content_type
    )
    assert response.status_code == 200, response.text


async def test_the_content_decides_when_the_client_declares_no_type(
    client: AsyncClient, user: User
) -> None:
    response = await upload(
        client, user["id"], image_file("JPEG"), "me", "application/octet-stream"
    )
    assert response.status_code == 200, response.text


async def test_the_stored_name_never_comes_from_the_uploaded_one(
    client: AsyncClient, user: User
) -> None:
    first = key_of((await upload(client, user["id"], image_file(), "portrait.png")).json())
    second = key_of((await upload(client, user["id"], image_file(), "portrait.png")).json())
    assert "portrait" not in first
    assert first != second


async def test_exif_orientation_is_applied(client: AsyncClient, user: User) -> None:
    """Stored left red / right blue and tagged "turn a quarter clockwise": red ends up on top."""
    response = await upload(client, user["id"], sideways_jpeg(), "me.jpg", "image/jpeg")
    picture = decode((await client.get(response.json()["image_path"])).content).convert("RGB")
    assert is_close(picture.getpixel((260, 40)), RED)
    assert is_close(picture.getpixel((40, 260)), BLUE)


async def test_a_gif_keeps_its_first_frame(client: AsyncClient, user: User) -> None:
    response = await upload(client, user["id"], two_frame_gif(), "me.gif", "image/gif")
    picture = decode((await client.get(response.json()["image_path"])).content).convert("RGB")
    assert is_close(picture.getpixel((150, 150)), RED)


async def test_metadata_is_not_kept(client: AsyncClient, user: User) -> None:
    response = await upload(client, user["id"], sideways_jpeg(), "me.jpg", "image/jpeg")
    picture = decode((await client.get(response.json()["image_path"])).content)
    assert not picture.getexif()


async def test_replacing_deletes_the_old_file(
    client: AsyncClient, user: User, media_dir: Path
) -> None:
    await upload(client, user["id"], image_file())
    response = await upload(client, user["id"], image_file("JPEG"), "new.jpg", "image/jpeg")
    assert stored_files(media_dir) == {key_of(response.json())}


async def test_a_change_made_meanwhile_by_another_request_wins_and_this_one_is_refused(
    client: AsyncClient,
    user: User,
    engine: AsyncEngine,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The picture is swapped only if it is still the one read before processing the upload:
    the loser of two changes at once gets 409 and leaves neither its file nor a deletion."""
    first = key_of((await upload(client, user["id"], image_file())).json())
    winner = "profile_pics/winner.webp"
    save = PendingMedia.save

    async def save_after_another_change(
        self: PendingMedia, session: AsyncSession, key: str, data: bytes, content_type: str
    ) -> None:
        async with engine.begin() as connection:
            await connection.execute(
                update(models.User).where(models.User.id == user["id"]).values(image_file=winner)
            )
        await save(self, session, key, data, content_type)

    monkeypatch.setattr(PendingMedia, "save", save_after_another_change)
    response = await upload(client, user["id"], image_file("JPEG"), "new.jpg", "image/jpeg")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "The picture was changed by another request at the same time; try again",
        "code": "changed_concurrently",
    }
    assert stored_files(media_dir) == {first}
    profile = await client.get(f"/api/users/{user['id']}")
    assert profile.json()["image_path"] == f"/media/{winner}"


async def test_removing_the_picture_brings_back_the_default_avatar_and_deletes_the_file(
    client: AsyncClient, user: User, media_dir: Path
) -> None:
    await upload(client, user["id"], image_file())
    response = await client.delete(f"/api/users/{user['id']}/picture")
    assert response.status_code == 200
    assert response.json()["image_path"] == DEFAULT_AVATAR_PATH
    assert stored_files(media_dir) == set()


async def test_removing_a_picture_that_is_not_there_changes_nothing(
    client: AsyncClient, user: User
) -> None:
    response = await client.delete(f"/api/users/{user['id']}/picture")
    assert response.status_code == 200
    assert response.json()["image_path"] == DEFAULT_AVATAR_PATH


async def test_deleting_the_user_deletes_their_picture(
    client: AsyncClient, user: User, media_dir: Path
) -> None:
    await upload(client, user["id"], image_file())
    assert (await client.delete(f"/api/users/{user['id']}")).status_code == 204
    assert stored_files(media_dir) == set()


async def test_deleting_another_user_keeps_this_users_picture(
    client: AsyncClient, api: Api, user: User, media_dir: Path
) -> None:
    other = await api.register("other")
    key = key_of((await upload(client, user["id"], image_file())).json())
    await client.delete(f"/api/users/{other['id']}")
    assert stored_files(media_dir) == {key}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.usefixtures("painter")
async def test_an_unknown_user_is_404_and_nothing_is_stored(
    client: AsyncClient, media_dir: Path, method: str
) -> None:
    files = {"file": ("me.png", image_file(), "image/png")} if method == "PUT" else None
    response = await client.request(method, "/api/users/999/picture", files=files)
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found", "code": "user_not_found"}
    assert stored_files(media_dir) == set()


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_anonymous_picture_changes_are_unauthorized(
    client: AsyncClient, api: Api, media_dir: Path, method: str
) -> None:
    user = await api.register("someone")
    files = {"file": ("me.png", image_file(), "image/png")} if method == "PUT" else None
    response = await client.request(method, f"/api/users/{user['id']}/picture", files=files)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert stored_files(media_dir) == set()


async def test_nobody_changes_another_users_picture(
    client: AsyncClient, factory: Factory, user: User, media_dir: Path
) -> None:
    victim = await factory.account("victim")
    key = key_of((await upload(client, victim.id, image_file(), headers=victim.headers)).json())
    refusals = [
        await upload(client, victim.id, image_file()),
        await client.delete(f"/api/users/{victim.id}/picture"),
    ]
    for refusal in refusals:
        assert refusal.status_code == 403
        assert refusal.json() == {
            "detail": "You may only change your own account",
            "code": "forbidden",
        }
    assert stored_files(media_dir) == {key}
    assert key_of((await client.get(f"/api/users/{victim.id}")).json()) == key


@pytest.fixture
async def roomy_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    """Takes images of up to 90 megapixels."""
    roomy = {"max_image_pixels": 90_000_000, "max_image_side": 9_500}
    app = create_app(settings.model_copy(update=roomy))
    async with (
        started(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client,
    ):
        yield client


@pytest.mark.slow
# The decoding is under test, not the database: seconds of CPU that need not be spent twice.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_event_loop_keeps_answering_while_large_images_are_processed(
    roomy_client: AsyncClient, media_dir: Path
) -> None:
    """Four 81-megapixel PNGs take seconds of CPU each: decoded on the event loop, they would
    hold /health back that long. The bound is generous for a busy two-core machine."""
    data = await asyncio.to_thread(large_png)
    api = Api(roomy_client)
    accounts = [await api.sign_up(f"big{n}") for n in range(4)]
    answered = [time.perf_counter()]
    uploads = [
        asyncio.create_task(upload(roomy_client, a.id, data, headers=a.headers)) for a in accounts
    ]
    while not all(task.done() for task in uploads):
        assert (await roomy_client.get("/health")).status_code == 200
        answered.append(time.perf_counter())
        await asyncio.sleep(0.05)
    assert [(await task).status_code for task in uploads] == [200] * 4
    assert len(stored_files(media_dir)) == 4
    assert len(answered) > 4, "the uploads ended before /health was asked enough to tell"
    gaps = [later - earlier for earlier, later in itertools.pairwise(answered)]
    assert max(gaps) < 2.0, gaps


async def test_with_s3_the_picture_goes_to_the_bucket_and_media_redirects_there(
    s3_app: StartedApp,
) -> None:
    bucket = s3_app.state["settings"].s3_bucket
    async with AsyncClient(transport=ASGITransport(app=s3_app), base_url="http://test") as client:
        account = await Api(client).sign_up("cloudy")
        client.headers.update(account.headers)
        user = account.user
        await upload(client, user["id"], image_file())
        second = key_of(
            (await upload(client, user["id"], image_file("GIF"), "a.gif", "image/gif")).json()
        )
        redirect = await client.get(f"/media/{second}")
    objects = s3_client(None).list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in objects] == [second]  # the first one is gone
    assert redirect.status_code == 307
    assert redirect.headers["location"] == s3_app.state["storage"].url(second)
    stored = s3_client(None).get_object(Bucket=bucket, Key=second)["Body"].read()
    assert decode(stored).size == (300, 300)
