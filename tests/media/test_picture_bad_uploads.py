"""Every bad upload gets a clear 4xx, stores nothing and leaves the user's picture as it was.
Run on SQLite and PostgreSQL."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from tests.conftest import Account, Api
from tests.pictures import (
    decompression_bomb,
    image_file,
    key_of,
    stored_files,
    truncated_jpeg,
    upload,
)

SIX_MIB = 6 * 1024 * 1024
TEXT = b"Definitely not a picture.\n" * 40


def file_part(name: str, data: bytes, content_type: str) -> dict[str, Any]:
    return {"files": {"file": (name, data, content_type)}}


async def streamed_multipart(size: int) -> AsyncIterator[bytes]:
    """A multipart body sent chunked, with no Content-Length to refuse it by."""
    yield (
        b'--limit\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        b"Content-Type: image/png\r\n\r\n"
    )
    for _ in range(size // 65_536):
        yield b"\x00" * 65_536


BAD_UPLOADS: dict[str, tuple[Callable[[], dict[str, Any]], int]] = {
    "text renamed .png": (lambda: file_part("avatar.png", TEXT, "image/png"), 415),
    "text without a type": (lambda: file_part("avatar", TEXT, "application/octet-stream"), 415),
    "png sent as jpeg": (lambda: file_part("me.jpg", image_file("PNG"), "image/jpeg"), 415),
    "bmp": (lambda: file_part("me.bmp", image_file("BMP"), "image/bmp"), 415),
    "truncated jpeg": (lambda: file_part("me.jpg", truncated_jpeg(), "image/jpeg"), 422),
    "bomb past pillow's limit": (
        lambda: file_part("bomb.png", decompression_bomb(15_000), "image/png"),
        422,
    ),
    "bomb past max_image_pixels": (
        lambda: file_part("bomb.png", decompression_bomb(8_000), "image/png"),
        422,
    ),
    "6 MiB file": (lambda: file_part("big.png", b"\x89PNG" + bytes(SIX_MIB), "image/png"), 413),
    "6 MiB chunked body": (
        lambda: {
            "content": streamed_multipart(SIX_MIB),
            "headers": {"content-type": "multipart/form-data; boundary=limit"},
        },
        413,
    ),
    "empty file": (lambda: file_part("me.png", b"", "image/png"), 422),
    "name with ../": (lambda: file_part("../../etc/me.png", image_file(), "image/png"), 422),
    "no file field": (lambda: {"files": {"picture": ("me.png", image_file(), "image/png")}}, 422),
    "file field as text": (lambda: {"data": {"file": "me.png"}}, 422),
    "json body": (lambda: {"json": {"file": "me.png"}}, 422),
    "no body": (dict, 422),
}


@pytest.fixture
async def user(api: Api, painter: Account) -> dict[str, Any]:
    """A user who already has a picture, which no bad upload may touch."""
    response = await upload(api.client, painter.id, image_file())
    assert response.status_code == 200, response.text
    user_with_picture: dict[str, Any] = response.json()
    return user_with_picture


@pytest.mark.parametrize("case", BAD_UPLOADS)
async def test_a_bad_upload_is_refused_and_changes_nothing(
    client: AsyncClient, user: dict[str, Any], settings: Any, case: str
) -> None:
    request, status = BAD_UPLOADS[case]
    response = await client.put(f"/api/users/{user['id']}/picture", **request())
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert stored_files(Path(settings.media_dir)) == {key_of(user)}
    profile = (await client.get(f"/api/users/{user['id']}")).json()
    assert profile["image_path"] == user["image_path"]


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(
    client: AsyncClient, user: dict[str, Any]
) -> None:
    chunks_read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal chunks_read
        async for chunk in streamed_multipart(SIX_MIB):
            chunks_read += 1
            yield chunk

    response = await client.put(
        f"/api/users/{user['id']}/picture",
        content=body(),
        headers={
            "content-type": "multipart/form-data; boundary=limit",
            "content-length": str(SIX_MIB),
        },
    )
    assert response.status_code == 413
    assert chunks_read == 0
