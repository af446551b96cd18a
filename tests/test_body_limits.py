"""Every API route that reads a body refuses one over MAX_JSON_BODY_BYTES with a JSON 413,
declared or not, before reading it all, and stores nothing; the largest valid post fits."""

import json
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.body_limits import MAX_JSON_BODY_BYTES
from inkwell.posts.models import CONTENT_MAX_LENGTH, Post
from tests.conftest import Account

TOO_LARGE = json.dumps({"title": "t", "content": "x" * MAX_JSON_BODY_BYTES}).encode()
LIMIT_DETAIL = f"The request body is larger than the limit of {MAX_JSON_BODY_BYTES} bytes"


def assert_too_large(response: Response) -> None:
    assert response.status_code == 413
    assert response.json() == {"detail": LIMIT_DETAIL, "code": "body_too_large"}


async def in_chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A body without a Content-Length: sent chunked, counted as it arrives."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def posts_stored(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Post)) or 0


async def test_a_declared_body_over_the_limit_is_refused_and_nothing_is_stored(
    client: AsyncClient, author: Account, session: AsyncSession
) -> None:
    response = await client.post(
        "/api/posts",
        content=TOO_LARGE,
        headers=author.headers | {"Content-Type": "application/json"},
    )

    assert_too_large(response)
    assert await posts_stored(session) == 0


async def test_a_chunked_body_over_the_limit_is_cut_off_and_nothing_is_stored(
    client: AsyncClient, author: Account, session: AsyncSession
) -> None:
    response = await client.post(
        "/api/posts",
        content=in_chunks(TOO_LARGE),
        headers=author.headers | {"Content-Type": "application/json"},
    )

    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert await posts_stored(session) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/users"),
        ("POST", "/api/users/token"),
        ("POST", "/api/users/forgot-password"),
        ("POST", "/api/users/reset-password"),
    ],
)
async def test_every_body_reading_route_has_the_limit(
    client: AsyncClient, method: str, path: str
) -> None:
    response = await client.request(
        method, path, content=TOO_LARGE, headers={"Content-Type": "application/json"}
    )
    assert_too_large(response)


async def test_the_largest_valid_post_fits_under_the_limit(
    client: AsyncClient, author: Account
) -> None:
    # Every character escaped as \u00e9: six bytes each, the most a valid post can take.
    body = json.dumps({"title": "t", "content": "é" * CONTENT_MAX_LENGTH}).encode()

    response = await client.post(
        "/api/posts", content=body, headers=author.headers | {"Content-Type": "application/json"}
    )

    assert len(body) > 6 * CONTENT_MAX_LENGTH
    assert response.status_code == 201
