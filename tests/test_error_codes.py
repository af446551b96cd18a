"""Every error body carries a stable `code` beside `detail`, on both databases; the OpenAPI
document names every code a body can carry. Rate limits (429), CSRF (403), outages (503)
and server errors (500) have their codes pinned beside their own tests."""

from typing import Any

import pytest
from httpx import AsyncClient

from inkwell.body_limits import MAX_JSON_BODY_BYTES
from inkwell.errors import ErrorBody, ErrorCode, responses
from tests.conftest import PASSWORD, Account, Api

POST = {"title": "t", "content": "c"}
SIGNED_IN = "signed in"
AS_AUTHOR = {SIGNED_IN: True}
NEW_PASSWORD = "an entirely new passphrase"
RESET = {"token": "x" * 43, "password": NEW_PASSWORD}
CONFIRM = {"token": "x" * 43}
WRONG_CURRENT = {"password": NEW_PASSWORD, "current_password": "wrong"}
WRONG_SIGN_IN = {"username": "author", "password": "wrong"}
FORGED = {"Authorization": "Bearer forged"}
TOO_LARGE = b"x" * (MAX_JSON_BODY_BYTES + 1)
NOT_UTF8 = {"content": b'{"title": "\xff"}', "headers": {"Content-Type": "application/json"}}
TEXT_FILE = {"file": ("notes.txt", b"plain words", "text/plain")}
EMPTY_FILE = {"file": ("empty.png", b"", "image/png")}


def registration(username: str, email: str) -> dict[str, str]:
    return {"username": username, "email": email, "password": PASSWORD}


@pytest.fixture
async def bystander(api: Api) -> dict[str, object]:
    return await api.register("bystander")


@pytest.mark.parametrize(
    ("method", "path", "request_args", "status", "code"),
    [
        ("POST", "/api/users/reset-password", {"json": RESET}, 400, "reset_link_invalid"),
        ("PATCH", "/api/users/{me}", AS_AUTHOR | {"json": WRONG_CURRENT}, 400,
         "current_password_incorrect"),
        ("POST", "/api/users/confirm-email", {"json": CONFIRM}, 400, "confirmation_link_invalid"),
        ("PUT", "/api/users/{me}/follow", AS_AUTHOR, 400, "cannot_follow_yourself"),
        ("POST", "/api/posts", {"json": POST}, 401, "not_authenticated"),
        ("POST", "/api/posts", {"json": POST, "headers": FORGED}, 401, "token_invalid"),
        ("POST", "/api/users/token", {"data": WRONG_SIGN_IN}, 401, "invalid_credentials"),
        ("DELETE", "/api/users/{bystander}", AS_AUTHOR, 403, "forbidden"),
        ("GET", "/api/posts/4242", {}, 404, "post_not_found"),
        ("DELETE", "/api/comments/4242", AS_AUTHOR, 404, "comment_not_found"),
        ("GET", "/api/users/4242", {}, 404, "user_not_found"),
        ("GET", "/api/no-such-thing", {}, 404, "not_found"),
        ("GET", "/health/no-such-check", {}, 404, "not_found"),
        ("PATCH", "/api/users/me", AS_AUTHOR, 405, "method_not_allowed"),
        ("POST", "/api/users", {"json": registration("author", "new@example.com")}, 409,
         "username_taken"),
        ("POST", "/api/users", {"json": registration("auth0r", "new@example.com")}, 409,
         "username_too_similar"),
        ("POST", "/api/users", {"json": registration("newcomer", "AUTHOR@example.com")}, 409,
         "email_taken"),
        ("POST", "/api/posts", AS_AUTHOR | {"content": TOO_LARGE}, 413, "body_too_large"),
        ("PUT", "/api/users/{me}/picture", AS_AUTHOR | {"files": TEXT_FILE}, 415,
         "unsupported_media_type"),
        ("PUT", "/api/users/{me}/picture", AS_AUTHOR | {"files": EMPTY_FILE}, 422,
         "upload_invalid"),
        ("POST", "/api/posts", AS_AUTHOR | {"json": POST | {"title": ""}}, 422,
         "validation_failed"),
        ("POST", "/api/posts", AS_AUTHOR | NOT_UTF8, 422, "body_unreadable"),
        ("GET", "/api/posts?cursor=forged", {}, 422, "cursor_invalid"),
    ],
)  # fmt: skip
async def test_every_error_body_carries_its_code(
    *,
    client: AsyncClient,
    author: Account,
    bystander: dict[str, object],
    method: str,
    path: str,
    request_args: dict[str, Any],
    status: int,
    code: str,
) -> None:
    args = dict(request_args)
    if args.pop(SIGNED_IN, False):
        args["headers"] = author.headers | args.get("headers", {})
    url = path.format(me=author.id, bystander=bystander["id"])
    response = await client.request(method, url, **args)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    field_by_field = {"errors"} if code in {"validation_failed", "body_unreadable"} else set()
    assert set(body) == {"detail", "code"} | field_by_field


async def documented_codes(client: AsyncClient, status: int) -> str:
    """The descriptions of every documented answer with this status, run together."""
    document = (await client.get("/openapi.json")).json()
    return " ".join(
        operation["responses"][str(status)]["description"]
        for operations in document["paths"].values()
        for operation in operations.values()
        if str(status) in operation["responses"]
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "reset_link_invalid"), (400, "current_password_incorrect"),
        (400, "confirmation_link_invalid"), (400, "cannot_follow_yourself"),
        (401, "not_authenticated"), (401, "token_invalid"),
        (401, "invalid_credentials"), (403, "forbidden"), (403, "csrf_failed"),
        (403, "cross_site_refused"), (404, "post_not_found"), (404, "user_not_found"),
        (404, "comment_not_found"),
        (404, "not_found"), (409, "username_taken"), (409, "username_too_similar"),
        (409, "email_taken"), (409, "changed_concurrently"), (413, "body_too_large"),
        (415, "unsupported_media_type"), (429, "rate_limited"), (503, "database_unavailable"),
        (503, "storage_unavailable"), (503, "service_unavailable"),
    ],
)  # fmt: skip
async def test_the_api_document_lists_the_codes_of_each_status(
    client: AsyncClient, status: int, code: str
) -> None:
    assert f"`{code}`" in await documented_codes(client, status)


async def test_the_api_document_names_every_error_code(client: AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert schemas["ErrorBody"]["required"] == ["detail", "code"]
    assert schemas["ErrorCode"]["enum"] == [code.value for code in ErrorCode]


async def test_the_api_document_gives_validation_errors_their_code(client: AsyncClient) -> None:
    validation_error = (await client.get("/openapi.json")).json()["components"]["schemas"][
        "HTTPValidationError"
    ]
    assert validation_error["properties"]["code"]["enum"] == [
        "validation_failed",
        "body_unreadable",
    ]
    assert "code" in validation_error["required"]


def test_a_routes_error_statuses_are_documented_with_the_error_body_and_their_codes() -> None:
    """`responses()` is called as the routes are declared, at import: checked here itself."""
    assert responses(415, 429) == {
        415: {"model": ErrorBody, "description": "Unsupported media type. Codes: "
              "`unsupported_media_type`"},
        429: {"model": ErrorBody, "description": "Too many requests; retry after the given "
              "delay. Codes: `rate_limited`"},
    }  # fmt: skip


def test_a_422_a_route_answers_itself_is_either_fastapis_problems_or_an_error_body() -> None:
    (entry,) = responses(422).values()
    assert entry["content"] == {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/HTTPValidationError"},
                    {"$ref": "#/components/schemas/ErrorBody"},
                ]
            }
        }
    }
    assert "model" not in entry
    assert entry["description"].endswith(
        ". Codes: `validation_failed`, `body_unreadable`, `upload_invalid`, `image_unreadable`, "
        "`cursor_invalid`"
    )
