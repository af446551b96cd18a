"""Liking posts: idempotent, signed in, counted exactly by the database, and shown on every
post of every response (with whether the reader likes it)."""

import asyncio

import pytest
from httpx import AsyncClient
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from inkwell.likes.models import Like
from inkwell.posts.models import Post
from tests.auth.signing_in import sign_in
from tests.conftest import Account, Api, StatementCounter
from tests.test_data_layer import add_posts


async def kept_and_real(engine: AsyncEngine, post_id: object) -> tuple[int | None, int]:
    async with engine.connect() as connection:
        kept = await connection.scalar(select(Post.like_count).where(Post.id == post_id))
        real = await connection.scalar(
            select(func.count()).select_from(Like).where(Like.post_id == post_id)
        )
    return kept, real or 0


@pytest.fixture
async def post(api: Api, author: Account) -> dict[str, object]:
    return await api.post(author)


async def test_liking_answers_the_new_count_and_liking_again_changes_nothing(
    client: AsyncClient, post: dict[str, object], reader: Account, engine: AsyncEngine
) -> None:
    url = f"/api/posts/{post['id']}/like"
    first = await client.put(url, headers=reader.headers)
    again = await client.put(url, headers=reader.headers)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"post_id": post["id"], "liked": True, "like_count": 1}
    assert await kept_and_real(engine, post["id"]) == (1, 1)


async def test_unliking_answers_the_new_count_and_unliking_again_changes_nothing(
    client: AsyncClient, post: dict[str, object], reader: Account, engine: AsyncEngine
) -> None:
    url = f"/api/posts/{post['id']}/like"
    await client.put(url, headers=reader.headers)
    first = await client.delete(url, headers=reader.headers)
    again = await client.delete(url, headers=reader.headers)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"post_id": post["id"], "liked": False, "like_count": 0}
    assert await kept_and_real(engine, post["id"]) == (0, 0)


async def test_unliking_a_post_answers_its_own_count_and_keeps_the_readers_other_likes(
    api: Api, client: AsyncClient, author: Account, reader: Account, engine: AsyncEngine
) -> None:
    first, second = await api.post(author), await api.post(author)
    for post in (first, second):
        await client.put(f"/api/posts/{post['id']}/like", headers=reader.headers)

    response = await client.delete(f"/api/posts/{second['id']}/like", headers=reader.headers)

    assert response.json() == {"post_id": second["id"], "liked": False, "like_count": 0}
    assert await kept_and_real(engine, first["id"]) == (1, 1)
    assert await kept_and_real(engine, second["id"]) == (0, 0)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_an_unknown_post_is_a_404_and_nothing_is_stored(
    client: AsyncClient, reader: Account, engine: AsyncEngine, method: str
) -> None:
    response = await client.request(method, "/api/posts/4242/like", headers=reader.headers)

    assert response.status_code == 404
    assert response.json() == {"detail": "Post not found", "code": "post_not_found"}
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Like)) == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize(("post_id", "status"), [("0", 422), ("2147483648", 422), ("x", 404)])
async def test_a_malformed_post_id_is_a_clear_4xx(
    client: AsyncClient, reader: Account, method: str, post_id: str, status: int
) -> None:
    response = await client.request(method, f"/api/posts/{post_id}/like", headers=reader.headers)
    assert response.status_code == status


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_an_anonymous_reader_cannot_like(
    client: AsyncClient, post: dict[str, object], method: str, engine: AsyncEngine
) -> None:
    response = await client.request(method, f"/api/posts/{post['id']}/like")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert await kept_and_real(engine, post["id"]) == (0, 0)


async def test_every_post_of_every_answer_carries_its_likes_and_the_readers_own(
    api: Api, client: AsyncClient, author: Account, reader: Account
) -> None:
    liked, other = await api.post(author), await api.post(author)
    await client.put(f"/api/posts/{liked['id']}/like", headers=reader.headers)
    await client.put(f"/api/posts/{liked['id']}/like", headers=author.headers)

    def likes(post: dict[str, object]) -> tuple[object, object, object]:
        return post["like_count"], post["liked"], post["comment_count"]

    for path in ("/api/posts", f"/api/users/{author.id}/posts"):
        as_reader = (await client.get(path, headers=reader.headers)).json()["posts"]
        anonymous = (await client.get(path)).json()["posts"]
        assert [likes(post) for post in as_reader] == [(0, False, 0), (2, True, 0)]
        assert [likes(post) for post in anonymous] == [(0, False, 0), (2, False, 0)]
    one = f"/api/posts/{liked['id']}"
    assert likes((await client.get(one, headers=reader.headers)).json()) == (2, True, 0)
    assert likes((await client.get(one)).json()) == (2, False, 0)
    assert likes((await client.get(f"/api/posts/{other['id']}")).json()) == (0, False, 0)


async def test_a_written_post_answers_with_its_likes(
    api: Api, client: AsyncClient, author: Account, post: dict[str, object]
) -> None:
    assert (post["like_count"], post["liked"], post["comment_count"]) == (0, False, 0)
    await client.put(f"/api/posts/{post['id']}/like", headers=author.headers)

    patched = await client.patch(
        f"/api/posts/{post['id']}", json={"title": "New"}, headers=author.headers
    )

    assert (patched.json()["like_count"], patched.json()["liked"]) == (1, True)


async def test_a_bearer_token_no_longer_valid_is_refused_on_a_public_listing(
    client: AsyncClient, post: dict[str, object], reader: Account
) -> None:
    await client.put(f"/api/posts/{post['id']}/like", headers=reader.headers)
    await client.post("/api/users/logout", headers=reader.headers)

    response = await client.get("/api/posts", headers=reader.headers)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired token", "code": "token_invalid"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


async def test_sign_in_cookies_no_longer_valid_read_a_listing_anonymously(
    client: AsyncClient, post: dict[str, object], reader: Account
) -> None:
    await client.put(f"/api/posts/{post['id']}/like", headers=reader.headers)
    await sign_in(client, str(reader.user["username"]))
    await client.post("/api/users/logout", headers=reader.headers)  # ends every session

    response = await client.get("/api/posts")

    assert response.status_code == 200
    assert response.json()["posts"][0]["liked"] is False


async def test_deleting_a_post_deletes_its_likes(
    client: AsyncClient, author: Account, post: dict[str, object], reader: Account,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    await client.put(f"/api/posts/{post['id']}/like", headers=reader.headers)

    await client.delete(f"/api/posts/{post['id']}", headers=author.headers)

    assert await kept_and_real(engine, post["id"]) == (None, 0)


async def test_deleting_a_reader_takes_their_likes_out_of_the_count(
    client: AsyncClient, post: dict[str, object], reader: Account, author: Account,
    engine: AsyncEngine,
) -> None:  # fmt: skip
    await client.put(f"/api/posts/{post['id']}/like", headers=reader.headers)
    await client.put(f"/api/posts/{post['id']}/like", headers=author.headers)

    await client.delete(f"/api/users/{reader.id}", headers=reader.headers)

    assert await kept_and_real(engine, post["id"]) == (1, 1)


async def test_fifty_concurrent_likers_are_all_counted(
    api: Api, client: AsyncClient, post: dict[str, object], engine: AsyncEngine
) -> None:
    likers = [await api.sign_up(f"liker{i}") for i in range(50)]
    url = f"/api/posts/{post['id']}/like"

    responses = await asyncio.gather(*(client.put(url, headers=a.headers) for a in likers))

    assert {response.status_code for response in responses} == {200}
    assert await kept_and_real(engine, post["id"]) == (50, 50)

    # Half of them change their minds while the other half like again: still exact.
    responses = await asyncio.gather(
        *(
            client.request("DELETE" if i % 2 else "PUT", url, headers=a.headers)
            for i, a in enumerate(likers)
        )
    )
    assert {response.status_code for response in responses} == {200}
    assert await kept_and_real(engine, post["id"]) == (25, 25)


async def test_the_api_document_describes_liking(client: AsyncClient) -> None:
    operations = (await client.get("/openapi.json")).json()["paths"]["/api/posts/{post_id}/like"]

    for method in ("put", "delete"):
        assert {"200", "401", "403", "404", "422"} <= operations[method]["responses"].keys()
        ok = operations[method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/LikeRead"}


async def test_a_signed_in_listing_costs_the_same_statements_for_10_or_100_liked_posts(
    api: Api, client: AsyncClient, reader: Account, session: AsyncSession,
    count_statements: StatementCounter,
) -> None:  # fmt: skip
    writers = [await api.sign_up(f"writer{i}") for i in range(5)]
    await add_posts(session, [int(str(writer.id)) for writer in writers], 120)
    ids = (await session.scalars(select(Post.id).where(Post.id % 2 == 0))).all()
    await session.execute(insert(Like), [{"user_id": reader.id, "post_id": i} for i in ids])
    await session.commit()
    count_statements.statements.clear()

    await client.get("/api/posts", params={"limit": 10}, headers=reader.headers)
    small_page = len(count_statements)
    count_statements.statements.clear()
    page = (await client.get("/api/posts", params={"limit": 100}, headers=reader.headers)).json()

    assert sum(post["liked"] for post in page["posts"]) == 50
    assert all(post["liked"] == (post["like_count"] == 1) for post in page["posts"])
    assert len(count_statements) == small_page
    # The reader's account (their token's stamp checked), then the page.
    assert small_page == 2, count_statements.statements


async def test_a_draft_cannot_be_liked_even_by_its_author(
    client: AsyncClient, api: Api, author: Account, reader: Account, engine: AsyncEngine
) -> None:
    """To everyone but its author a draft does not exist; and no one reads it to like it."""
    draft = await api.post(author, status="draft")

    for liker in (reader, author):
        response = await client.put(f"/api/posts/{draft['id']}/like", headers=liker.headers)
        assert response.status_code == 404
        assert response.json()["code"] == "post_not_found"
    assert await kept_and_real(engine, draft["id"]) == (0, 0)
