"""The index is the database's: it follows every write to posts and their tags within the
writer's transaction, and holds no draft; a suspended user and their posts are not found."""

from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.config import Settings
from inkwell.db import Reader, create_sessionmaker, reads_through
from inkwell.posts import service as posts
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import Post
from inkwell.search import service
from inkwell.users.models import User
from tests.conftest import Account, Api
from tests.factories import Factory

MARKDOWN = MarkdownRenderer()


async def found_titles(client: AsyncClient, q: str) -> list[str]:
    response = await client.get("/api/search", params={"q": q})
    assert response.status_code == 200
    return [post["title"] for post in response.json()["posts"]]


async def test_a_draft_is_never_found(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    await factory.post(author, title="Secret marmalade", content="Oranges.", status="draft")

    assert await found_titles(client, "marmalade") == []
    assert await found_titles(client, "oranges") == []


async def test_a_post_published_is_found_and_unpublished_is_not(
    client: AsyncClient, api: Api, author: Account
) -> None:
    draft = await api.post(author, title="Quince jelly", content="Slow.", status="draft")

    await client.patch(
        f"/api/posts/{draft['id']}", json={"status": "published"}, headers=author.headers
    )
    published = await found_titles(client, "quince")
    await client.patch(
        f"/api/posts/{draft['id']}", json={"status": "draft"}, headers=author.headers
    )

    assert published == ["Quince jelly"]
    assert await found_titles(client, "quince") == []


async def test_an_edit_is_found_by_its_new_words_only(
    client: AsyncClient, api: Api, author: Account
) -> None:
    post = await api.post(author, title="Plum cake", content="Butter.", tags=["baking"])

    response = await client.patch(
        f"/api/posts/{post['id']}",
        json={"title": "Damson cake", "content": "Margarine.", "tags": ["dessert"]},
        headers=author.headers,
    )

    assert response.status_code == 200
    for old in ("plum", "butter", "baking"):
        assert await found_titles(client, old) == []
    for new in ("damson", "margarine", "dessert"):
        assert await found_titles(client, new) == ["Damson cake"]


async def test_a_deleted_post_is_not_found(client: AsyncClient, api: Api, author: Account) -> None:
    post = await api.post(author, title="Rhubarb crumble", content="Oats.")

    response = await client.delete(f"/api/posts/{post['id']}", headers=author.headers)

    assert response.status_code == 204
    assert await found_titles(client, "rhubarb") == []


async def test_a_deleted_author_takes_their_posts_out_of_the_index(
    client: AsyncClient, factory: Factory, engine: AsyncEngine
) -> None:
    gone = await factory.account("gone")
    await factory.post(gone, title="Fig tart", content="Honey.", tags=["figs"])

    async with create_sessionmaker(engine).begin() as session:
        await session.delete(await session.get_one(User, gone.id))

    assert await found_titles(client, "fig") == []


async def test_a_suspended_author_and_their_posts_are_found_again_only_when_unsuspended(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    writer = await factory.account("quincewriter")
    await factory.post(writer, title="Quince jelly", content="Slowly.")
    admin = await factory.account("admin", role="admin")

    await client.post(f"/api/users/{writer.id}/suspend", headers=admin.headers)
    hidden = (await client.get("/api/search", params={"q": "quince"})).json()
    await client.post(f"/api/users/{writer.id}/unsuspend", headers=admin.headers)
    restored = (await client.get("/api/search", params={"q": "quince"})).json()

    assert (hidden["posts"], hidden["users"]) == ([], [])
    assert [post["title"] for post in restored["posts"]] == ["Quince jelly"]
    assert [user["username"] for user in restored["users"]] == ["quincewriter"]


@pytest.fixture
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A transaction left uncommitted: what the search sees in it, it sees before any COMMIT."""
    async with create_sessionmaker(engine)() as session, session.begin():
        with reads_through(session):
            yield session
        await session.rollback()


async def titles_in(reader: Reader, q: str) -> list[str]:
    found = await service.search(reader, q, skip=0, limit=10)
    return [post["title"] for post in found.posts]


async def test_the_index_follows_an_insert_an_edit_and_a_delete_within_the_transaction(
    transaction: AsyncSession, settings: Settings, author: Account
) -> None:
    reader = Reader.from_settings(settings)
    user = await transaction.get_one(User, author.id)

    post = await posts.create_post(
        transaction, user, "Apricot jam", "Sugar.", markdown=MARKDOWN, tags=["preserves"]
    )
    inserted = (await titles_in(reader, "apricot"), await titles_in(reader, "preserves"))
    await posts.update_post(
        transaction, post, markdown=MARKDOWN, title="Peach jam", tags=["summer"]
    )
    edited = [await titles_in(reader, q) for q in ("apricot", "preserves", "peach", "summer")]
    await posts.delete_post(transaction, await transaction.get_one(Post, post.id), by_admin=False)

    assert inserted == (["Apricot jam"], ["Apricot jam"])
    assert edited == [[], [], ["Peach jam"], ["Peach jam"]]
    assert await titles_in(reader, "peach") == []
