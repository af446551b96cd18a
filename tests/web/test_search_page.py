"""The search page and the navbar's search box, at the HTTP level, on both databases."""

import re

import pytest
from httpx import AsyncClient

from inkwell.search.schemas import QUERY_MAX_LENGTH
from tests.conftest import Account
from tests.factories import Factory
from tests.web.test_forms_without_script import field_message


async def test_every_page_has_a_labelled_search_box_that_works_without_javascript(
    client: AsyncClient,
) -> None:
    page = (await client.get("/")).text

    assert re.search(r'<form class="[^"]*" role="search" action="/search" method="get"', page)
    assert (
        '<label class="visually-hidden" for="nav-search-q">Search posts and people</label>' in page
    )
    assert 'id="nav-search-q" name="q"' in page


async def test_the_page_lists_the_posts_found_with_marked_snippets_and_the_people_found(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    await factory.user("jamfan", display_name="Jam Fan")
    post = await factory.post(author, title="Jam", content="Plum jam <script>x()</script> today.")

    response = await client.get("/search", params={"q": "jam"})

    assert response.status_code == 200
    assert f'href="{post["url"]}">Jam</a>' in response.text
    assert "Plum <mark>jam</mark>" in response.text
    assert "<script>x()" not in response.text
    assert "<span>Jam Fan</span>" in response.text
    assert "1 post and 1 person found" in response.text


async def test_a_page_with_nothing_found_says_so(client: AsyncClient) -> None:
    response = await client.get("/search", params={"q": "nothing-here"})

    assert response.status_code == 200
    assert "Nothing found" in response.text


async def test_the_page_without_a_query_shows_the_search_form(client: AsyncClient) -> None:
    response = await client.get("/search")

    assert response.status_code == 200
    assert 'id="search-page-q"' in response.text
    assert "found" not in response.text


async def test_the_next_page_link_keeps_the_query(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    for _ in range(3):
        await factory.post(author, content="Same & words.")

    response = await client.get("/search", params={"q": "same & words", "limit": 2})

    assert re.search(
        r'href="/search\?q=same\+%26\+words&amp;cursor=[\w-]+&amp;limit=2">Next page</a>',
        response.text,
    )


@pytest.mark.parametrize("length", [QUERY_MAX_LENGTH + 1, 1_000])
async def test_a_query_too_long_is_shown_back_in_the_box_which_says_the_limit(
    client: AsyncClient, length: int
) -> None:
    """The box's `maxlength` keeps a typed query from being longer; a pasted or hand-made
    address may be: nothing typed is lost, and the box says why it was not searched."""
    q = "x" * length

    response = await client.get("/search", params={"q": q})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert f'id="search-page-q" name="q" value="{q}"' in response.text
    assert field_message(response.text, "search-page-q") == (
        f"Search for at most {QUERY_MAX_LENGTH} characters."
    )
    assert 'aria-invalid="true" aria-describedby="search-page-q-error"' in response.text


async def test_a_query_too_long_is_not_searched(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    await factory.post(author, content="x" * 10)

    response = await client.get("/search", params={"q": "x " * QUERY_MAX_LENGTH})

    assert 'data-testid="search-summary"' not in response.text
    assert 'data-testid="post-hits"' not in response.text
    assert "Nothing found" not in response.text
    assert "<title>Search · " in response.text


async def test_a_query_of_the_longest_length_is_searched(client: AsyncClient) -> None:
    response = await client.get("/search", params={"q": "x" * QUERY_MAX_LENGTH})

    assert response.status_code == 200
    assert "Nothing found" in response.text
    assert 'aria-invalid="true"' not in response.text
