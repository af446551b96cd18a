"""Pictures for posts: `POST /api/uploads` stores a WebP at most 1600 pixels wide, without
its metadata, with the limits of profile pictures; on SQLite and PostgreSQL, locally and on S3."""

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from tests.conftest import Account, Api, StartedApp, started
from tests.media.test_picture_bad_uploads import BAD_UPLOADS
from tests.pictures import (
    BLUE,
    RED,
    decode,
    encode,
    image_file,
    is_close,
    left_red_right_blue,
    sideways_jpeg,
    stored_files,
    upload,
)
from tests.s3 import s3_client
from tests.web.test_conversation import send
from tests.web.test_pages import sign_in

POST_PICTURE = re.compile(r"/media/(posts/[0-9a-f]{32}\.webp)")
EXIF_ARTIST, EXIF_GPS_INFO = 0x013B, 0x8825


async def upload_for_a_post(
    client: AsyncClient, data: bytes, filename: str = "photo.png", content_type: str = "image/png"
) -> Response:
    return await client.post("/api/uploads", files={"file": (filename, data, content_type)})


def stored_key(response: Response) -> str:
    assert response.status_code == 201, response.text
    return stored_key_of(response.json()["url"])


def stored_key_of(url: str) -> str:
    match = POST_PICTURE.fullmatch(url)
    assert match, url
    return match[1]


async def test_a_wide_picture_is_stored_1600_pixels_wide_keeping_its_shape(
    client: AsyncClient, painter: Account, media_dir: Path
) -> None:
    response = await upload_for_a_post(client, encode(left_red_right_blue(3000, 1500), "PNG"))
    key = stored_key(response)
    assert response.json() == {"url": f"/media/{key}"}
    assert stored_files(media_dir) == {key}
    served = await client.get(f"/media/{key}")
    assert served.headers["content-type"] == "image/webp"
    picture = decode(served.content)
    assert (picture.format, picture.size) == ("WEBP", (1600, 800))
    rgb = picture.convert("RGB")
    assert is_close(rgb.getpixel((10, 400)), RED)
    assert is_close(rgb.getpixel((1590, 400)), BLUE)


@pytest.mark.parametrize("size", [(640, 480), (1600, 300), (900, 3000)])
async def test_a_picture_no_wider_than_1600_keeps_its_size(
    client: AsyncClient, painter: Account, media_dir: Path, size: tuple[int, int]
) -> None:
    key = stored_key(await upload_for_a_post(client, image_file("PNG", size)))
    assert Image.open(media_dir / key).size == size


async def test_a_thin_strip_narrowed_to_1600_keeps_one_pixel_of_height(
    client: AsyncClient, painter: Account, media_dir: Path
) -> None:
    """Its height scaled would round to none; a picture keeps at least one row."""
    key = stored_key(await upload_for_a_post(client, image_file("PNG", (4000, 1))))
    assert Image.open(media_dir / key).size == (1600, 1)


async def test_the_picture_is_turned_upright_and_loses_its_metadata(
    client: AsyncClient, painter: Account, media_dir: Path
) -> None:
    exif = Image.Exif()
    exif[EXIF_ARTIST] = "Someone Private"
    exif[EXIF_GPS_INFO] = {1: "N", 2: (48.0, 51.0, 29.0)}
    tagged = encode(left_red_right_blue(2400, 1200), "JPEG", exif=exif, quality=95)
    assert decode(tagged).getexif()

    key = stored_key(await upload_for_a_post(client, tagged, "photo.jpg", "image/jpeg"))
    stored = (media_dir / key).read_bytes()
    picture = decode(stored)
    assert picture.size == (1600, 800)
    assert not picture.getexif()
    assert not {"exif", "xmp", "icc_profile"} & set(picture.info)
    assert b"Someone Private" not in stored

    upright = decode((media_dir / stored_key(await upload_for_a_post(
        client, sideways_jpeg(), "sideways.jpg", "image/jpeg"
    ))).read_bytes()).convert("RGB")  # fmt: skip
    assert upright.size == (200, 400)
    assert is_close(upright.getpixel((100, 10)), RED)
    assert is_close(upright.getpixel((100, 390)), BLUE)


async def test_an_uploaded_picture_shows_in_a_post_as_a_picture(
    client: AsyncClient, api: Api, painter: Account
) -> None:
    url = (await upload_for_a_post(client, image_file())).json()["url"]
    post = await api.post(painter, content=f"![a red square]({url})")
    assert post["content_html"] == (f'<p><img src="{url}" alt="a red square" loading="lazy"></p>\n')


async def test_uploading_a_picture_for_a_post_needs_a_signed_in_user(
    client: AsyncClient, media_dir: Path
) -> None:
    response = await upload_for_a_post(client, image_file())
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    assert stored_files(media_dir) == set()


async def test_deleting_an_account_deletes_the_pictures_it_uploaded_for_posts(
    client: AsyncClient, api: Api, painter: Account, media_dir: Path
) -> None:
    used = (await upload_for_a_post(client, image_file())).json()["url"]
    await api.post(painter, content=f"![a red square]({used})")
    await upload_for_a_post(client, image_file())

    assert (await client.delete(f"/api/users/{painter.id}")).status_code == 204

    assert stored_files(media_dir) == set()
    assert (await client.get(used)).status_code == 404


async def test_deleting_another_account_keeps_this_ones_pictures_for_posts(
    client: AsyncClient, api: Api, painter: Account, media_dir: Path
) -> None:
    other = await api.sign_up("other")
    key = stored_key(await upload_for_a_post(client, image_file()))

    deleted = await client.delete(f"/api/users/{other.id}", headers=other.headers)

    assert deleted.status_code == 204
    assert stored_files(media_dir) == {key}


async def picture_records(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.scalars(text("SELECT key FROM post_pictures"))).all())


async def _delete_by_api(client: AsyncClient, post: dict[str, Any]) -> int:
    return (await client.delete(f"/api/posts/{post['id']}")).status_code


async def _delete_by_page(client: AsyncClient, post: dict[str, Any]) -> int:
    await sign_in(client, "painter")
    status, _ = await send(client, f"/posts/{post['id']}/delete")
    return status


async def _delete_by_conduit(client: AsyncClient, post: dict[str, Any]) -> int:
    token = client.headers["Authorization"].removeprefix("Bearer ")
    response = await client.delete(
        f"/conduit/api/articles/{post['slug']}-{post['id']}",
        headers={"Authorization": f"Token {token}"},
    )
    return response.status_code


DELETIONS: dict[str, tuple[Callable[[AsyncClient, dict[str, Any]], Awaitable[int]], int]] = {
    "api": (_delete_by_api, 204),
    "page": (_delete_by_page, 303),
    "conduit": (_delete_by_conduit, 204),
}


@pytest.mark.parametrize("deletion", DELETIONS.keys())
async def test_deleting_a_post_deletes_the_pictures_only_it_linked(
    *,
    client: AsyncClient,
    api: Api,
    engine: AsyncEngine,
    painter: Account,
    media_dir: Path,
    deletion: str,
) -> None:
    delete, deleted = DELETIONS[deletion]
    first = (await upload_for_a_post(client, image_file())).json()["url"]
    second = (await upload_for_a_post(client, image_file())).json()["url"]
    unlinked = stored_key(await upload_for_a_post(client, image_file()))
    post = await api.post(painter, content=f"![one]({first})\n\n![two]({second}) ![one]({first})")

    assert await delete(client, post) == deleted

    assert stored_files(media_dir) == {unlinked}
    assert await picture_records(engine) == {unlinked}
    assert (await client.get(first)).status_code == 404


@pytest.mark.parametrize("status", ["published", "draft"])
async def test_deleting_a_post_keeps_a_picture_another_post_of_its_author_links(
    client: AsyncClient, api: Api, painter: Account, media_dir: Path, status: str
) -> None:
    shared = (await upload_for_a_post(client, image_file())).json()["url"]
    own = (await upload_for_a_post(client, image_file())).json()["url"]
    post = await api.post(painter, content=f"![shared]({shared}) ![own]({own})")
    await api.post(painter, content=f"Again: ![shared]({shared})", status=status)

    assert await _delete_by_api(client, post) == 204

    assert stored_files(media_dir) == {stored_key_of(shared)}
    assert (await client.get(shared)).status_code == 200


async def test_deleting_a_post_keeps_a_picture_someone_else_uploaded_that_it_linked(
    client: AsyncClient, api: Api, painter: Account, media_dir: Path
) -> None:
    other = await api.sign_up("other")
    borrowed = await client.post(
        "/api/uploads", files={"file": ("a.png", image_file(), "image/png")}, headers=other.headers
    )
    post = await api.post(painter, content=f"![borrowed]({borrowed.json()['url']})")

    assert await _delete_by_api(client, post) == 204

    assert stored_files(media_dir) == {stored_key(borrowed)}


async def test_deleting_a_post_keeps_its_authors_picture_that_someone_elses_post_links(
    client: AsyncClient, api: Api, painter: Account, media_dir: Path
) -> None:
    url = (await upload_for_a_post(client, image_file())).json()["url"]
    post = await api.post(painter, content=f"![mine]({url})")
    other = await api.sign_up("other")
    await api.post(other, content=f"![borrowed]({url})")

    assert await _delete_by_api(client, post) == 204

    assert stored_files(media_dir) == {stored_key_of(url)}


async def test_editing_a_post_never_deletes_the_picture_it_stops_linking(
    client: AsyncClient, api: Api, painter: Account, media_dir: Path
) -> None:
    """The editor may autosave between a cut and its paste."""
    url = (await upload_for_a_post(client, image_file())).json()["url"]
    post = await api.post(painter, content=f"![cut]({url})")

    edited = await client.patch(f"/api/posts/{post['id']}", json={"content": "Cut."})

    assert edited.status_code == 200
    assert stored_files(media_dir) == {stored_key_of(url)}


async def test_a_post_whose_deletion_fails_keeps_its_pictures(
    client: AsyncClient, api: Api, painter: Account, media_dir: Path
) -> None:
    key = stored_key(await upload_for_a_post(client, image_file()))
    post = await api.post(painter, content=f"![x](/media/{key})")
    other = await api.sign_up("other")

    refused = await client.delete(f"/api/posts/{post['id']}", headers=other.headers)

    assert refused.status_code == 403
    assert stored_files(media_dir) == {key}


@pytest.mark.parametrize("case", BAD_UPLOADS)
async def test_a_bad_picture_for_a_post_is_refused_as_a_bad_profile_picture_is(
    client: AsyncClient, painter: Account, media_dir: Path, case: str
) -> None:
    request, status = BAD_UPLOADS[case]
    response = await client.post("/api/uploads", **request())
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert stored_files(media_dir) == set()


@pytest.fixture
async def stingy_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    stingy = settings.model_copy(update={"rate_limit_picture_uploads_per_user": "2/hour"})
    async with (
        started(create_app(stingy)) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client,
    ):
        yield client


async def test_pictures_for_posts_and_profiles_share_each_users_upload_budget(
    stingy_client: AsyncClient,
) -> None:
    api = Api(stingy_client)
    spender, other = await api.sign_up("spender"), await api.sign_up("other")
    stingy_client.headers.update(spender.headers)
    assert (await upload(stingy_client, spender.id, image_file())).status_code == 200
    assert (await upload_for_a_post(stingy_client, image_file())).status_code == 201
    refused = await upload_for_a_post(stingy_client, image_file())
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    stingy_client.headers.update(other.headers)
    assert (await upload_for_a_post(stingy_client, image_file())).status_code == 201


async def test_with_s3_a_picture_for_a_post_goes_to_the_bucket(s3_app: StartedApp) -> None:
    bucket = s3_app.state["settings"].s3_bucket
    storage: Any = s3_app.state["storage"]
    async with AsyncClient(transport=ASGITransport(app=s3_app), base_url="http://test") as client:
        account = await Api(client).sign_up("cloudy")
        client.headers.update(account.headers)
        key = stored_key(await upload_for_a_post(client, image_file("PNG", (2000, 500))))
        redirect = await client.get(f"/media/{key}")
        post = await Api(client).post(account, content=f"![x]({storage.url(key)})")
    assert redirect.status_code == 307
    assert redirect.headers["location"] == storage.url(key)
    stored = s3_client(None).get_object(Bucket=bucket, Key=key)
    assert stored["ContentType"] == "image/webp"
    assert decode(stored["Body"].read()).size == (1600, 400)
    # The bucket's own address counts as the site's media too.
    assert post["content_html"].startswith(f'<p><img src="{storage.url(key)}"')


async def test_with_s3_deleting_a_post_deletes_the_picture_it_linked_by_the_buckets_address(
    s3_app: StartedApp,
) -> None:
    bucket = s3_app.state["settings"].s3_bucket
    storage: Any = s3_app.state["storage"]
    async with AsyncClient(transport=ASGITransport(app=s3_app), base_url="http://test") as client:
        account = await Api(client).sign_up("cloudy")
        client.headers.update(account.headers)
        key = stored_key(await upload_for_a_post(client, image_file()))
        post = await Api(client).post(account, content=f"![x]({storage.url(key)})")
        assert (await client.delete(f"/api/posts/{post['id']}")).status_code == 204
    listed = s3_client(None).list_objects_v2(Bucket=bucket, Prefix=key)
    assert listed["KeyCount"] == 0


async def test_with_s3_deleting_an_account_deletes_its_pictures_for_posts(
    s3_app: StartedApp,
) -> None:
    bucket = s3_app.state["settings"].s3_bucket
    async with AsyncClient(transport=ASGITransport(app=s3_app), base_url="http://test") as client:
        account = await Api(client).sign_up("cloudy")
        client.headers.update(account.headers)
        key = stored_key(await upload_for_a_post(client, image_file()))
        assert (await client.delete(f"/api/users/{account.id}")).status_code == 204
    listed = s3_client(None).list_objects_v2(Bucket=bucket, Prefix=key)
    assert listed["KeyCount"] == 0
