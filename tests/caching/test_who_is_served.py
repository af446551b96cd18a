"""The cache serves anonymous readers only: a signed-in reader never gets the anonymous page
(navbar, CSRF field), an anonymous one never gets a signed-in page, and a request with any
credential, valid or not, is answered by the app and kept by no one. Run on both databases."""

import pytest
from httpx import AsyncClient

from inkwell.caching.middleware import AnonymousCache
from tests.auth.signing_in import sign_in
from tests.conftest import Account, StatementCounter
from tests.factories import Factory

SIGNED_IN = 'id="sign-out"'
ANONYMOUS = 'href="/login">Sign in'


async def test_the_second_anonymous_read_is_answered_from_memory(
    client: AsyncClient, author: Account, count_statements: StatementCounter
) -> None:
    first = await client.get("/")
    statements = len(count_statements)
    second = await client.get("/")

    assert len(count_statements) == statements
    assert (second.status_code, second.content) == (200, first.content)


async def test_a_signed_in_reader_is_not_served_the_anonymous_page(
    client: AsyncClient, author: Account, cache: AnonymousCache
) -> None:
    assert ANONYMOUS in (await client.get("/")).text
    await sign_in(client, "author")

    page = await client.get("/")

    assert SIGNED_IN in page.text
    assert ANONYMOUS not in page.text
    assert page.headers["cache-control"] == "private, no-store"


async def test_a_signed_in_page_is_kept_for_no_one(
    client: AsyncClient, author: Account, cache: AnonymousCache
) -> None:
    await sign_in(client, "author")
    csrf = client.cookies["inkwell_csrf"]
    assert csrf in (await client.get("/")).text
    client.cookies.clear()

    page = await client.get("/")

    assert SIGNED_IN not in page.text
    assert csrf not in page.text
    assert cache.kept == 1  # the anonymous page only


async def test_a_bearer_request_is_neither_served_nor_kept(
    client: AsyncClient, author: Account, cache: AnonymousCache, count_statements: StatementCounter
) -> None:
    await client.get("/api/posts")
    statements = len(count_statements)

    answer = await client.get("/api/posts", headers=author.headers)

    assert len(count_statements) > statements
    assert answer.headers["cache-control"] == "private, no-store"
    assert cache.kept == 1


@pytest.mark.parametrize(
    "cookie",
    ["inkwell_session=expired.or.forged", "inkwell_refresh=gone.secret", "inkwell_csrf=left"],
)
async def test_a_request_with_a_sign_in_cookie_valid_or_not_bypasses_the_cache(
    client: AsyncClient,
    author: Account,
    cache: AnonymousCache,
    count_statements: StatementCounter,
    cookie: str,
) -> None:
    """An expired session cookie may renew (and set cookies), or show the navbar signed in:
    the app answers it, and its answer is not kept even when it looks anonymous."""
    await client.get("/")
    statements = len(count_statements)

    answer = await client.get("/", headers={"Cookie": cookie})

    assert len(count_statements) > statements
    assert answer.headers["cache-control"] in ("private, no-store", "no-store")
    assert cache.kept == 1


@pytest.mark.parametrize("spelled", ["inkwell_session ={token}", "\x1finkwell_session={token}"])
async def test_a_session_cookie_the_app_reads_however_it_is_spelled_is_kept_for_no_one(
    client: AsyncClient, author: Account, factory: Factory, cache: AnonymousCache, spelled: str
) -> None:
    """The app's cookie parser strips what surrounds a cookie's name: a session cookie it
    signs in with is never anonymous to the cache, or its reader's answer (what they like)
    would be kept and served to everyone."""
    post = await factory.post(author)
    await client.put(f"/api/posts/{post['id']}/like", headers=author.headers)
    await sign_in(client, "author")
    cookie = spelled.format(token=client.cookies["inkwell_session"])
    client.cookies.clear()

    mine = await client.get("/api/posts", headers={"Cookie": cookie})
    anyone = await client.get("/api/posts")

    assert mine.json()["posts"][0]["liked"] is True
    assert mine.headers["cache-control"] == "private, no-store"
    assert anyone.json()["posts"][0]["liked"] is False


async def test_an_unrelated_cookie_still_reads_the_shared_page(
    client: AsyncClient, author: Account, count_statements: StatementCounter
) -> None:
    await client.get("/")
    statements = len(count_statements)

    await client.get("/", headers={"Cookie": "theme=dark"})

    assert len(count_statements) == statements


async def test_a_signed_in_api_read_is_personal_and_kept_for_no_one(
    client: AsyncClient, author: Account, factory: Factory
) -> None:
    post = await factory.post(author)
    await client.put(f"/api/posts/{post['id']}/like", headers=author.headers)
    await client.get("/api/posts")  # kept

    mine = await client.get("/api/posts", headers=author.headers)
    anyone = await client.get("/api/posts")

    assert mine.json()["posts"][0]["liked"] is True
    assert anyone.json()["posts"][0]["liked"] is False


@pytest.mark.parametrize(
    "address", ["/api/posts?skip=10", "/api/posts?cursor=abc", "/?skip=20", "/search?q=t"]
)
async def test_only_first_pages_of_kept_routes_are_kept(
    client: AsyncClient, author: Account, cache: AnonymousCache, address: str
) -> None:
    await client.get(address)

    assert cache.kept == 0


async def test_a_head_is_answered_from_the_kept_page(
    client: AsyncClient, author: Account, count_statements: StatementCounter
) -> None:
    page = await client.get("/")
    statements = len(count_statements)

    head = await client.head("/")

    assert len(count_statements) == statements
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == page.headers["etag"]


async def test_a_head_that_finds_nothing_kept_is_kept_as_its_get_would_be(
    client: AsyncClient, author: Account, cache: AnonymousCache
) -> None:
    """The app renders the GET (operations/head.py); only the body stays behind."""
    head = await client.head("/")

    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["cache-control"] == "public, max-age=0, s-maxage=10"
    assert head.headers["vary"].endswith("Cookie, Authorization")
    assert cache.kept == 1
    assert (await client.get("/")).headers["etag"] == head.headers["etag"]


async def test_a_head_of_a_kept_api_page_is_answered_from_it(
    client: AsyncClient, author: Account, count_statements: StatementCounter
) -> None:
    page = await client.get("/api/posts")
    statements = len(count_statements)

    head = await client.head("/api/posts")

    assert len(count_statements) == statements
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["etag"] == page.headers["etag"]


async def test_each_host_has_its_own_entries(
    client: AsyncClient, author: Account, cache: AnonymousCache
) -> None:
    await client.get("/")
    await client.get("/", headers={"Host": "other.example"})

    assert cache.kept == 2


async def test_a_mounted_application_s_routes_are_not_shared(
    client: AsyncClient, author: Account, cache: AnonymousCache
) -> None:
    """Conduit's paths are relative to its mount: none of them is a shared route."""
    answer = await client.get("/conduit/api/articles")

    assert answer.status_code == 200
    assert "etag" not in answer.headers
    assert cache.kept == 0
