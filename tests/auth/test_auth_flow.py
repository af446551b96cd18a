"""Signing in, who may change what, and signing out."""

import pytest
from fastapi import FastAPI, Request
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.auth.dependencies import optional_user
from inkwell.config import Settings
from inkwell.security import PasswordHasher
from tests.conftest import PASSWORD, Account, Api, StartedApp, started


async def test_the_whole_flow_from_registration_to_a_forbidden_edit(
    api: Api, client: AsyncClient
) -> None:
    await api.register("ada")
    token = await client.post("/api/users/token", data={"username": "ada", "password": PASSWORD})
    assert token.status_code == 200
    assert token.json()["token_type"] == "bearer"
    ada = {"Authorization": f"Bearer {token.json()['access_token']}"}
    client.cookies.clear()

    me = await client.get("/api/users/me", headers=ada)
    assert me.status_code == 200
    assert me.json()["username"] == "ada"
    assert me.json()["email"] == "ada@example.com"

    created = await client.post("/api/posts", json={"title": "t", "content": "c"}, headers=ada)
    assert created.status_code == 201
    assert created.json()["author"]["username"] == "ada"
    post_url = f"/api/posts/{created.json()['id']}"
    edited = await client.patch(post_url, json={"title": "edited"}, headers=ada)
    assert edited.status_code == 200

    bob = await api.sign_up("bob")
    assert (
        await client.patch(post_url, json={"title": "x"}, headers=bob.headers)
    ).status_code == 403
    anonymous = await client.patch(post_url, json={"title": "x"})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"

    assert (await client.delete(post_url, headers=ada)).status_code == 204
    assert (await client.get(post_url)).status_code == 404


@pytest.mark.parametrize("login", ["ada", "ADA", "ada@example.com", "Ada@Example.COM"])
async def test_the_username_field_takes_the_username_or_the_email_in_any_case(
    api: Api, client: AsyncClient, login: str
) -> None:
    await api.register("ada")
    response = await client.post("/api/users/token", data={"username": login, "password": PASSWORD})
    assert response.status_code == 200


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    api: Api, client: AsyncClient
) -> None:
    await api.register("ada")
    wrong = await client.post("/api/users/token", data={"username": "ada", "password": "nope" * 3})
    unknown = await client.post(
        "/api/users/token", data={"username": "nobody", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"detail": "Incorrect username or password", "code": "invalid_credentials"}
    )
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"
    assert "set-cookie" not in wrong.headers


async def test_an_unknown_user_costs_a_full_password_check(
    app: FastAPI, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing: the same argon2 verification runs, against a dummy hash."""
    checked: list[str | None] = []
    real_verify = PasswordHasher.verify

    async def verify(self: PasswordHasher, password: str, password_hash: str | None) -> bool:
        checked.append(password_hash)
        return await real_verify(self, password, password_hash)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    response = await client.post(
        "/api/users/token", data={"username": "nobody", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert checked == [None]


@pytest.mark.parametrize(
    "form",
    [
        {"username": "ada"},
        {"password": PASSWORD},
        {"username": "a\x00da", "password": PASSWORD},
        {"username": "x" * 255, "password": PASSWORD},
        {"username": "ada", "password": "x" * 129},
        {"username": "ada", "password": PASSWORD, "grant_type": "client_credentials"},
    ],
    # Plain ids: make mutation hands node ids back to pytest, and an escaped NUL would not match.
    ids=[
        "no password",
        "no username",
        "a NUL in the username",
        "a username too long",
        "a password too long",
        "another grant type",
    ],
)
async def test_malformed_login_forms_are_refused(
    api: Api, client: AsyncClient, form: dict[str, str]
) -> None:
    await api.register("ada")
    assert (await client.post("/api/users/token", data=form)).status_code == 422


async def test_login_sets_the_session_refresh_and_csrf_cookies(
    api: Api, client: AsyncClient
) -> None:
    await api.register("ada")
    response = await client.post("/api/users/token", data={"username": "ada", "password": PASSWORD})
    cookies = {
        header.split("=", 1)[0]: header.lower()
        for header in response.headers.get_list("set-cookie")
    }
    session, refresh, csrf = (
        cookies["inkwell_session"],
        cookies["inkwell_refresh"],
        cookies["inkwell_csrf"],
    )
    for cookie in (session, refresh):
        assert all(part in cookie for part in ("httponly", "samesite=lax", "path=/"))
        assert "secure" not in cookie
    assert "httponly" not in csrf
    assert all(part in csrf for part in ("samesite=lax", "path=/"))


async def test_the_session_cookie_holds_a_token_of_its_own_beside_the_bearer_one(
    api: Api, client: AsyncClient
) -> None:
    """The answer's bearer token belongs to no session: ending the cookies' session (the
    account page's list) leaves an API client signed in, and logging out with it does not."""
    await api.register("ada")
    response = await client.post("/api/users/token", data={"username": "ada", "password": PASSWORD})
    assert response.cookies["inkwell_session"] != response.json()["access_token"]


async def test_cookies_are_secure_over_https(api: Api, started_app: StartedApp) -> None:
    await api.register("ada")
    transport = ASGITransport(app=started_app)
    async with AsyncClient(transport=transport, base_url="https://test") as https:
        response = await https.post(
            "/api/users/token", data={"username": "ada", "password": PASSWORD}
        )
    assert all("secure" in header.lower() for header in response.headers.get_list("set-cookie"))


async def test_the_access_cookie_lasts_as_long_as_its_token_and_the_others_14_days(
    api: Api, client: AsyncClient, settings: Settings
) -> None:
    await api.register("ada")
    response = await client.post("/api/users/token", data={"username": "ada", "password": PASSWORD})
    max_ages = {
        header.split("=", 1)[0]: int(header.lower().split("max-age=")[1].split(";")[0])
        for header in response.headers.get_list("set-cookie")
    }
    assert max_ages["inkwell_session"] == settings.access_token_expire_minutes * 60
    assert max_ages["inkwell_refresh"] == max_ages["inkwell_csrf"] == 14 * 24 * 3600


async def test_logout_over_https_clears_the_cookies_as_secure_ones(
    api: Api, started_app: StartedApp
) -> None:
    account = await api.sign_up("ada")
    transport = ASGITransport(app=started_app)
    async with AsyncClient(transport=transport, base_url="https://test") as https:
        response = await https.post("/api/users/logout", headers=account.headers)
    assert response.status_code == 204
    cleared = response.headers.get_list("set-cookie")
    assert len(cleared) == 3
    assert all("secure" in header.lower() for header in cleared)


async def test_each_client_address_has_its_own_login_budget(
    settings: Settings, engine: AsyncEngine
) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_login_per_address": "1/minute"}))
    form = {"username": "nobody", "password": PASSWORD}
    statuses = []
    async with started(app) as started_app:
        for address in ("192.0.2.1", "192.0.2.2", "192.0.2.1"):
            transport = ASGITransport(app=started_app, client=(address, 40000))
            async with AsyncClient(transport=transport, base_url="http://test") as client:
                statuses.append((await client.post("/api/users/token", data=form)).status_code)
    assert statuses == [401, 401, 429]


async def test_a_post_body_cannot_name_another_author(client: AsyncClient, author: Account) -> None:
    response = await client.post(
        "/api/posts", json={"title": "t", "content": "c", "user_id": 999}, headers=author.headers
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "body"),
    [("PUT", {"title": "t", "content": "c"}), ("PATCH", {"title": "t"}), ("DELETE", None)],
)
async def test_only_the_author_may_change_a_post(
    api: Api, client: AsyncClient, author: Account, method: str, body: dict[str, str] | None
) -> None:
    post = await api.post(author, title="Mine")
    intruder = await api.sign_up("intruder")
    response = await client.request(
        method, f"/api/posts/{post['id']}", json=body, headers=intruder.headers
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "You may only change your own posts", "code": "forbidden"}
    assert (await client.get(f"/api/posts/{post['id']}")).json()["title"] == "Mine"


@pytest.mark.parametrize(("method", "body"), [("PATCH", {"username": "taken"}), ("DELETE", None)])
async def test_only_the_user_may_change_or_delete_their_account(
    api: Api, client: AsyncClient, author: Account, method: str, body: dict[str, str] | None
) -> None:
    intruder = await api.sign_up("intruder")
    response = await client.request(
        method, f"/api/users/{author.id}", json=body, headers=intruder.headers
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "You may only change your own account",
        "code": "forbidden",
    }
    assert (await client.get(f"/api/users/{author.id}")).json()["username"] == "author"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/posts"),
        ("PUT", "/api/posts/1"),
        ("PATCH", "/api/posts/1"),
        ("DELETE", "/api/posts/1"),
        ("PATCH", "/api/users/1"),
        ("DELETE", "/api/users/1"),
        ("GET", "/api/users/me"),
        ("POST", "/api/users/logout"),
        ("GET", "/api/sessions"),
    ],
)
async def test_anonymous_requests_to_signed_in_routes_get_401_with_a_bearer_challenge(
    client: AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"title": "t", "content": "c"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "Not authenticated", "code": "not_authenticated"}


async def test_logout_clears_the_sign_in_cookies(api: Api, client: AsyncClient) -> None:
    account = await api.sign_up("ada")
    response = await client.post("/api/users/logout", headers=account.headers)
    assert response.status_code == 204
    cleared = response.headers.get_list("set-cookie")
    assert {header.split("=", 1)[0] for header in cleared} == {
        "inkwell_session",
        "inkwell_refresh",
        "inkwell_csrf",
    }
    assert all("max-age=0" in header.lower() for header in cleared)


async def test_logout_with_a_bearer_token_voids_every_token_of_the_user(
    api: Api, client: AsyncClient
) -> None:
    account = await api.sign_up("ada")
    other_device = await api.login("ada")
    await client.post("/api/users/logout", headers=account.headers)
    ended = await client.get("/api/users/me", headers=other_device)
    assert ended.status_code == 401
    assert ended.json() == {"detail": "Invalid or expired token", "code": "token_invalid"}
    fresh = await api.login("ada")
    assert (await client.get("/api/users/me", headers=fresh)).status_code == 200


async def test_a_common_password_is_refused_at_registration(client: AsyncClient) -> None:
    response = await client.post(
        "/api/users",
        json={"username": "ada", "email": "ada@example.com", "password": "iloveyou123"},
    )
    assert response.status_code == 422
    assert "common" in response.json()["detail"][0]["msg"]


async def test_a_common_password_is_refused_as_a_new_password(
    client: AsyncClient, author: Account
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}",
        json={"password": "qwertyuiop", "current_password": PASSWORD},
        headers=author.headers,
    )
    assert response.status_code == 422


async def test_a_long_uncommon_password_without_composition_rules_is_accepted(
    api: Api,
) -> None:
    await api.sign_up("ada", password="all lower case and no digits at all" * 3)


@pytest.fixture
def whoami(app: FastAPI) -> str:
    """A route reporting what `optional_user` makes of a request."""

    @app.get("/test/whoami")
    async def whoami(request: Request) -> str | None:
        user = await optional_user(request)
        return user.username if user else None

    return "/test/whoami"


async def test_optional_user_is_the_signed_in_user(
    client: AsyncClient, author: Account, whoami: str
) -> None:
    assert (await client.get(whoami, headers=author.headers)).json() == "author"


async def test_optional_user_is_the_user_signed_in_by_cookie(
    api: Api, client: AsyncClient, whoami: str
) -> None:
    await api.register("ada")
    await client.post("/api/users/token", data={"username": "ada", "password": PASSWORD})
    assert (await client.get(whoami)).json() == "ada"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer expired.or.forged"}], ids=str)
async def test_optional_user_is_none_for_anonymous_or_bad_credentials(
    client: AsyncClient, whoami: str, headers: dict[str, str]
) -> None:
    response = await client.get(whoami, headers=headers)
    assert response.status_code == 200
    assert response.json() is None
