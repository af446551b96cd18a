from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy import Connection, event, insert, select, text
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.posts.models import Post
from inkwell.users.models import User
from tests.conftest import RENDERED, Account, StartedApp, StatementCounter

Author = Account


async def add_posts(session: AsyncSession, user_ids: list[int], count: int) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "title": f"Post {i}",
            "content": "c",
            "user_id": user_ids[i % len(user_ids)],
            "date_posted": when,
            "updated_at": when,
        }
        | RENDERED
        for i in range(count)
    ]
    await session.execute(insert(Post), rows)
    await session.commit()


async def test_listing_costs_the_same_statements_for_10_or_100_posts(
    client: AsyncClient, session: AsyncSession, count_statements: StatementCounter
) -> None:
    users = [
        User(username=f"writer{i}", email=f"w{i}@example.com", password_hash="x") for i in range(20)
    ]
    session.add_all(users)
    await session.flush()
    await add_posts(session, [user.id for user in users], 150)

    await client.get("/api/posts", params={"limit": 10})
    small_page = len(count_statements)
    count_statements.statements.clear()
    page = (await client.get("/api/posts", params={"limit": 100})).json()

    assert len(page["posts"]) == 100
    assert len({post["author"]["id"] for post in page["posts"]}) == 20
    assert len(count_statements) == small_page
    assert small_page <= 2, count_statements.statements


@pytest.mark.parametrize("path", ["/api/posts", "/", "/api/posts?tag=python", "/tags/python"])
async def test_a_listing_is_one_statement_outside_any_transaction(
    started_app: StartedApp, client: AsyncClient, author: Author, path: str
) -> None:
    """BEGIN and COMMIT would be two more round trips; one statement is one snapshot anyway.
    The home page's most used tags ride in its listing's statement."""
    await client.post(
        "/api/posts",
        json={"title": "t", "content": "c", "tags": ["python"]},
        headers=author.headers,
    )
    autocommits: list[bool] = []

    def record(connection: Connection, *_: object) -> None:
        driver_connection = connection.connection.dbapi_connection
        autocommits.append(connection.dialect.detect_autocommit_setting(driver_connection))

    state = started_app.state
    engines = (state["engine"].sync_engine, state["reader"].engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        response = await client.get(path)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)

    assert response.status_code == 200
    assert autocommits == [True]


async def test_reading_a_relationship_that_was_not_loaded_fails_loudly(
    session: AsyncSession, client: AsyncClient, author: Author
) -> None:
    await client.post("/api/posts", json={"title": "t", "content": "c"}, headers=author.headers)
    post = await session.scalar(select(Post))
    assert post is not None
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = post.author


async def test_a_users_posts_collection_is_never_loaded_implicitly(
    session: AsyncSession, author: Author
) -> None:
    user = await session.get(User, author.id)
    assert user is not None
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = user.posts


async def test_timestamps_come_back_timezone_aware_in_utc(
    session: AsyncSession, author: Author
) -> None:
    user = await session.get(User, author.id)
    assert user is not None
    assert user.created_at.tzinfo is not None
    assert user.created_at.utcoffset() is not None
    assert user.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


async def test_deleting_a_user_row_cascades_to_posts_in_the_database(
    session: AsyncSession, client: AsyncClient, author: Author
) -> None:
    await client.post("/api/posts", json={"title": "t", "content": "c"}, headers=author.headers)
    await session.execute(User.__table__.delete().where(User.id == author.id))
    await session.commit()
    assert (await session.scalars(select(Post))).all() == []


@pytest.mark.parametrize("path", ["/api/posts", "/api/posts?tag=common"])
async def test_tags_cost_no_statement_per_post(
    client: AsyncClient, author: Author, count_statements: StatementCounter, path: str
) -> None:
    """Each post's tags come as an aggregate column of the page's one statement."""
    for i in range(30):
        response = await client.post(
            "/api/posts",
            json={"title": f"Post {i}", "content": "c", "tags": ["common", f"t{i}", f"u{i % 3}"]},
            headers=author.headers,
        )
        assert response.status_code == 201
    count_statements.statements.clear()

    small = (await client.get(path, params={"limit": 3})).json()
    small_page = len(count_statements)
    count_statements.statements.clear()
    large = (await client.get(path, params={"limit": 30})).json()

    assert len(count_statements) == small_page == 1, count_statements.statements
    assert len(large["posts"]) == 30
    assert small["posts"][0]["tags"] == ["common", "t29", "u2"]


async def test_a_failed_statement_leaves_the_values_it_was_sent_out_of_its_error(
    engine: AsyncEngine,
) -> None:
    """A database error is logged with its traceback (errors.py, and the 503 of a lost
    database): what the statement was sent (an email, a password's hash) stays out of it."""
    with pytest.raises(DBAPIError) as failed:
        async with engine.connect() as connection:
            await connection.execute(
                text("SELECT :email FROM no_such_table"), {"email": "ada@example.com"}
            )
    assert "no_such_table" in str(failed.value)
    assert "ada@example.com" not in str(failed.value)
