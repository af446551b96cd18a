"""What carries a token or a signed-in person's data is kept by no cache, and the session
cookies never travel over plain HTTP when the site is published over HTTPS."""

import pytest
from httpx import AsyncClient, Response

from inkwell.config import Settings
from tests.conftest import PASSWORD, Account, Api
from tests.factories import Factory


async def sign_in(client: AsyncClient) -> Response:
    """The client keeps the cookies, as a browser does."""
    response = await client.post(
        "/api/users/token", data={"username": "author", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response


async def test_the_token_answer_is_never_cached(client: AsyncClient, author: Account) -> None:
    assert (await sign_in(client)).headers["cache-control"] == "no-store"


async def test_the_private_profile_is_never_cached(client: AsyncClient, author: Account) -> None:
    response = await client.get("/api/users/me", headers=author.headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/api/users/me/drafts",
        "/api/feed",
        "/api/notifications",
        "/api/notifications/unread-count",
        "/api/reports",
        "/conduit/api/user",
        "/conduit/api/articles/feed",
    ],
)
async def test_a_private_api_answer_is_never_cached(
    client: AsyncClient, factory: Factory, path: str
) -> None:
    """Drafts, notifications, a personal feed, the reports and Conduit's user (its email and
    a token): no cache, shared or the browser's, may keep them."""
    admin = await factory.account("admin", role="admin")
    response = await client.get(path, headers=admin.headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/", "/account", "/posts/new", "/@author", "/drafts", "/posts/4242"]
)
async def test_a_page_for_a_signed_in_viewer_is_never_cached(
    client: AsyncClient, author: Account, path: str
) -> None:
    await sign_in(client)
    response = await client.get(path.format(id=author.id))
    assert "<span>author</span>" in response.text
    # "no-store", or "private, no-store" on the pages anonymous readers share (caching/).
    assert "no-store" in response.headers["cache-control"].split(", ")


async def test_a_drafts_address_moved_for_its_author_is_never_cached(
    client: AsyncClient, author: Account, factory: Factory
) -> None:
    """The bare id moves to the draft's slug, made of its title: a cache keeping the move
    (permanent moves are kept unless told otherwise) would show it to others."""
    draft = await factory.post(author, title="A secret plan", status="draft")
    await sign_in(client)

    moved = await client.get(f"/posts/{draft['id']}")

    assert moved.status_code == 301
    assert moved.headers["location"].endswith("-a-secret-plan")
    assert moved.headers["cache-control"] == "private, no-store"
    assert moved.headers["vary"] == "Cookie, Authorization"


async def test_a_page_for_a_visitor_may_be_kept_briefly_by_a_shared_cache(
    client: AsyncClient,
) -> None:
    response = await client.get("/")

    assert response.headers["cache-control"] == "public, max-age=0, s-maxage=10"
    assert response.headers["vary"] == "Cookie, Authorization"


SESSION_COOKIES = {"inkwell_session", "inkwell_refresh", "inkwell_csrf"}
# Signing in also makes the client a known device of the account (auth/devices.py); signing
# out leaves it one.
SIGN_IN_COOKIES = SESSION_COOKIES | {"inkwell_device"}


def cookie_lines(response: Response, names: set[str]) -> list[str]:
    lines = response.headers.get_list("set-cookie")
    assert {line.split("=")[0] for line in lines} == names
    return lines


class TestBehindAnHttpsAddress:
    """A proxy that does not pass the scheme on makes the request look like plain HTTP."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"public_base_url": "https://blog.example.org"})

    async def test_signing_in_sets_secure_cookies(self, client: AsyncClient, api: Api) -> None:
        await api.register("author")
        for line in cookie_lines(await sign_in(client), SIGN_IN_COOKIES):
            assert "; secure" in line.lower()

    async def test_signing_out_clears_them_as_secure_cookies(
        self, client: AsyncClient, api: Api
    ) -> None:
        await api.register("author")
        token = (await sign_in(client)).json()["access_token"]
        response = await client.post(
            "/api/users/logout", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 204
        for line in cookie_lines(response, SESSION_COOKIES):
            assert "; secure" in line.lower()

    async def test_renewing_the_sign_in_sets_them_as_secure_cookies(
        self, client: AsyncClient, api: Api
    ) -> None:
        await api.register("author")
        refresh = (await sign_in(client)).cookies["inkwell_refresh"]
        client.cookies.clear()
        response = await client.get(
            "/api/users/me", headers={"Cookie": f"inkwell_refresh={refresh}"}
        )
        assert response.status_code == 200
        for line in cookie_lines(response, SESSION_COOKIES):
            assert "; secure" in line.lower()

    async def test_a_session_that_does_not_renew_has_them_cleared_as_secure_cookies(
        self, client: AsyncClient
    ) -> None:
        response = await client.get("/api/users/me", headers={"Cookie": "inkwell_refresh=a.b"})
        assert response.status_code == 401
        for line in cookie_lines(response, SESSION_COOKIES):
            assert "; secure" in line.lower()


async def test_cookies_over_plain_http_for_a_plain_http_address_are_not_secure(
    client: AsyncClient, api: Api
) -> None:
    """Otherwise a browser would drop them, and nobody could sign in on a local server."""
    await api.register("author")
    for line in cookie_lines(await sign_in(client), SIGN_IN_COOKIES):
        assert "secure" not in line.lower()
