"""Posts are rendered once, when written: the API, the pages and the preview show the stored
HTML and excerpt, and no read parses Markdown. Every test runs on SQLite and PostgreSQL."""

import re

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import CONTENT_MAX_LENGTH, Post
from tests.conftest import Account, Api, StatementCounter

MARKDOWN = (
    "# Hello\n\nSome **bold** text and [a link](https://example.com).\n\n"
    "```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
)
HTML = MarkdownRenderer().render(MARKDOWN).html
EXCERPT = "Hello Some bold text and a link. a b 1 2"
# Counted as written, the fences and the table's pipes too (markdown.word_count).
WORDS = 22


async def stored(session: AsyncSession, post_id: object) -> tuple[str, str, str, int]:
    columns = (Post.content, Post.content_html, Post.excerpt, Post.word_count)
    row = (await session.execute(select(*columns).where(Post.id == post_id))).one()
    return row.content, row.content_html, row.excerpt, row.word_count


async def test_a_new_post_is_stored_with_its_html_excerpt_and_word_count(
    api: Api, author: Account, session: AsyncSession
) -> None:
    post = await api.post(author, content=MARKDOWN)
    assert (post["content"], post["content_html"], post["excerpt"]) == (MARKDOWN, HTML, EXCERPT)
    assert await stored(session, post["id"]) == (MARKDOWN, HTML, EXCERPT, WORDS)
    assert '<pre class="highlight" tabindex="0"><code><span class="nb">print</span>' in HTML
    assert '<a href="https://example.com" rel="nofollow ugc noopener">a link</a>' in HTML


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_changing_the_content_renders_and_counts_it_again(
    client: AsyncClient, api: Api, author: Account, session: AsyncSession, method: str
) -> None:
    post = await api.post(author, content="old *words*")
    response = await client.request(
        method,
        f"/api/posts/{post['id']}",
        json={"title": "t", "content": MARKDOWN},
        headers=author.headers,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["content_html"], response.json()["excerpt"]) == (HTML, EXCERPT)
    assert await stored(session, post["id"]) == (MARKDOWN, HTML, EXCERPT, WORDS)


async def test_changing_only_the_title_keeps_the_rendered_content(
    client: AsyncClient, api: Api, author: Account, session: AsyncSession
) -> None:
    post = await api.post(author, content=MARKDOWN)
    response = await client.patch(
        f"/api/posts/{post['id']}", json={"title": "New"}, headers=author.headers
    )
    assert response.status_code == 200
    assert await stored(session, post["id"]) == (MARKDOWN, HTML, EXCERPT, WORDS)


async def test_listings_carry_the_content_its_html_and_its_excerpt(
    client: AsyncClient, api: Api, author: Account
) -> None:
    post = await api.post(author, content=MARKDOWN)
    for path in ("/api/posts", f"/api/users/{author.id}/posts"):
        (listed,) = (await client.get(path)).json()["posts"]
        assert listed == post, path


async def test_reads_never_parse_markdown(
    client: AsyncClient, api: Api, author: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = await api.post(author, content=MARKDOWN)

    def refuse(*_: object) -> None:
        raise AssertionError("a read rendered Markdown")

    monkeypatch.setattr(MarkdownRenderer, "render", refuse)
    for path in ("/api/posts", f"/api/posts/{post['id']}", "/", post["url"]):
        assert (await client.get(path)).status_code == 200, path


async def test_the_post_page_shows_the_stored_html_with_the_highlighting_stylesheet(
    client: AsyncClient, api: Api, author: Account
) -> None:
    post = await api.post(author, content=MARKDOWN)
    page = (await client.get(post["url"])).text
    assert f'<div class="post-content" data-testid="post-content">{HTML}</div>' in page
    assert re.search(
        r'<link rel="stylesheet" href="/static/css/pygments\.[0-9a-f]{12}\.css">', page
    )
    home = (await client.get("/")).text
    assert f'data-field="excerpt">{EXCERPT}</p>' in home
    assert "<pre" not in home


async def test_a_listing_of_long_rendered_posts_costs_the_same_statements(
    client: AsyncClient, api: Api, author: Account, count_statements: StatementCounter
) -> None:
    await api.post(author, content="short")
    count_statements.statements.clear()
    await client.get("/api/posts")
    one_short_post = len(count_statements)
    count_statements.statements.clear()
    for _ in range(5):
        await api.post(author, content=MARKDOWN * 50)
    count_statements.statements.clear()
    page = (await client.get("/api/posts")).json()
    assert len(page["posts"]) == 6
    assert len(count_statements) == one_short_post == 1


# --- the preview ---------------------------------------------------------------------------


async def test_the_preview_renders_as_publishing_would_and_stores_nothing(
    client: AsyncClient, author: Account, session: AsyncSession
) -> None:
    response = await client.post(
        "/api/markdown/preview", json={"content": MARKDOWN}, headers=author.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"html": HTML}
    assert (await session.scalars(select(Post))).all() == []


async def test_the_preview_is_for_signed_in_writers(client: AsyncClient) -> None:
    response = await client.post("/api/markdown/preview", json={"content": "hi"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "body",
    [
        {"content": ""},
        {"content": "   "},
        {"content": "x" * (CONTENT_MAX_LENGTH + 1)},
        {"content": "x", "title": "extra"},
        {},
    ],
    ids=["empty", "blank", "too long", "unknown field", "missing"],
)
async def test_the_preview_has_the_limits_of_a_post(
    client: AsyncClient, author: Account, body: dict[str, str]
) -> None:
    response = await client.post("/api/markdown/preview", json=body, headers=author.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_a_preview_body_over_the_posts_limit_is_refused_before_it_is_read(
    client: AsyncClient, author: Account
) -> None:
    response = await client.post(
        "/api/markdown/preview",
        content=b'{"content": "' + b"x" * 1_100_000 + b'"}',
        headers={**author.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


async def test_the_longest_content_previews(client: AsyncClient, author: Account) -> None:
    response = await client.post(
        "/api/markdown/preview",
        json={"content": "word " * (CONTENT_MAX_LENGTH // 5)},
        headers=author.headers,
    )
    assert response.status_code == 200
