"""Readable addresses: posts at /posts/{id}-{slug}, users at /@{username}, tags at
/tags/{tag}; every other way to name them moves there for good (301)."""

from urllib.parse import quote

import pytest
from httpx import AsyncClient

from tests.conftest import PASSWORD, Account, Api
from tests.web.test_pages import XSS, inline_code


async def sign_in(client: AsyncClient, username: str) -> None:
    response = await client.post(
        "/api/users/token", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "stale", ["{id}", "{id}-", "{id}-an-old-title", "{id}-Hello-World", "0{id}-hello-world"]
)
async def test_any_other_address_of_a_post_moves_to_its_canonical_one(
    api: Api, client: AsyncClient, author: Account, stale: str
) -> None:
    post = await api.post(author, title="Hello, World")

    response = await client.get("/posts/" + stale.format(id=post["id"]))

    assert response.status_code == 301
    assert response.headers["location"] == f"/posts/{post['id']}-hello-world"
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert 'data-testid="post-title">Hello, World<' in page.text


@pytest.mark.parametrize("path", ["/posts/0-x", "/posts/99999999999", "/posts/-1", "/posts/x-1"])
async def test_an_address_that_names_no_post_is_the_404_page(
    client: AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"


async def test_someone_elses_draft_is_not_found_at_any_address(
    api: Api, client: AsyncClient, author: Account
) -> None:
    """Not even the redirect to its slug may tell that it exists, or its title."""
    post = await api.post(author, title="Secret plans", status="draft")
    await api.sign_up("other")
    await sign_in(client, "other")

    for path in (f"/posts/{post['id']}", str(post["url"])):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "secret" not in response.text.lower()


async def test_the_author_reads_their_draft_on_its_page(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author, title="Work in progress", status="draft")
    await sign_in(client, "author")

    html = (await client.get(str(post["url"]))).text

    assert 'data-testid="draft-badge"' in html
    assert ">Publish<" in html


async def test_a_users_page_is_at_their_name(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await client.patch(
        f"/api/users/{author.id}",
        json={"display_name": "Ada L.", "bio": f"Engines {XSS} https://ada.example/notes."},
        headers=author.headers,
    )
    await api.post(author)
    await api.post(author, status="draft")

    response = await client.get("/@author")

    assert response.status_code == 200
    html = response.text
    assert '<h1 class="h3 mb-0">Ada L.</h1>' in html
    assert XSS not in html
    assert "Engines &lt;script&gt;" in html
    assert (
        '<a href="https://ada.example/notes" rel="nofollow ugc noopener">'
        "https://ada.example/notes</a>." in html
    )
    assert 'data-testid="post-count">1 post<' in html
    assert "Joined <time datetime=" in html
    assert inline_code(html) == []


@pytest.mark.parametrize("name", ["ΟΔΟΣ", "東京tower", "émile"])
async def test_a_unicode_username_has_a_percent_encoded_page(
    api: Api, client: AsyncClient, name: str
) -> None:
    writer = await api.sign_up(name)
    await api.post(writer, title="Γειά")

    address = f"/@{quote(name, safe='')}"
    response = await client.get(address)

    assert response.status_code == 200
    assert name in response.text
    home = (await client.get("/")).text
    assert f'href="{address}"' in home


async def test_a_username_written_another_way_moves_to_the_users_own(
    api: Api, client: AsyncClient
) -> None:
    await api.register("Émile")

    response = await client.get(f"/@{quote('ÉMILE')}?skip=10")

    assert response.status_code == 301
    assert response.headers["location"] == f"/@{quote('Émile', safe='')}?skip=10"


async def test_the_old_address_of_a_users_posts_moves_to_their_page(
    client: AsyncClient, author: Account
) -> None:
    response = await client.get(f"/users/{author.id}/posts?limit=5")

    assert response.status_code == 301
    assert response.headers["location"] == "/@author?limit=5"
    assert (await client.get("/users/4242/posts")).status_code == 404
    assert (await client.get("/@nobody")).status_code == 404


async def test_cards_link_to_canonical_addresses_and_tags(
    api: Api, client: AsyncClient, author: Account
) -> None:
    post = await api.post(author, title="Readable", tags=["python", "web"])

    html = (await client.get("/")).text

    assert f'href="/posts/{post["id"]}-readable"' in html
    assert 'href="/@author"' in html
    assert 'href="/tags/python">#python</a>' in html
    assert "1 min read" in html
    assert "/users/" not in html


async def test_the_home_page_shows_the_most_used_tags(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.post(author, tags=["python", "web"])
    await api.post(author, tags=["python"])
    await api.post(author, tags=["secret"], status="draft")

    html = (await client.get("/")).text
    popular = html[html.index('data-testid="popular-tags"') :]
    popular = popular[: popular.index("</nav>")]

    assert popular.index("#python") < popular.index("#web")
    assert "secret" not in html


async def test_a_tags_page_lists_its_published_posts(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.post(author, title="Tagged", tags=["python"])
    await api.post(author, title="Other", tags=["rust"])
    await api.post(author, title="Hidden", tags=["python"], status="draft")

    response = await client.get("/tags/python")

    assert response.status_code == 200
    assert "Tagged" in response.text
    assert "Other" not in response.text
    assert "Hidden" not in response.text
    assert 'data-api="/api/posts?tag=python"' not in response.text  # one page: no Load more
    assert (await client.get("/tags/Python")).headers["location"] == "/tags/python"
    assert (await client.get("/tags/nothing-here")).status_code == 404
    assert (await client.get("/tags/!!!")).status_code == 404


async def test_the_drafts_page_shows_the_authors_drafts_only(
    api: Api, client: AsyncClient, author: Account
) -> None:
    await api.post(author, title="My draft", status="draft")
    await api.post(author, title="Published one")
    other = await api.sign_up("other")
    await api.post(other, title="Their draft", status="draft")
    await sign_in(client, "author")

    html = (await client.get("/drafts")).text

    assert "My draft" in html
    assert "Published one" not in html
    assert "Their draft" not in html
    assert "My draft" not in (await client.get("/")).text


async def test_the_drafts_page_asks_a_visitor_to_sign_in(client: AsyncClient) -> None:
    response = await client.get("/drafts")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fdrafts"


async def test_a_name_with_a_nul_is_no_ones_page(client: AsyncClient) -> None:
    """PostgreSQL's text cannot hold a NUL; the lookup finds no one rather than failing."""
    assert (await client.get("/@ada%00")).status_code == 404
