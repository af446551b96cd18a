"""Concurrent writers on both backends: nothing lost, no "database is locked", no 500."""

import asyncio

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.models import Post
from inkwell.users.models import User
from tests.conftest import PASSWORD, Account


async def test_fifty_concurrent_post_creations_all_succeed(
    client: AsyncClient, author: Account, session: AsyncSession
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/posts", json={"title": f"Post {i}", "content": "c"}, headers=author.headers
            )
            for i in range(50)
        )
    )
    assert [response.status_code for response in responses] == [201] * 50
    assert await session.scalar(select(func.count()).select_from(Post)) == 50


async def test_of_twenty_racing_registrations_for_one_name_exactly_one_wins(
    client: AsyncClient, session: AsyncSession
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/users",
                json={"username": "contested", "email": f"c{i}@example.com", "password": PASSWORD},
            )
            for i in range(20)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 19
    assert all(
        response.json() == {"detail": "This username is already taken", "code": "username_taken"}
        for response in responses
        if response.status_code == 409
    )
    assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_racing_registrations_for_one_email_leave_one_account(
    client: AsyncClient, session: AsyncSession
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/users",
                json={"username": f"user{i}", "email": "same@example.com", "password": PASSWORD},
            )
            for i in range(10)
        )
    )
    assert sorted(response.status_code for response in responses) == [201] + [409] * 9
    assert await session.scalar(select(func.count()).select_from(User)) == 1
