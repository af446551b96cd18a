"""Following writers: idempotent, never oneself, counted exactly by the database (even when
users follow each other at the same moment), and shown on public profiles."""

import asyncio
import itertools

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.follows.models import Follow
from inkwell.users.models import User
from tests.conftest import Account, Api


async def kept_counts(engine: AsyncEngine) -> dict[int, tuple[int, int]]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(User.id, User.follower_count, User.following_count))
    return {user_id: (followers, following) for user_id, followers, following in rows}


async def real_counts(engine: AsyncEngine) -> dict[int, tuple[int, int]]:
    async with engine.connect() as connection:
        followers = dict(
            (await connection.execute(
                select(Follow.followed_id, func.count()).group_by(Follow.followed_id)
            )).all()
        )  # fmt: skip
        following = dict(
            (await connection.execute(
                select(Follow.follower_id, func.count()).group_by(Follow.follower_id)
            )).all()
        )  # fmt: skip
        ids = (await connection.scalars(select(User.id))).all()
    return {i: (followers.get(i, 0), following.get(i, 0)) for i in ids}


async def test_following_answers_the_new_count_and_following_again_changes_nothing(
    client: AsyncClient, author: Account, reader: Account, engine: AsyncEngine
) -> None:
    url = f"/api/users/{author.id}/follow"
    first = await client.put(url, headers=reader.headers)
    again = await client.put(url, headers=reader.headers)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {
        "user_id": author.id, "following": True, "follower_count": 1,
    }  # fmt: skip
    counts = await kept_counts(engine)
    assert (counts[author.id], counts[reader.id]) == ((1, 0), (0, 1))
    assert counts == await real_counts(engine)


async def test_unfollowing_answers_the_new_count_and_unfollowing_again_changes_nothing(
    client: AsyncClient, author: Account, reader: Account, engine: AsyncEngine
) -> None:
    url = f"/api/users/{author.id}/follow"
    await client.put(url, headers=reader.headers)
    first = await client.delete(url, headers=reader.headers)
    again = await client.delete(url, headers=reader.headers)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {
        "user_id": author.id, "following": False, "follower_count": 0,
    }  # fmt: skip
    assert await kept_counts(engine) == {author.id: (0, 0), reader.id: (0, 0)}


async def test_unfollowing_someone_leaves_their_other_followers_and_ones_other_follows(
    api: Api, client: AsyncClient, author: Account, reader: Account, engine: AsyncEngine
) -> None:
    other = await api.sign_up("other")
    for who, whom in ((reader, author), (other, author), (reader, other)):
        await client.put(f"/api/users/{whom.id}/follow", headers=who.headers)

    response = await client.delete(f"/api/users/{author.id}/follow", headers=reader.headers)

    assert response.json() == {"user_id": author.id, "following": False, "follower_count": 1}
    assert await kept_counts(engine) == {author.id: (1, 0), reader.id: (0, 1), other.id: (1, 1)}
    assert await kept_counts(engine) == await real_counts(engine)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_no_one_follows_themselves(
    client: AsyncClient, reader: Account, engine: AsyncEngine, method: str
) -> None:
    response = await client.request(
        method, f"/api/users/{reader.id}/follow", headers=reader.headers
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "You cannot follow yourself", "code": "cannot_follow_yourself",
    }  # fmt: skip
    assert await kept_counts(engine) == {reader.id: (0, 0)}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_an_unknown_user_is_a_404_and_nothing_is_stored(
    client: AsyncClient, reader: Account, engine: AsyncEngine, method: str
) -> None:
    response = await client.request(method, "/api/users/4242/follow", headers=reader.headers)

    assert response.status_code == 404
    assert response.json() == {"detail": "User not found", "code": "user_not_found"}
    assert await real_counts(engine) == {reader.id: (0, 0)}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_an_anonymous_reader_cannot_follow(
    client: AsyncClient, author: Account, method: str, engine: AsyncEngine
) -> None:
    response = await client.request(method, f"/api/users/{author.id}/follow")

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert await kept_counts(engine) == {author.id: (0, 0)}


async def test_a_profile_carries_the_counts_and_whether_the_reader_follows(
    api: Api, client: AsyncClient, author: Account, reader: Account
) -> None:
    other = await api.sign_up("other")
    await client.put(f"/api/users/{author.id}/follow", headers=reader.headers)
    await client.put(f"/api/users/{author.id}/follow", headers=other.headers)
    await client.put(f"/api/users/{other.id}/follow", headers=author.headers)

    def follows(profile: dict[str, object]) -> tuple[object, object, object]:
        return profile["follower_count"], profile["following_count"], profile["following"]

    url = f"/api/users/{author.id}"
    assert follows((await client.get(url, headers=reader.headers)).json()) == (2, 1, True)
    assert follows((await client.get(url)).json()) == (2, 1, False)
    assert follows((await client.get(url, headers=author.headers)).json()) == (2, 1, False)
    mine = (await client.get(f"/api/users/{reader.id}", headers=reader.headers)).json()
    assert follows(mine) == (0, 1, False)


async def test_deleting_a_user_takes_their_follows_out_of_every_count(
    api: Api, client: AsyncClient, author: Account, reader: Account, engine: AsyncEngine
) -> None:
    await client.put(f"/api/users/{author.id}/follow", headers=reader.headers)
    await client.put(f"/api/users/{reader.id}/follow", headers=author.headers)

    await client.delete(f"/api/users/{reader.id}", headers=reader.headers)

    assert await kept_counts(engine) == {author.id: (0, 0)}


async def test_users_following_each_other_all_at_once_are_counted_exactly(
    api: Api, client: AsyncClient, engine: AsyncEngine
) -> None:
    """Every pair follows both ways in the same moment: on PostgreSQL the rows of both users
    are locked in one order, so no follow is lost to a deadlock."""
    users = [await api.sign_up(f"user{i}") for i in range(8)]

    pairs = list(itertools.permutations(users, 2))
    responses = await asyncio.gather(
        *(client.put(f"/api/users/{b.id}/follow", headers=a.headers) for a, b in pairs)
    )

    assert {response.status_code for response in responses} == {200}
    assert await kept_counts(engine) == {user.id: (7, 7) for user in users}
    assert await kept_counts(engine) == await real_counts(engine)

    responses = await asyncio.gather(
        *(client.delete(f"/api/users/{b.id}/follow", headers=a.headers) for a, b in pairs[::2])
    )
    assert {response.status_code for response in responses} == {200}
    assert await kept_counts(engine) == await real_counts(engine)
