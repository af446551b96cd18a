"""Reading one's notifications: newest first, a page at a time, in a number of statements
that does not grow with the page; marking them read, all or some, idempotently; the unread
count. Only one's own. Run on both databases."""

import pytest
from httpx import AsyncClient

from tests.conftest import Account, Api, StatementCounter
from tests.conversation import comment
from tests.factories import Factory
from tests.notifications.helpers import notifications_of


@pytest.fixture
async def post(api: Api, author: Account) -> dict[str, object]:
    return await api.post(author)


@pytest.fixture
async def commenters(factory: Factory) -> list[Account]:
    return [await factory.account(f"reader{i}") for i in range(5)]


@pytest.fixture
async def notified(
    client: AsyncClient, post: dict[str, object], commenters: list[Account]
) -> list[int]:
    """Five comments on the author's post, one by each reader: their ids, oldest first."""
    return [(await comment(client, post["id"], who))["id"] for who in commenters]


async def unread(client: AsyncClient, who: Account) -> object:
    response = await client.get("/api/notifications/unread-count", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()["unread"]


async def mark_read(client: AsyncClient, who: Account, body: object = None) -> object:
    response = await client.post("/api/notifications/read", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()["unread"]


async def test_notifications_come_newest_first_a_page_at_a_time(
    client: AsyncClient, author: Account, notified: list[int]
) -> None:
    first = await notifications_of(client, author, limit=2)
    second = await notifications_of(client, author, skip=2, limit=2)
    last = await notifications_of(client, author, skip=4, limit=2)
    past = await notifications_of(client, author, skip=10, limit=2)

    pages = [first, second, last]
    seen = [item["comment_id"] for page in pages for item in page["notifications"]]
    assert seen == notified[::-1]
    assert [page["has_more"] for page in pages] == [True, True, False]
    assert {(page["total"], page["unread"]) for page in [*pages, past]} == {(5, 5)}
    assert past["notifications"] == []


async def test_a_page_that_ends_on_the_last_notification_has_no_next_page(
    client: AsyncClient, author: Account, notified: list[int]
) -> None:
    page = await notifications_of(client, author, limit=len(notified))

    assert len(page["notifications"]) == len(notified)
    assert (page["has_more"], page["next_cursor"]) == (False, None)


async def test_marking_all_read_is_idempotent_and_answers_the_unread_count(
    client: AsyncClient, author: Account, notified: list[int]
) -> None:
    assert await unread(client, author) == 5

    assert await mark_read(client, author) == 0
    assert await mark_read(client, author, {}) == 0

    page = await notifications_of(client, author)
    assert {item["read"] for item in page["notifications"]} == {True}
    assert (page["unread"], await unread(client, author)) == (0, 0)


async def test_marking_some_read_leaves_the_others_unread(
    client: AsyncClient, author: Account, notified: list[int]
) -> None:
    ids = [item["id"] for item in (await notifications_of(client, author))["notifications"]]

    assert await mark_read(client, author, {"ids": ids[:2]}) == 3
    assert await mark_read(client, author, {"ids": ids[:2]}) == 3

    page = await notifications_of(client, author)
    assert [item["read"] for item in page["notifications"]] == [True, True, False, False, False]


async def test_no_one_marks_or_reads_anothers_notifications(
    client: AsyncClient, author: Account, commenters: list[Account], notified: list[int]
) -> None:
    ids = [item["id"] for item in (await notifications_of(client, author))["notifications"]]
    stranger = commenters[0]

    assert await mark_read(client, stranger, {"ids": ids}) == await unread(client, stranger)
    assert await unread(client, author) == 5
    page = await notifications_of(client, stranger)
    assert author.id not in {item["actor"]["id"] for item in page["notifications"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/notifications"),
        ("GET", "/api/notifications/unread-count"),
        ("POST", "/api/notifications/read"),
    ],
)
async def test_an_anonymous_reader_has_no_notifications(
    client: AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize("body", [{"ids": [0]}, {"ids": list(range(1, 102))}, {"all": True}])
async def test_a_malformed_list_of_ids_is_refused(
    client: AsyncClient, author: Account, body: object
) -> None:
    response = await client.post("/api/notifications/read", json=body, headers=author.headers)

    assert (response.status_code, response.json()["code"]) == (422, "validation_failed")


async def test_marking_null_ids_read_is_refused_and_leaves_every_one_unread(
    client: AsyncClient, author: Account, notified: list[int]
) -> None:
    response = await client.post(
        "/api/notifications/read", json={"ids": None}, headers=author.headers
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["ids"]
    assert await unread(client, author) == len(notified)


async def test_the_listing_takes_as_many_statements_for_one_as_for_a_full_page(
    api: Api,
    client: AsyncClient,
    author: Account,
    post: dict[str, object],
    count_statements: StatementCounter,
) -> None:
    readers = [await api.sign_up(f"many{i}") for i in range(12)]
    await comment(client, post["id"], readers[0])

    count_statements.statements.clear()
    await notifications_of(client, author, limit=20)
    one = len(count_statements)

    for reader in readers[1:]:
        await comment(client, post["id"], reader)
    count_statements.statements.clear()
    page = await notifications_of(client, author, limit=20)

    assert len(page["notifications"]) == 12
    # The token's account, then the page, its counts riding along its rows.
    assert len(count_statements) == one == 2


async def test_a_comment_notifies_a_long_thread_in_as_many_statements_as_a_short_one(
    api: Api,
    client: AsyncClient,
    author: Account,
    post: dict[str, object],
    count_statements: StatementCounter,
) -> None:
    readers = [await api.sign_up(f"thread{i}") for i in range(10)]
    late = await api.sign_up("late")
    await comment(client, post["id"], readers[0])
    count_statements.statements.clear()
    await comment(client, post["id"], late)
    short = len(count_statements)

    for reader in readers[1:]:
        await comment(client, post["id"], reader)
    count_statements.statements.clear()
    await comment(client, post["id"], late)

    assert len(count_statements) == short
    page = await notifications_of(client, late)
    assert page["total"] == 9
