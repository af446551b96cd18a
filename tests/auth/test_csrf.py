"""Cookie-authenticated writes need the CSRF header and a same-site Origin; bearer ones do not."""

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.app import create_app
from inkwell.config import Settings
from tests.conftest import PASSWORD, Api, started

NEW_POST = {"title": "t", "content": "c"}


async def sign_in(client: AsyncClient) -> AsyncClient:
    await Api(client).register("ada")
    response = await client.post("/api/users/token", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 200
    return client


@pytest.fixture
async def browser(client: AsyncClient) -> AsyncClient:
    """The client signed in the way a browser is: it keeps the cookies login sets."""
    return await sign_in(client)


# As an operator may write it. The app itself is reached as https://test, as behind a proxy
# that terminates TLS under another name (the cookies are Secure: an https PUBLIC_BASE_URL).
PUBLIC_BASE_URL = "https://Blog.Example.org/"


@pytest.fixture
async def proxied_browser(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    """A signed-in browser of an app served behind a proxy at PUBLIC_BASE_URL."""
    app = create_app(settings.model_copy(update={"public_base_url": PUBLIC_BASE_URL}))
    async with (
        started(app) as started_app,
        AsyncClient(transport=ASGITransport(app=started_app), base_url="https://test") as client,
    ):
        yield await sign_in(client)


def csrf_header(client: AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["inkwell_csrf"]}


async def test_the_session_cookie_alone_authenticates_reads(browser: AsyncClient) -> None:
    response = await browser.get("/api/users/me")
    assert response.status_code == 200
    assert response.json()["username"] == "ada"


async def test_the_session_cookie_makes_a_public_read_know_its_reader(
    browser: AsyncClient,
) -> None:
    """What only the reader sees in a public answer (whether they like the post) is theirs
    with the cookie as with a bearer token."""
    post = (await browser.post("/api/posts", json=NEW_POST, headers=csrf_header(browser))).json()
    liked = await browser.put(f"/api/posts/{post['id']}/like", headers=csrf_header(browser))
    assert liked.status_code == 200
    assert (await browser.get(f"/api/posts/{post['id']}")).json()["liked"] is True


async def test_a_cookie_write_with_the_csrf_header_is_accepted(browser: AsyncClient) -> None:
    response = await browser.post("/api/posts", json=NEW_POST, headers=csrf_header(browser))
    assert response.status_code == 201


async def test_a_cookie_write_from_its_own_origin_is_accepted(browser: AsyncClient) -> None:
    headers = csrf_header(browser) | {"Origin": "http://test"}
    assert (await browser.post("/api/posts", json=NEW_POST, headers=headers)).status_code == 201


@pytest.mark.parametrize("origin", ["https://blog.example.org", "HTTPS://BLOG.EXAMPLE.ORG"])
async def test_a_cookie_write_from_the_public_base_url_is_accepted_behind_a_proxy(
    proxied_browser: AsyncClient, origin: str
) -> None:
    """Scheme and host compare without regard to case, as URLs define them."""
    headers = csrf_header(proxied_browser) | {"Origin": origin}
    response = await proxied_browser.post("/api/posts", json=NEW_POST, headers=headers)
    assert response.status_code == 201


async def test_each_sign_in_gets_a_fresh_random_csrf_token(browser: AsyncClient) -> None:
    first = browser.cookies["inkwell_csrf"]
    response = await browser.post(
        "/api/users/token", data={"username": "ada", "password": PASSWORD}
    )
    second = response.cookies["inkwell_csrf"]
    assert first != second
    assert len(first) >= 43  # 32 random bytes, base64url
    assert first not in response.cookies["inkwell_session"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-CSRF-Token": "a guess"},
        {"X-CSRF-Token": ""},
    ],
    ids=["no header", "wrong header", "empty header"],
)
async def test_a_cookie_write_without_the_right_csrf_header_is_refused(
    browser: AsyncClient, headers: dict[str, str]
) -> None:
    response = await browser.post("/api/posts", json=NEW_POST, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check failed", "code": "csrf_failed"}
    assert (await browser.get("/api/posts")).json()["total"] == 0


@pytest.mark.parametrize("origin", ["https://evil.example", "http://test.evil.example", "null"])
async def test_a_cookie_write_from_a_foreign_origin_is_refused_even_with_the_token(
    browser: AsyncClient, origin: str
) -> None:
    headers = csrf_header(browser) | {"Origin": origin}
    response = await browser.post("/api/posts", json=NEW_POST, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check failed", "code": "csrf_failed"}


async def test_a_cookie_write_without_the_csrf_cookie_is_refused(browser: AsyncClient) -> None:
    header = csrf_header(browser)
    browser.cookies.delete("inkwell_csrf")
    assert (await browser.post("/api/posts", json=NEW_POST, headers=header)).status_code == 403


async def test_logout_by_cookie_needs_the_csrf_header_too(browser: AsyncClient) -> None:
    assert (await browser.post("/api/users/logout")).status_code == 403
    assert (await browser.get("/api/users/me")).status_code == 200
    response = await browser.post("/api/users/logout", headers=csrf_header(browser))
    assert response.status_code == 204
    assert "inkwell_session" not in browser.cookies
    assert (await browser.get("/api/users/me")).status_code == 401


async def test_logout_leaves_neither_sign_in_cookie_in_the_browser(browser: AsyncClient) -> None:
    response = await browser.post("/api/users/logout", headers=csrf_header(browser))
    assert response.status_code == 204
    assert "inkwell_session" not in browser.cookies
    assert "inkwell_csrf" not in browser.cookies


async def test_a_bearer_request_needs_no_csrf_header_even_from_another_origin(
    api: Api, client: AsyncClient
) -> None:
    account = await api.sign_up("bob")
    headers = account.headers | {"Origin": "https://elsewhere.example"}
    assert (await client.post("/api/posts", json=NEW_POST, headers=headers)).status_code == 201


async def sign_in_with(client: AsyncClient, headers: dict[str, str]) -> Response:
    form = {"username": "ada", "password": PASSWORD}
    return await client.post("/api/users/token", data=form, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://test", "Sec-Fetch-Site": "cross-site"},
    ],
    ids=["foreign origin", "opaque origin", "cross-site fetch", "cross-site despite origin"],
)
async def test_signing_in_from_another_site_is_refused_and_sets_no_cookie(
    api: Api, client: AsyncClient, headers: dict[str, str]
) -> None:
    """A foreign form could otherwise sign the victim's browser into the attacker's account."""
    await api.register("ada")
    response = await sign_in_with(client, headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "Cross-site request refused", "code": "cross_site_refused"}
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "http://test", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://127.0.0.1:8000"},
        {"Sec-Fetch-Site": "none"},
    ],
    ids=["api client", "own origin", "public base url", "typed address"],
)
async def test_signing_in_from_the_site_itself_or_an_api_client_works(
    api: Api, client: AsyncClient, headers: dict[str, str]
) -> None:
    await api.register("ada")
    response = await sign_in_with(client, headers)
    assert response.status_code == 200
    assert "inkwell_session" in client.cookies


async def test_a_cookie_write_from_a_cross_site_fetch_is_refused_even_with_the_token(
    browser: AsyncClient,
) -> None:
    headers = csrf_header(browser) | {"Sec-Fetch-Site": "cross-site"}
    assert (await browser.post("/api/posts", json=NEW_POST, headers=headers)).status_code == 403
