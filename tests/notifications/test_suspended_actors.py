"""Notifications told by a suspended user leave every read and count of them (the list, its
total and unread count, the navbar's badge) while the suspension lasts, and come back as
they were, read or not, when it is lifted. Run on both databases."""

import re

import pytest
from httpx import AsyncClient

from tests.conftest import Account, Api
from tests.conversation import comment, follow
from tests.factories import Factory
from tests.notifications.helpers import kinds_of, moderate, notifications_of


@pytest.fixture
async def admin(factory: Factory) -> Account:
    return await factory.account("admin", role="admin")


@pytest.fixture
async def villain(factory: Factory) -> Account:
    return await factory.account("villain")


@pytest.fixture
async def told(
    client: AsyncClient, api: Api, author: Account, villain: Account
) -> dict[str, object]:
    """The author is told of a comment and a follow by the villain, and a comment by a
    reader (newest first: reader's comment, villain's follow, villain's comment)."""
    post = await api.post(author)
    await comment(client, post["id"], villain)
    await follow(client, villain, author)
    await comment(client, post["id"], await api.sign_up("reader"))
    return post


async def counts(client: AsyncClient, who: Account) -> tuple[object, ...]:
    """(total, unread) of the listing, the unread count's answer, and the navbar's badge."""
    page = await notifications_of(client, who)
    unread = await client.get("/api/notifications/unread-count", headers=who.headers)
    home = await client.get("/", headers=who.headers)
    badge = re.search(r'data-testid="unread-badge">(\d+)<', home.text)
    return page["total"], page["unread"], unread.json()["unread"], badge and int(badge[1])


@pytest.mark.usefixtures("told")
async def test_a_suspended_users_notifications_are_neither_listed_nor_counted(
    client: AsyncClient, admin: Account, author: Account, villain: Account
) -> None:
    await moderate(client, admin, "suspend", villain)

    assert await kinds_of(client, author) == [("comment", "reader")]
    assert await counts(client, author) == (1, 1, 1, 1)


@pytest.mark.usefixtures("told")
async def test_lifting_the_suspension_brings_them_back_as_they_were(
    client: AsyncClient, admin: Account, author: Account, villain: Account
) -> None:
    before = (await kinds_of(client, author), await counts(client, author))
    await moderate(client, admin, "suspend", villain)
    await moderate(client, admin, "unsuspend", villain)

    assert (await kinds_of(client, author), await counts(client, author)) == before
    assert before[0] == [("comment", "reader"), ("follow", "villain"), ("comment", "villain")]
    assert before[1] == (3, 3, 3, 3)


@pytest.mark.usefixtures("told")
async def test_marking_all_read_meanwhile_leaves_the_hidden_ones_unread(
    client: AsyncClient, admin: Account, author: Account, villain: Account
) -> None:
    await moderate(client, admin, "suspend", villain)
    marked = await client.post("/api/notifications/read", headers=author.headers)
    assert marked.json()["unread"] == 0
    await moderate(client, admin, "unsuspend", villain)

    page = await notifications_of(client, author)
    read = {item["actor"]["username"]: item["read"] for item in page["notifications"]}
    assert read == {"reader": True, "villain": False}
    assert page["unread"] == 2
