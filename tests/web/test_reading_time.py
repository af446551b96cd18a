"""A card's reading time, and the post page's, come from the word count stored with the post
when it is written: the listing pages never read the posts' content, the largest column."""

import re

import pytest
from httpx import AsyncClient

from tests.conftest import Account, StatementCounter
from tests.conversation import follow
from tests.factories import Factory
from tests.web.test_pages import sign_in

# 450 words: three minutes at 200 a minute; the title's words are not the text's.
LONG_TEXT = "word " * 450
LISTING_PAGES = ["/", "/following", "/tags/python", "/@author"]
# A column of the posts' content in a statement: `posts.content`, not `posts.content_html`.
CONTENT_COLUMN = re.compile(r"\bposts\.content\b(?!_)")


@pytest.fixture
async def long_post(factory: Factory, client: AsyncClient, author: Account) -> dict[str, object]:
    """A long post of a writer the signed-in reader follows."""
    post = await factory.post(author, title="Long read", content=LONG_TEXT, tags=["python"])
    await follow(client, await factory.account("reader"), author)
    await sign_in(client, "reader")
    return post


@pytest.mark.parametrize("path", LISTING_PAGES)
@pytest.mark.usefixtures("long_post")
async def test_a_card_shows_the_reading_time_of_the_posts_words(
    client: AsyncClient, path: str
) -> None:
    html = (await client.get(path)).text

    assert '<span class="text-body-secondary" data-field="reading-time">3 min read</span>' in html


async def test_the_post_page_shows_the_reading_time_of_the_posts_words(
    client: AsyncClient, long_post: dict[str, object]
) -> None:
    html = (await client.get(str(long_post["url"]))).text

    assert '<span data-testid="reading-time">3 min read</span>' in html


async def test_a_draft_card_shows_its_reading_time(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    await factory.post(author, content=LONG_TEXT, status="draft")
    await sign_in(client, "author")

    assert "3 min read" in (await client.get("/drafts")).text


async def test_an_edit_changes_the_reading_time(
    client: AsyncClient, author: Account, long_post: dict[str, object]
) -> None:
    response = await client.patch(
        f"/api/posts/{long_post['id']}", json={"content": "Now short."}, headers=author.headers
    )
    assert response.status_code == 200, response.text

    assert "1 min read" in (await client.get("/@author")).text
    assert "3 min read" not in (await client.get("/@author")).text


@pytest.mark.parametrize("path", [*LISTING_PAGES, "/drafts"])
@pytest.mark.usefixtures("long_post")
async def test_a_listing_page_does_not_read_the_posts_content(
    client: AsyncClient, count_statements: StatementCounter, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert count_statements.statements
    assert not [sql for sql in count_statements.statements if CONTENT_COLUMN.search(sql)]


def test_the_content_check_finds_the_column_alone() -> None:
    assert CONTENT_COLUMN.search("SELECT posts.id, posts.content FROM posts")
    assert CONTENT_COLUMN.search("SELECT posts.content, posts.title")
    assert not CONTENT_COLUMN.search("SELECT posts.content_html, posts.excerpt FROM posts")
