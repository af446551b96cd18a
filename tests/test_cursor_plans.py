"""A page after a cursor is read from its listing's index, in the index's order, starting at
the cursor's position: no sort, on both databases (PostgreSQL with scans, bitmaps and
sorts forbidden, so that only an index can serve the order)."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Account, Api, StartedApp
from tests.factories import Factory
from tests.posts.test_listing_plans import posts_by_someone_else

LISTINGS = {
    "/api/posts": "ix_posts_published_at_id",
    "/api/users/{author}/posts": "ix_posts_user_id_published_at_id",
    "/api/posts?tag=python": "ix_post_tags_tag_id_published_at_post_id",
    "/api/users/me/drafts": "ix_posts_user_id_updated_at_id",
    "/api/posts/{post}/comments": "ix_comments_post_id_created_at_id",
    "/api/notifications": "ix_notifications_user_id_id",
}


async def listing_statement(
    started_app: StartedApp, client: AsyncClient, path: str
) -> tuple[str, Any]:
    """The page's statement and parameters, as the app sent them (through the Reader, or
    through the request's session where it has begun a transaction: a signed-in user's)."""
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    state = started_app.state
    engines = [state["reader"].engine.sync_engine, state["engine"].sync_engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        assert (await client.get(path)).status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
    (page,) = [(sql, parameters) for sql, parameters in sent if "ORDER BY" in sql]
    return page


async def plan_of(engine: AsyncEngine, sql: str, parameters: Any) -> str:
    async with engine.connect() as connection:
        explain = "EXPLAIN QUERY PLAN"
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE")
            for method in ("seqscan", "bitmapscan", "sort"):
                await connection.exec_driver_sql(f"SET LOCAL enable_{method} = off")
            explain = "EXPLAIN"
        rows = await connection.exec_driver_sql(f"{explain} {sql}", parameters)
        return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(("path", "index"), LISTINGS.items())
async def test_a_page_after_a_cursor_walks_its_index_from_the_position(
    *,
    started_app: StartedApp,
    client: AsyncClient,
    api: Api,
    author: Account,
    engine: AsyncEngine,
    factory: Factory,
    path: str,
    index: str,
) -> None:
    # Another user's notifications, older than the author's: walking every notification by
    # id to the author's is then the worse plan by the statistics, not a tie the planner may
    # break either way on a table of two rows.
    await factory.follow_notifications(await posts_by_someone_else(api, engine), author, 300)
    post = await api.post(author, tags=["python"])
    await api.post(author, tags=["python"], status="draft")
    await api.post(author, tags=["python"])
    await api.post(author, status="draft")
    commenter = await api.sign_up("commenter")
    for body in ("One", "Two"):
        await client.post(
            f"/api/posts/{post['id']}/comments", json={"body": body}, headers=commenter.headers
        )
    address = path.format(author=author.id, post=post["id"])
    separator = "&" if "?" in address else "?"
    client.headers.update(author.headers)
    first = (await client.get(f"{address}{separator}limit=1")).json()
    cursor_page = f"{address}{separator}limit=1&cursor={first['next_cursor']}"

    sql, parameters = await listing_statement(started_app, client, cursor_page)
    plan = await plan_of(engine, sql, parameters)

    assert index in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
    if engine.dialect.name == "postgresql":
        # The scan starts at the position: the comparison is the index's bound, not a filter.
        bounds = [line for line in plan.splitlines() if "Index Cond" in line]
        assert any("ROW(" in line or "(id < " in line for line in bounds), plan
