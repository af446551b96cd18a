"""Listings read published posts straight from the partial indexes, in their order: no sort
of all the posts (or all of a tag's) before the first page can be sent."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.posts.models import Post
from tests.conftest import RENDERED, Account, Api, StartedApp

LISTINGS = {
    "/api/posts": "ix_posts_published_at_id",
    "/api/users/{author}/posts": "ix_posts_user_id_published_at_id",
    "/api/posts?tag=python": "ix_post_tags_tag_id_published_at_post_id",
}


async def listing_statement(
    started_app: StartedApp, client: AsyncClient, path: str
) -> tuple[str, Any]:
    """The page's statement and parameters, as the app sent them."""
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    engine = started_app.state["reader"].engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert (await client.get(path)).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    (page,) = [(sql, parameters) for sql, parameters in sent if "ORDER BY" in sql]
    return page


async def posts_by_someone_else(api: Api, engine: AsyncEngine) -> Account:
    """Enough of another author's posts that walking everyone's index for one author's is
    the worse plan by the statistics too, not a tie the planner may break either way."""
    other = await api.sign_up("other")
    rows = [
        {"title": f"Other {n}", "content": "c", "user_id": other.id, **RENDERED} for n in range(300)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(Post), rows)
    return other


@pytest.mark.parametrize(("path", "index"), LISTINGS.items())
async def test_a_listing_walks_its_index_in_order(
    *,
    started_app: StartedApp,
    client: AsyncClient,
    api: Api,
    author: Account,
    engine: AsyncEngine,
    path: str,
    index: str,
) -> None:
    await api.post(author, tags=["python"])
    await posts_by_someone_else(api, engine)
    sql, parameters = await listing_statement(started_app, client, path.format(author=author.id))
    async with engine.connect() as connection:
        explain = "EXPLAIN QUERY PLAN"
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE posts")
            # On tables this small a scan and a sort would win; without them, only an index
            # can serve the order, and a Sort node would say no index does.
            for method in ("seqscan", "bitmapscan", "sort"):
                await connection.exec_driver_sql(f"SET LOCAL enable_{method} = off")
            explain = "EXPLAIN"
        rows = await connection.exec_driver_sql(f"{explain} {sql}", parameters)
        plan = "\n".join(str(row[-1]) for row in rows)

    assert index in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
