"""The personal feed: the posts of the writers a reader follows, newest first, paginated
like every listing, in one statement whatever the page holds."""

import pytest
from httpx import AsyncClient
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.follows.models import Follow
from inkwell.posts.models import Post
from tests.conftest import Account, Api, StatementCounter
from tests.test_data_layer import add_posts


async def test_the_feed_holds_the_posts_of_the_followed_newest_first(
    api: Api, client: AsyncClient, author: Account, reader: Account
) -> None:
    other, unfollowed = await api.sign_up("other"), await api.sign_up("unfollowed")
    titles = []
    for i, writer in enumerate([author, unfollowed, other, author, unfollowed, other]):
        await api.post(writer, title=f"Post {i}")
        if writer is not unfollowed:
            titles.append(f"Post {i}")
    for followed in (author, other):
        await client.put(f"/api/users/{followed.id}/follow", headers=reader.headers)
    await api.post(reader, title="My own")

    first = (await client.get("/api/feed", params={"limit": 3}, headers=reader.headers)).json()
    rest = (
        await client.get("/api/feed", params={"skip": 3, "limit": 3}, headers=reader.headers)
    ).json()

    assert [p["title"] for p in first["posts"] + rest["posts"]] == titles[::-1]
    assert (first["total"], first["has_more"], rest["has_more"]) == (4, True, False)
    assert {p["author"]["id"] for p in first["posts"]} == {author.id, other.id}


async def test_the_feed_carries_likes_and_follows_what_the_reader_changes(
    api: Api, client: AsyncClient, author: Account, reader: Account
) -> None:
    post = await api.post(author)
    assert (await client.get("/api/feed", headers=reader.headers)).json()["total"] == 0

    await client.put(f"/api/users/{author.id}/follow", headers=reader.headers)
    await client.put(f"/api/posts/{post['id']}/like", headers=reader.headers)
    followed = (await client.get("/api/feed", headers=reader.headers)).json()
    await client.delete(f"/api/users/{author.id}/follow", headers=reader.headers)
    unfollowed = (await client.get("/api/feed", headers=reader.headers)).json()

    assert [(p["id"], p["liked"], p["like_count"]) for p in followed["posts"]] == [
        (post["id"], True, 1)
    ]
    assert unfollowed["posts"] == []
    assert (unfollowed["total"], unfollowed["has_more"], unfollowed["next_cursor"]) == (
        0,
        False,
        None,
    )


async def test_a_page_past_the_end_of_the_feed_still_reports_the_total(
    api: Api, client: AsyncClient, author: Account, reader: Account
) -> None:
    await api.post(author)
    await client.put(f"/api/users/{author.id}/follow", headers=reader.headers)

    past = (await client.get("/api/feed", params={"skip": 5}, headers=reader.headers)).json()

    assert (past["posts"], past["total"]) == ([], 1)


async def test_the_feed_of_a_reader_following_no_one_is_empty_with_a_total_of_0(
    api: Api, client: AsyncClient, author: Account, reader: Account
) -> None:
    await api.post(author)

    response = await client.get("/api/feed", headers=reader.headers)

    assert response.status_code == 200
    assert (response.json()["posts"], response.json()["total"]) == ([], 0)


async def test_the_feed_is_for_signed_in_readers(client: AsyncClient) -> None:
    response = await client.get("/api/feed")

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_the_feed_refuses_a_forged_token(client: AsyncClient) -> None:
    response = await client.get("/api/feed", headers={"Authorization": "Bearer forged"})

    assert (response.status_code, response.json()["code"]) == (401, "token_invalid")
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


async def test_the_feed_costs_the_same_statements_for_10_or_100_posts(
    api: Api, client: AsyncClient, reader: Account, session: AsyncSession,
    count_statements: StatementCounter,
) -> None:  # fmt: skip
    writers = [await api.sign_up(f"writer{i}") for i in range(12)]
    await add_posts(session, [int(str(w.id)) for w in writers], 200)
    follows = [{"follower_id": reader.id, "followed_id": w.id} for w in writers[:10]]
    await session.execute(insert(Follow), follows)
    await session.commit()
    count_statements.statements.clear()

    await client.get("/api/feed", params={"limit": 10}, headers=reader.headers)
    small_page = len(count_statements)
    count_statements.statements.clear()
    page = (await client.get("/api/feed", params={"limit": 100}, headers=reader.headers)).json()

    assert len(page["posts"]) == 100
    assert page["total"] == 200 * 10 // 12 + 2  # writers 0..7 wrote 17 posts, 8..11 wrote 16
    assert {p["author"]["id"] for p in page["posts"]} <= {w.id for w in writers[:10]}
    assert len(count_statements) == small_page == 2, count_statements.statements


async def test_the_feed_can_be_served_from_indexes_alone(
    api: Api, client: AsyncClient, reader: Account, engine: AsyncEngine
) -> None:
    """On PostgreSQL, with sequential scans priced out, the plan still exists: an index of
    the follows picks the authors (which one is the planner's choice) and a posts index
    gives their newest posts."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    from inkwell.feeds.service import _feed  # noqa: PLC0415  (the statement under test)

    page = _feed(False, True, False).page  # without profiles, with bodies, from skip
    compiled = page.compile(dialect=engine.dialect)
    expanded = compiled.construct_expanded_state({"viewer_id": reader.id, "skip": 0, "limit": 10})
    arguments = tuple(expanded.parameters[name] for name in expanded.positiontup or ())
    async with engine.connect() as connection:
        await connection.execute(text("SET enable_seqscan = off"))
        plan = await connection.exec_driver_sql(f"EXPLAIN {expanded.statement}", arguments)
        lines = "\n".join(row[0] for row in plan)
    assert "Seq Scan" not in lines, lines
    follows = [line for line in lines.splitlines() if " on follows" in line]
    assert follows, lines
    assert all("Index" in line or "Bitmap Heap" in line for line in follows), lines
    assert "ix_posts_" in lines, lines
    assert Post.__tablename__ in lines
