"""The account page's picture forms without JavaScript: they post to the site, which answers
them as `PUT` and `DELETE /api/users/{id}/picture` do, within the same limits (the upload's
size, the image's pixels, one upload at a time and so many an hour), and says what is wrong
with a file at its field. Run on SQLite and PostgreSQL."""

from typing import Any

import pytest
from httpx import AsyncClient

from inkwell.config import Settings
from inkwell.users.rows import DEFAULT_AVATAR_PATH
from tests.conftest import Account
from tests.media.test_picture_bad_uploads import SIX_MIB, TEXT, streamed_multipart
from tests.pictures import decompression_bomb, image_file, key_of, stored_files, upload
from tests.web.test_account_forms_without_script import profile_of, signed_in
from tests.web.test_forms_without_script import FOREIGN, field_message


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Two uploads an hour: enough for any test but the one that spends them all."""
    return settings.model_copy(update={"rate_limit_picture_uploads_per_user": "2/hour"})


def picture(data: bytes, name: str = "me.png", content_type: str = "image/png") -> dict[str, Any]:
    return {"file": (name, data, content_type)}


async def with_a_picture(client: AsyncClient, author: Account) -> dict[str, object]:
    """Gives the author a picture through the API; answers the account as then stored."""
    response = await upload(client, author.id, image_file(), headers=author.headers)
    assert response.status_code == 200, response.text
    stored: dict[str, object] = response.json()
    return stored


async def test_the_picture_form_stores_the_picture_and_comes_back_saying_so(
    client: AsyncClient, settings: Settings, author: Account
) -> None:
    csrf = await signed_in(client)
    response = await client.post(
        "/account/picture", data={"csrf_token": csrf}, files=picture(image_file())
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account?saved=picture#picture-heading"
    stored = await profile_of(client, author)
    assert stored_files(settings.media_dir) == {key_of(stored)}
    page = (await client.get(response.headers["location"])).text
    assert "Your new picture is saved." in page
    assert f'src="{stored["image_path"]}"' in page


async def test_a_file_that_is_not_an_image_is_said_at_its_field_and_the_picture_kept(
    client: AsyncClient, settings: Settings, author: Account
) -> None:
    before = await with_a_picture(client, author)
    csrf = await signed_in(client)
    response = await client.post(
        "/account/picture", data={"csrf_token": csrf}, files=picture(TEXT, "notes.png")
    )
    assert response.status_code == 415
    assert field_message(response.text, "file") == "The file is not a JPEG, PNG, WebP or GIF image"
    assert 'aria-describedby="file-help file-error"' in response.text
    assert (await profile_of(client, author))["image_path"] == before["image_path"]
    assert stored_files(settings.media_dir) == {key_of(before)}


async def test_an_image_of_too_many_pixels_is_said_at_its_field(
    client: AsyncClient, settings: Settings, author: Account
) -> None:
    csrf = await signed_in(client)
    response = await client.post(
        "/account/picture", data={"csrf_token": csrf}, files=picture(decompression_bomb(8_000))
    )
    assert response.status_code == 422
    assert field_message(response.text, "file").startswith("The image is too large: at most")
    assert (await profile_of(client, author))["image_path"] == DEFAULT_AVATAR_PATH
    assert stored_files(settings.media_dir) == set()


BODIES_PAST_THE_LIMIT = {
    "declared": lambda csrf: {
        "data": {"csrf_token": csrf},
        "files": picture(b"\x89PNG" + bytes(SIX_MIB)),
    },
    "chunked": lambda csrf: {
        "content": streamed_multipart(SIX_MIB),
        "headers": {"content-type": "multipart/form-data; boundary=limit"},
    },
}


@pytest.mark.parametrize("body", BODIES_PAST_THE_LIMIT)
async def test_a_file_past_the_upload_limit_is_said_at_its_field(
    client: AsyncClient, settings: Settings, author: Account, body: str
) -> None:
    csrf = await signed_in(client)
    response = await client.post("/account/picture", **BODIES_PAST_THE_LIMIT[body](csrf))
    assert response.status_code == 413
    assert field_message(response.text, "file") == (
        f"The upload is larger than the limit of {settings.max_upload_bytes} bytes"
    )
    assert "<title>Your account" in response.text
    assert stored_files(settings.media_dir) == set()


async def test_a_file_past_the_upload_limit_from_another_site_is_refused(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    response = await client.post(
        "/account/picture",
        data={"csrf_token": csrf},
        files=picture(bytes(SIX_MIB)),
        headers=FOREIGN,
    )
    assert response.status_code == 403
    assert "<title>Your account" not in response.text


async def test_a_file_past_the_upload_limit_sent_signed_out_goes_to_sign_in_first(
    client: AsyncClient,
) -> None:
    response = await client.post(
        "/account/picture", data={"csrf_token": "anything"}, files=picture(bytes(SIX_MIB))
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"


NO_FILE = {
    # What a browser sends for a file field left empty: a part with no file name.
    "empty file field": lambda csrf: {
        "data": {"csrf_token": csrf},
        "files": {"file": ("", b"", "application/octet-stream")},
    },
    "text field": lambda csrf: {
        "data": {"csrf_token": csrf, "file": "me.png"},
        "files": {"other": ("me.png", image_file(), "image/png")},
    },
}


@pytest.mark.parametrize("sent", NO_FILE)
async def test_the_picture_form_sent_without_a_file_says_to_choose_one(
    client: AsyncClient, author: Account, sent: str
) -> None:
    csrf = await signed_in(client)
    response = await client.post("/account/picture", **NO_FILE[sent](csrf))
    assert response.status_code == 422
    assert field_message(response.text, "file") == "Choose an image to upload."


async def test_uploads_past_the_hourly_budget_are_said_above_the_picture_form(
    client: AsyncClient, author: Account
) -> None:
    await with_a_picture(client, author)
    await with_a_picture(client, author)
    csrf = await signed_in(client)
    response = await client.post(
        "/account/picture", data={"csrf_token": csrf}, files=picture(image_file())
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Too many picture uploads; try again in " in response.text


async def test_the_picture_form_without_its_csrf_field_is_refused(
    client: AsyncClient, settings: Settings, author: Account
) -> None:
    await signed_in(client)
    response = await client.post(
        "/account/picture", data={"csrf_token": "guess"}, files=picture(image_file())
    )
    assert response.status_code == 403
    assert (await profile_of(client, author))["image_path"] == DEFAULT_AVATAR_PATH
    assert stored_files(settings.media_dir) == set()


async def test_the_picture_form_sent_signed_out_goes_to_sign_in_first(
    client: AsyncClient, settings: Settings, author: Account
) -> None:
    response = await client.post(
        "/account/picture", data={"csrf_token": "anything"}, files=picture(image_file())
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"
    assert stored_files(settings.media_dir) == set()


async def test_the_remove_form_removes_the_picture_and_its_file(
    client: AsyncClient, settings: Settings, author: Account
) -> None:
    await with_a_picture(client, author)
    csrf = await signed_in(client)
    response = await client.post("/account/picture/remove", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/account?saved=picture-removed#picture-heading"
    assert (await profile_of(client, author))["image_path"] == DEFAULT_AVATAR_PATH
    assert stored_files(settings.media_dir) == set()
    page = (await client.get(response.headers["location"])).text
    assert "Your picture is removed." in page


async def test_the_delete_form_removes_the_accounts_picture_file(
    client: AsyncClient, settings: Settings, author: Account
) -> None:
    await with_a_picture(client, author)
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "confirm_username": "author"}
    assert (await client.post("/account/delete", data=form)).status_code == 303
    assert stored_files(settings.media_dir) == set()
