"""Where other Conduit backends break: many readers favoriting one article at once, many
writers creating the same new tag at once. Counts stay exact, no request fails."""

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.likes.models import Like
from inkwell.posts.models import Post, Tag
from tests.conduit.conftest import Conduit, ConduitUser


async def test_fifty_concurrent_favorites_are_all_counted(
    conduit: Conduit, writer: ConduitUser, engine: AsyncEngine
) -> None:
    article = await conduit.article(writer)
    readers = [await conduit.user(f"fan{i}") for i in range(50)]
    url = f"/articles/{article['slug']}/favorite"

    responses = await asyncio.gather(*(conduit.post(url, reader) for reader in readers))

    assert {response.status_code for response in responses} == {200}
    assert max(response.json()["article"]["favoritesCount"] for response in responses) == 50
    final = (await conduit.get(f"/articles/{article['slug']}")).json()["article"]
    assert final["favoritesCount"] == 50
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Like)) == 50
        assert await connection.scalar(select(Post.like_count)) == 50


async def test_twenty_concurrent_articles_with_the_same_new_tag_make_one_tag(
    conduit: Conduit, engine: AsyncEngine
) -> None:
    writers = [await conduit.user(f"writer{i}") for i in range(20)]
    body = {"title": "Tagged", "description": "D", "body": "B", "tagList": ["brand-new"]}

    responses = await asyncio.gather(
        *(conduit.post("/articles", writer, {"article": body}) for writer in writers)
    )

    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["article"]["slug"] for response in responses}) == 20
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Tag)) == 1
        assert await connection.scalar(select(Tag.post_count)) == 20
    listed = (await conduit.get("/articles", tag="brand-new", limit=100)).json()
    assert (len(listed["articles"]), listed["articlesCount"]) == (20, 20)
    assert (await conduit.get("/tags")).json() == {"tags": ["brand-new"]}
