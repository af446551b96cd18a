"""What an upload may cost the server, and what it gets stored as: pixel and side limits read
from the header, a bounded number of decoders and waiters, one upload at a time per user
and a rate per user, no database connection held while a picture is processed; and the
stored picture's format, size, mode and quality. Run on SQLite and PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from PIL import Image, ImageOps
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.errors import wait_in_words
from tests.conftest import Account, Api, StartedApp, started
from tests.pictures import (
    RED,
    HeldDecoders,
    decode,
    encode,
    image_file,
    key_of,
    lossless_webp,
    upload,
)

AppWith = Callable[..., Awaitable[tuple[FastAPI, AsyncClient]]]


@pytest.fixture
async def app_with(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AppWith]:
    """Starts the app with some settings changed; stops it after the test."""
    async with AsyncExitStack() as stack:

        async def start(**changes: object) -> tuple[FastAPI, AsyncClient]:
            app = create_app(settings.model_copy(update=changes))
            transport = ASGITransport(app=await stack.enter_async_context(started(app)))
            client = AsyncClient(transport=transport, base_url="http://test")
            return app, await stack.enter_async_context(client)

        yield start


@pytest.fixture
def held_decoders(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldDecoders]:
    held = HeldDecoders()
    monkeypatch.setattr(ImageOps, "fit", held.wrap(ImageOps.fit))
    yield held
    held.release()


async def sign_up(client: AsyncClient, count: int) -> list[Account]:
    api = Api(client)
    return [await api.sign_up() for _ in range(count)]


def upload_as(client: AsyncClient, account: Account, data: bytes | None = None) -> Any:
    return asyncio.ensure_future(
        upload(client, account.id, data or image_file(), headers=account.headers)
    )


# Limits read from the header


@pytest.mark.parametrize(
    ("size", "status"),
    [((100, 100), 200), ((73, 137), 422)],
    ids=["exactly the limit", "one pixel more"],
)
async def test_an_image_of_exactly_max_image_pixels_is_accepted_and_one_more_is_refused(
    app_with: AppWith, size: tuple[int, int], status: int
) -> None:
    _, client = await app_with(max_image_pixels=100 * 100)
    [account] = await sign_up(client, 1)
    response = await upload(client, account.id, image_file("PNG", size), headers=account.headers)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("size", "status"),
    [((500, 10), 200), ((10, 500), 200), ((501, 10), 422), ((10, 501), 422)],
    ids=["as wide as the limit", "as high", "wider", "higher"],
)
async def test_an_image_wider_or_higher_than_max_image_side_is_refused(
    app_with: AppWith, size: tuple[int, int], status: int
) -> None:
    _, client = await app_with(max_image_side=500)
    [account] = await sign_up(client, 1)
    response = await upload(client, account.id, image_file("PNG", size), headers=account.headers)
    assert response.status_code == status, response.text
    if status == 422:
        assert "at most 500 pixels wide and high" in response.json()["detail"]


@pytest.mark.parametrize(("image_format", "status"), [("JPEG", 200), ("PNG", 422)])
async def test_a_jpeg_counts_the_pixels_of_its_reduced_decode_and_other_formats_all_of_theirs(
    app_with: AppWith, image_format: str, status: int
) -> None:
    """1600 by 1600 is 16 times the limit; a JPEG of it decodes at a quarter of each side,
    400 by 400, still no smaller than the 300-pixel picture, and exactly the limit."""
    _, client = await app_with(max_image_pixels=400 * 400)
    [account] = await sign_up(client, 1)
    data = image_file(image_format, (1600, 1600))
    response = await upload(client, account.id, data, "me", "", headers=account.headers)
    assert response.status_code == status, response.text


async def test_the_large_lossless_webp_of_the_finding_is_refused_with_the_defaults(
    client: AsyncClient, painter: Account
) -> None:
    """7000 by 7000 pixels in 1.9 KB: 49 megapixels, three times MAX_IMAGE_PIXELS."""
    data = await asyncio.to_thread(lossless_webp, 7000)
    response = await upload(client, painter.id, data, "big.webp", "image/webp")
    assert response.status_code == 422
    assert "too large" in response.json()["detail"]


# Decoders, their queue, and each user's uploads


async def test_no_more_than_image_processing_concurrency_decodes_run_at_once(
    app_with: AppWith, held_decoders: HeldDecoders
) -> None:
    _, client = await app_with(image_processing_concurrency=2, image_processing_queue=10)
    accounts = await sign_up(client, 5)
    uploads = [upload_as(client, account) for account in accounts]
    await held_decoders.until_running(2)
    await asyncio.sleep(0.2)  # time for a third decode to start, were it allowed to
    assert held_decoders.running == 2
    held_decoders.release()
    assert [(await task).status_code for task in uploads] == [200] * 5
    assert held_decoders.most_at_once == 2


async def test_an_upload_beyond_the_decoders_and_their_queue_answers_503_at_once(
    app_with: AppWith, held_decoders: HeldDecoders
) -> None:
    _, client = await app_with(image_processing_concurrency=1, image_processing_queue=1)
    first, *others = await sign_up(client, 3)
    decoding = upload_as(client, first)
    await held_decoders.until_running(1)
    waiting_or_refused = [upload_as(client, account) for account in others]
    done, _ = await asyncio.wait(waiting_or_refused, return_when=asyncio.FIRST_COMPLETED)
    [refused] = done
    response: Response = refused.result()
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) > 0
    assert "try again" in response.json()["detail"]
    held_decoders.release()
    assert (await decoding).status_code == 200
    assert sorted([(await task).status_code for task in waiting_or_refused]) == [200, 503]


async def test_a_second_upload_by_the_same_user_while_the_first_runs_answers_429_at_once(
    client: AsyncClient, painter: Account, held_decoders: HeldDecoders
) -> None:
    first = upload_as(client, painter)
    await held_decoders.until_running(1)
    second = await upload(client, painter.id, image_file())
    assert second.status_code == 429
    assert second.json() == {
        "detail": "Another picture of yours is still being uploaded; try again in 1 second",
        "code": "rate_limited",
    }
    assert second.headers["retry-after"] == "1"
    held_decoders.release()
    assert (await first).status_code == 200
    assert (await upload(client, painter.id, image_file())).status_code == 200


async def test_uploads_beyond_the_rate_per_user_answer_429_with_the_time_to_wait(
    app_with: AppWith,
) -> None:
    _, client = await app_with(rate_limit_picture_uploads_per_user="2/hour")
    spender, other = await sign_up(client, 2)
    statuses = [(await upload_as(client, spender)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await upload_as(client, spender)
    told = wait_in_words(int(refused.headers["retry-after"]))
    assert refused.json() == {
        "detail": f"Too many picture uploads; try again in {told}",
        "code": "rate_limited",
    }
    assert 3000 < int(refused.headers["retry-after"]) <= 3600
    assert (await upload_as(client, other)).status_code == 200


# The limit is under test, not the database: the second's wait need not be spent twice.
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_time_to_wait_counts_from_the_upload_that_spent_the_budget(
    app_with: AppWith,
) -> None:
    """Not from the refusal: a client told to wait the whole window again would wait longer
    than it must (a second is the header's unit, so the wait is over a second)."""
    _, client = await app_with(rate_limit_picture_uploads_per_user="1/hour")
    [spender] = await sign_up(client, 1)
    assert (await upload_as(client, spender)).status_code == 200
    await asyncio.sleep(1.1)
    refused = await upload_as(client, spender)
    assert refused.status_code == 429
    assert 3000 < int(refused.headers["retry-after"]) < 3600


async def test_no_database_connection_is_held_while_a_picture_waits_or_is_decoded(
    started_app: StartedApp, client: AsyncClient, painter: Account, held_decoders: HeldDecoders
) -> None:
    """Finding 4: uploads waiting for a decoder each held a connection of the pool that
    pages use, and a storm of them kept pages waiting for seconds."""
    uploading = upload_as(client, painter)
    await held_decoders.until_running(1)
    assert started_app.state["engine"].pool.checkedout() == 0
    held_decoders.release()
    assert (await uploading).status_code == 200


# What is stored


@pytest.mark.parametrize("image_format", ["PNG", "WEBP", "GIF"])
async def test_a_transparent_image_keeps_its_transparency(
    client: AsyncClient, painter: Account, image_format: str
) -> None:
    """Left half transparent, right half opaque red."""
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    image.paste((*RED, 255), (100, 0, 200, 200))
    response = await upload(client, painter.id, encode(image, image_format), "me", "")
    assert response.status_code == 200, response.text
    picture = decode((await client.get(f"/media/{key_of(response.json())}")).content)
    assert picture.mode == "RGBA"
    assert picture.getpixel((20, 150))[3] == 0  # type: ignore[index]
    assert picture.getpixel((280, 150))[3] == 255  # type: ignore[index]


async def test_an_opaque_image_is_stored_as_an_rgb_webp_of_the_configured_size(
    app_with: AppWith,
) -> None:
    _, client = await app_with(profile_image_size=128)
    [account] = await sign_up(client, 1)
    response = await upload(client, account.id, image_file("PNG"), headers=account.headers)
    picture = decode((await client.get(f"/media/{key_of(response.json())}")).content)
    assert (picture.format, picture.mode, picture.size) == ("WEBP", "RGB", (128, 128))


async def test_the_picture_is_encoded_at_the_promised_webp_quality(
    client: AsyncClient, painter: Account
) -> None:
    """An upload already 300 by 300 is neither cropped nor resized: what is stored is its
    WebP encoding at quality 85, byte for byte."""
    source = Image.effect_noise((300, 300), 80).convert("RGB")
    response = await upload(client, painter.id, encode(source, "PNG"))
    stored = (await client.get(f"/media/{key_of(response.json())}")).content
    assert stored == encode(source, "WEBP", quality=85)
