"""A link to a page of a listing whose `?cursor=` is broken or out of date (mistyped, cut
short, made before the site's key changed): the error page says so in a reader's words and
leads back to the listing's first page; the API keeps its words for developers."""

import pytest
from httpx import AsyncClient

from inkwell.pagination import CURSOR_MAX_LENGTH
from tests.conftest import Account
from tests.factories import Factory
from tests.test_pagination import CURSORS, MOMENT, NOT_A_CURSOR, made_in_version
from tests.web.test_addresses import sign_in
from tests.web.test_pages import error_shown

BROKEN = "This page link is broken or out of date."
# Every page that lists by cursor (a post's, its comments), signed in as the author: their
# drafts, their feed and their notifications are theirs alone.
LISTING_PAGES = [
    "/",
    "/tags/python",
    "/@author",
    "/search?q=words",
    "/drafts",
    "/following",
    "/notifications",
    "{post}",
]


@pytest.fixture
async def post(factory: Factory, author: Account) -> dict[str, object]:
    return await factory.post(author, tags=["python"])


@pytest.mark.parametrize("path", LISTING_PAGES)
async def test_a_broken_page_link_is_a_400_page_in_a_readers_words(
    client: AsyncClient, post: dict[str, object], path: str
) -> None:
    await sign_in(client, "author")

    response = await client.get(path.format(post=post["url"]), params={"cursor": "garbage"})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert error_shown(response.text) == ("That request did not work", BROKEN)
    assert "`cursor`" not in response.text
    assert "next_cursor" not in response.text


@pytest.mark.parametrize(
    "cursor",
    [
        CURSORS.encode("posts", (MOMENT, 1))[:-4],
        made_in_version(0, "posts", [MOMENT.isoformat(), 1]),
        CURSORS.encode("tag/python", (MOMENT, 1)),
    ],
    ids=["cut short", "stale", "another listing's"],
)
async def test_every_kind_of_broken_page_link_is_said_the_same_way(
    client: AsyncClient, cursor: str
) -> None:
    response = await client.get("/", params={"cursor": cursor})

    assert response.status_code == 400
    assert error_shown(response.text)[1] == BROKEN


async def test_a_page_link_with_an_overlong_cursor_is_a_broken_one_too(
    client: AsyncClient,
) -> None:
    response = await client.get("/tags/python", params={"cursor": "x" * (CURSOR_MAX_LENGTH + 1)})

    assert response.status_code == 400
    assert error_shown(response.text)[1] == BROKEN
    assert 'href="/tags/python">Back to the first page</a>' in response.text


@pytest.mark.parametrize(
    ("path", "params", "said"),
    [
        ("/", {"skip": "abc"}, "a “skip” it cannot use. Use a whole number."),
        ("/tags/python", {"limit": "ten"}, "a “limit” it cannot use. Use a whole number."),
        ("/search", {"q": "words", "skip": "1.5"}, "a “skip” it cannot use. Use a whole number."),
        ("/@author", {"deleted": "x" * 101}, "a “deleted” it cannot use. Use at most 100"),
        ("/notifications", {"skip": "first"}, "a “skip” it cannot use. Use a whole number."),
    ],
)
async def test_a_page_address_with_a_query_it_cannot_use_is_a_400_page_saying_what(
    client: AsyncClient, author: Account, path: str, params: dict[str, str], said: str
) -> None:
    await sign_in(client, "author")

    response = await client.get(path, params=params)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    title, message = error_shown(response.text)
    assert title == "That request did not work"
    assert f"This page&#39;s address has {said}" in message


async def test_every_part_of_a_page_address_it_cannot_use_is_said(
    client: AsyncClient,
) -> None:
    response = await client.get("/", params={"skip": "abc", "limit": "ten"})

    assert response.status_code == 400
    assert error_shown(response.text)[1] == (
        "This page&#39;s address has a “skip” it cannot use. Use a whole number. "
        "This page&#39;s address has a “limit” it cannot use. Use a whole number."
    )


@pytest.mark.parametrize(
    ("path", "params", "first_page"),
    [
        ("/", {"cursor": "garbage"}, "/"),
        ("/tags/python", {"cursor": "garbage", "skip": "10"}, "/tags/python"),
        (
            "/search",
            {"q": "ink & paper", "cursor": "garbage", "limit": "5"},
            "/search?q=ink+%26+paper&amp;limit=5",
        ),
    ],
)
async def test_a_broken_page_link_leads_back_to_the_first_page_of_its_listing(
    client: AsyncClient, path: str, params: dict[str, str], first_page: str
) -> None:
    response = await client.get(path, params=params)

    assert f'<a class="btn btn-primary" href="{first_page}">Back to the first page</a>' in (
        response.text
    )
    assert "Back to the latest posts" not in response.text


async def test_another_error_page_leads_back_to_the_latest_posts(client: AsyncClient) -> None:
    response = await client.get("/posts/999999")

    assert response.status_code == 404
    assert '<a class="btn btn-primary" href="/">Back to the latest posts</a>' in response.text
    assert "Back to the first page" not in response.text


async def test_the_api_keeps_its_developers_words_for_a_broken_cursor(
    client: AsyncClient,
) -> None:
    response = await client.get("/api/posts", params={"cursor": "garbage"})

    assert response.status_code == 422
    assert response.json() == {"detail": NOT_A_CURSOR, "code": "cursor_invalid"}
