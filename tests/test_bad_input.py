"""Bad input always gets a clear 4xx and changes nothing; run on PostgreSQL too, which turns
NUL characters and out-of-range integers into server errors unless the schemas refuse them."""

import json
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.models import Post
from inkwell.users.models import User
from tests.conftest import PASSWORD, Account
from tests.factories import Factory

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


def plain_id(value: object) -> str:
    """A test id that selects its test again (as mutmut's runs select them): pytest escapes
    what is not printable ASCII in an id, and cannot find the escaped id given back."""
    return "".join(
        character
        if " " <= character <= "~" and character not in "\\[]"
        else f"U+{ord(character):04X}"
        for character in str(value)
    )


def fields_id(fields: dict[str, Any]) -> str:
    return ",".join(f"{name}={plain_id(str(value)[:12])}" for name, value in fields.items())


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
        {"title": "\u200b\u200b"},
        {"title": "\u2060"},
        {"title": "\ufeff"},
        {"title": " \u200b \ufeff\u200d "},
        {"title": "Two\nlines"},
        {"title": "A\ttab"},
        {"title": "Next\x85line"},
        {"title": "Turned \u202eelcit"},
        {"title": "Isolated \u2066words"},
        {"subtitle": "\u200b"},
        {"subtitle": "Turned \u202eelcit"},
        {"content": "\u200b\u200b"},
        {"content": "\u2060"},
        {"content": "\ufeff"},
        {"content": "\n\u200b\t\u2060 "},
        {"title": "\u0301"},  # a mark with no letter to mark
        {"title": " \u20dd\u0301 "},
        {"subtitle": "\u0301"},
        {"content": "\u0301\n\u0302"},
        {"user_id": "one"},
        {"user_id": BEYOND_INT32},
        {"user_id": 0},
        {"id": 7},
    ],
    ids=fields_id,
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
        {"username": "."},
        {"username": ".."},
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
    ids=fields_id,
)
async def test_invalid_registrations_are_refused(
    client: AsyncClient, session: AsyncSession, fields: dict[str, Any]
) -> None:
    body = {"username": "ada", "email": "ada@example.com", "password": PASSWORD} | fields
    assert_client_error(await client.post("/api/users", json=body))
    await assert_nothing_stored(session, users=0)


@pytest.mark.parametrize(
    "fields",
    [
        {"title": None},
        {"title": "x" * 101},
        {"content": "\x00"},
        {"title": "\u200b \u2060"},
        {"content": "\ufeff"},
        {"user_id": 2},
        {"id": 3},
    ],
    ids=plain_id,
)
async def test_invalid_patches_leave_the_post_unchanged(
    factory: Factory, client: AsyncClient, author: Author, fields: dict[str, Any]
) -> None:
    post = await factory.post(author)
    response = await client.patch(f"/api/posts/{post['id']}", json=fields, headers=author.headers)
    assert_client_error(response)
    assert (await client.get(f"/api/posts/{post['id']}")).json() == post


@pytest.mark.parametrize(
    "fields",
    [{"username": None}, {"email": "nope"}, {"username": "a\x00"}, {"id": 9}],
    ids=plain_id,
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
    ids=plain_id,
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
    ids=plain_id,
)
async def test_bodies_that_are_not_a_json_object_are_refused(
    client: AsyncClient, session: AsyncSession, content: bytes, content_type: str
) -> None:
    response = await client.post(
        "/api/users", content=content, headers={"content-type": content_type}
    )
    assert response.status_code in {415, 422}, response.text
    await assert_nothing_stored(session, users=0)


async def test_a_body_that_is_not_utf8_is_one_problem_with_the_whole_body(
    client: AsyncClient, session: AsyncSession
) -> None:
    """FastAPI answers it 400; the API, as every other input it cannot use, 422."""
    response = await client.post(
        "/api/users", content=b'{"username": "\xff"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    message = "There was an error parsing the body"
    problem = {"type": "body_unreadable", "loc": ["body"], "msg": message}
    assert response.json() == {
        "detail": [problem],
        "code": "body_unreadable",
        "errors": [
            {"field": None, "code": "body_unreadable",
             "message": "The request could not be read. Send it again."}
        ],
    }  # fmt: skip
    await assert_nothing_stored(session, users=0)


async def test_validation_errors_say_which_field_is_wrong(client: AsyncClient) -> None:
    response = await client.post(
        "/api/users", json={"username": "ada", "email": "ada@example.com", "password": "short"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


@pytest.mark.parametrize(
    "fields", [{"title": "\u200b\u200b"}, {"content": " \u2060\ufeff "}], ids=plain_id
)
async def test_a_replacement_saying_nothing_visible_leaves_the_post_unchanged(
    factory: Factory, client: AsyncClient, author: Author, fields: dict[str, str]
) -> None:
    post = await factory.post(author)
    body = {"title": "A title", "content": "Content"} | fields
    response = await client.put(f"/api/posts/{post['id']}", json=body, headers=author.headers)
    assert_client_error(response)
    assert (await client.get(f"/api/posts/{post['id']}")).json() == post


# What Python's JSON parser accepts and a JSON response cannot carry: JSON has no NaN or
# infinity, and UTF-8 has no lone surrogate.
UNENCODABLE = ["NaN", "Infinity", "-Infinity", "1e999", '"\\ud800"', '"a\\udfffb"']


def json_body(fields: dict[str, str], name: str, literal: str) -> bytes:
    """`fields` as a JSON object, with `name` set to `literal` written as is."""
    members = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in fields.items()]
    return ("{" + ", ".join([*members, f"{json.dumps(name)}: {literal}"]) + "}").encode()


def assert_refused_without_echo(response: Response, loc: list[str]) -> None:
    """A 422 naming the field, never repeating an input that cannot be encoded."""
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert errors, response.text
    for error in errors:
        assert error["loc"][: len(loc)] == loc, response.text
        assert "input" not in error, response.text


@pytest.mark.parametrize("literal", UNENCODABLE)
@pytest.mark.parametrize("field", ["username", "email", "password"])
async def test_a_registration_field_json_cannot_echo_is_refused(
    client: AsyncClient, session: AsyncSession, field: str, literal: str
) -> None:
    fields = {"username": "ada", "email": "ada@example.com", "password": PASSWORD}
    del fields[field]
    response = await client.post(
        "/api/users",
        content=json_body(fields, field, literal),
        headers={"content-type": "application/json"},
    )
    assert_refused_without_echo(response, ["body", field])
    await assert_nothing_stored(session, users=0)


@pytest.mark.parametrize("literal", UNENCODABLE)
@pytest.mark.parametrize("field", ["title", "content"])
async def test_a_post_field_json_cannot_echo_is_refused(
    client: AsyncClient, author: Author, session: AsyncSession, field: str, literal: str
) -> None:
    fields = {"title": "A title", "content": "Content"}
    del fields[field]
    response = await client.post(
        "/api/posts",
        content=json_body(fields, field, literal),
        headers={"content-type": "application/json"} | author.headers,
    )
    assert_refused_without_echo(response, ["body", field])
    await assert_nothing_stored(session)


@pytest.mark.parametrize("literal", UNENCODABLE)
async def test_a_post_patch_json_cannot_echo_leaves_the_post_unchanged(
    factory: Factory, client: AsyncClient, author: Author, literal: str
) -> None:
    post = await factory.post(author)
    response = await client.patch(
        f"/api/posts/{post['id']}",
        content=json_body({}, "title", literal),
        headers={"content-type": "application/json"} | author.headers,
    )
    assert_refused_without_echo(response, ["body", "title"])
    assert (await client.get(f"/api/posts/{post['id']}")).json() == post


async def test_an_unknown_field_named_by_a_lone_surrogate_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    fields = {"username": "ada", "email": "ada@example.com", "password": PASSWORD}
    response = await client.post(
        "/api/users",
        content=json_body(fields, "\ud800", "1"),
        headers={"content-type": "application/json"},
    )
    assert_refused_without_echo(response, ["body"])
    await assert_nothing_stored(session, users=0)


def multipart(fields: dict[str, str]) -> bytes:
    parts = [
        f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return "".join([*parts, "--b--\r\n"]).encode()


@pytest.mark.parametrize(
    ("form", "content_type"),
    [
        (b"username=%ED%A0%80&password=x", "application/x-www-form-urlencoded"),
        (b"username=ada&password=%ED%A0%80%ED%A0%80", "application/x-www-form-urlencoded"),
        (b"username=NaN&password=", "application/x-www-form-urlencoded"),
        (b"username=%E2%80%8B&password=x", "application/x-www-form-urlencoded"),
        # UTF-7 can spell a lone surrogate (+2AA- is U+D800), and multipart takes the charset.
        (multipart({"username": "+2AA-", "password": "x"}), "multipart/form-data; boundary=b"),
        (multipart({"username": "ada", "password": "+3/8-"}), "multipart/form-data; boundary=b"),
    ],
    ids=["urlencoded-username", "urlencoded-password", "nan", "zero-width", "utf7-1", "utf7-2"],
)
async def test_a_login_form_field_that_cannot_be_echoed_is_refused(
    client: AsyncClient, form: bytes, content_type: str
) -> None:
    charset = "; charset=utf-7" if content_type.startswith("multipart") else ""
    response = await client.post(
        "/api/users/token", content=form, headers={"content-type": content_type + charset}
    )
    assert response.status_code in {401, 422}, response.text
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "query", ["limit=NaN", "limit=Infinity", "skip=-Infinity", "limit=1e999", "skip=%ED%A0%80"]
)
async def test_a_query_parameter_that_cannot_be_echoed_is_refused(
    client: AsyncClient, query: str
) -> None:
    assert_client_error(await client.get(f"/api/posts?{query}"))
