"""Bad input always gets a clear 4xx and changes nothing; run on PostgreSQL too, which turns
NUL characters and out-of-range integers into server errors unless the schemas refuse them."""

from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.models import Post
from inkwell.users.models import User
from tests.conftest import PASSWORD, Account, Api

BEYOND_INT32 = 2**31
Author = Account
POST_BODY = {"title": "t", "content": "c"}
ID_ROUTES = [
    ("GET", "/api/posts/{}", None),
    ("PUT", "/api/posts/{}", POST_BODY),
    ("PATCH", "/api/posts/{}", POST_BODY),
    ("DELETE", "/api/posts/{}", None),
    ("GET", "/api/users/{}", None),
    ("PATCH", "/api/users/{}", {"username": "someone"}),
    ("DELETE", "/api/users/{}", None),
    ("GET", "/api/users/{}/posts", None),
]


def assert_client_error(response: Response, status: int = 422) -> None:
    assert response.status_code == status, response.text
    assert "detail" in response.json()


async def assert_nothing_stored(session: AsyncSession, users: int = 1, posts: int = 0) -> None:
    assert await session.scalar(select(func.count()).select_from(User)) == users
    assert await session.scalar(select(func.count()).select_from(Post)) == posts


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "x" * 101},
        {"content": "x" * 50_001},
        {"title": ""},
        {"title": "   "},
        {"content": ""},
        {"content": " \n\t "},
        {"title": 42},
        {"content": ["a", "list"]},
        {"title": None},
        {"title": "nul\x00byte"},
        {"content": "nul\x00byte"},
        {"user_id": "one"},
        {"user_id": BEYOND_INT32},
        {"user_id": 0},
        {"id": 7},
    ],
    ids=lambda fields: ",".join(f"{k}={str(v)[:12]!r}" for k, v in fields.items()),
)
async def test_invalid_post_bodies_are_refused(
    client: AsyncClient, author: Author, session: AsyncSession, fields: dict[str, Any]
) -> None:
    body = {"title": "A title", "content": "Content"} | fields
    assert_client_error(await client.post("/api/posts", json=body, headers=author.headers))
    await assert_nothing_stored(session)


@pytest.mark.parametrize(
    "fields",
    [
        {"username": ""},
        {"username": "x" * 51},
        {"username": "has space"},
        {"username": "nul\x00"},
        {"email": "not-an-email"},
        {"email": "nul\x00@example.com"},
        {"password": "short"},
        {"password": "x" * 129},
        {"password": "nul\x00password"},
        {"password": "Password123"},
        {"password": 12345678},
        {"is_admin": True},
    ],
    ids=lambda fields: ",".join(f"{k}={str(v)[:12]!r}" for k, v in fields.items()),
)
async def test_invalid_registrations_are_refused(
    client: AsyncClient, session: AsyncSession, fields: dict[str, Any]
) -> None:
    body = {"username": "ada", "email": "ada@example.com", "password": PASSWORD} | fields
    assert_client_error(await client.post("/api/users", json=body))
    await assert_nothing_stored(session, users=0)


@pytest.mark.parametrize(
    "fields",
    [{"title": None}, {"title": "x" * 101}, {"content": "\x00"}, {"user_id": 2}, {"id": 3}],
    ids=str,
)
async def test_invalid_patches_leave_the_post_unchanged(
    api: Api, client: AsyncClient, author: Author, fields: dict[str, Any]
) -> None:
    post = await api.post(author)
    response = await client.patch(f"/api/posts/{post['id']}", json=fields, headers=author.headers)
    assert_client_error(response)
    assert (await client.get(f"/api/posts/{post['id']}")).json() == post


@pytest.mark.parametrize(
    "fields", [{"username": None}, {"email": "nope"}, {"username": "a\x00"}, {"id": 9}], ids=str
)
async def test_invalid_user_patches_are_refused(
    client: AsyncClient, author: Author, fields: dict[str, Any]
) -> None:
    response = await client.patch(f"/api/users/{author.id}", json=fields, headers=author.headers)
    assert_client_error(response)
    assert (await client.get(f"/api/users/{author.id}")).json()["username"] == "author"


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"skip": -1}, {"limit": "ten"}, {"skip": BEYOND_INT32}],
    ids=str,
)
async def test_invalid_pagination_is_refused(client: AsyncClient, params: dict[str, Any]) -> None:
    assert_client_error(await client.get("/api/posts", params=params))


@pytest.mark.parametrize(("method", "path", "body"), ID_ROUTES)
@pytest.mark.parametrize("bad_id", [BEYOND_INT32, 0])
async def test_ids_outside_the_id_range_are_refused(
    *,
    client: AsyncClient,
    author: Author,
    method: str,
    path: str,
    body: dict[str, str] | None,
    bad_id: object,
) -> None:
    response = await client.request(method, path.format(bad_id), json=body, headers=author.headers)
    assert_client_error(response)


@pytest.mark.parametrize(("method", "path", "body"), ID_ROUTES)
@pytest.mark.parametrize("not_an_id", [-1, "abc", "1.5"])
async def test_path_segments_that_are_not_ids_name_no_resource(
    *,
    client: AsyncClient,
    author: Author,
    method: str,
    path: str,
    body: dict[str, str] | None,
    not_an_id: object,
) -> None:
    """Id routes match digits only (so PATCH /api/users/me is a 405, not a 422)."""
    response = await client.request(
        method, path.format(not_an_id), json=body, headers=author.headers
    )
    assert response.status_code in {404, 405}, response.text


@pytest.mark.parametrize(("method", "path", "body"), ID_ROUTES)
async def test_unknown_ids_are_not_found(
    client: AsyncClient, author: Author, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = await client.request(
        method, path.format(2**31 - 1), json=body, headers=author.headers
    )
    assert_client_error(response, 404)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"title=x&content=y", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"a string"', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"title": "t", "content": "c"}', "text/plain"),
    ],
    ids=str,
)
async def test_bodies_that_are_not_a_json_object_are_refused(
    client: AsyncClient, session: AsyncSession, content: bytes, content_type: str
) -> None:
    response = await client.post(
        "/api/users", content=content, headers={"content-type": content_type}
    )
    assert response.status_code in {415, 422}, response.text
    await assert_nothing_stored(session, users=0)


async def test_validation_errors_say_which_field_is_wrong(client: AsyncClient) -> None:
    response = await client.post(
        "/api/users", json={"username": "ada", "email": "ada@example.com", "password": "short"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]
