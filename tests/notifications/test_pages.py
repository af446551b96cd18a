"""The notification pages: the unread badge in every signed-in navbar, the Notifications
page and its "Mark all read" form (a plain POST with the CSRF token in a hidden field, so
it works without JavaScript), and the account page's switch. Run on both databases."""

import re

import pytest
from httpx import AsyncClient

from inkwell.auth.cookies import CSRF_COOKIE
from tests.conftest import Account, Api
from tests.conversation import comment, follow
from tests.factories import Factory
from tests.web.test_pages import inline_code, sign_in

SWITCHED_ON = re.compile(r'<input[^>]*id="email_notifications"[^>]*checked>')
BADGE = re.compile(r'data-testid="unread-badge">([^<]*)<')


@pytest.fixture
async def post(api: Api, author: Account) -> dict[str, object]:
    return await api.post(author)


@pytest.fixture
async def notified(
    client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> Account:
    """The author, told of a comment and a follow, and signed in by cookie."""
    await comment(client, post["id"], reader, "<b>bold</b> words")
    await follow(client, reader, author)
    await sign_in(client, "author")
    return author


def badge(html: str) -> str | None:
    found = BADGE.search(html)
    return None if found is None else found[1]


async def test_the_navbar_shows_the_unread_count_on_every_page(
    client: AsyncClient, notified: Account
) -> None:
    for path in ["/", "/account", "/@author", "/drafts", "/notifications"]:
        html = (await client.get(path)).text
        assert badge(html) == "2", path
        assert 'href="/notifications"' in html


async def test_no_badge_without_unread_notifications_nor_for_visitors(
    client: AsyncClient, author: Account
) -> None:
    assert 'href="/notifications"' not in (await client.get("/")).text
    await sign_in(client, "author")
    html = (await client.get("/")).text
    assert 'href="/notifications"' in html
    assert badge(html) is None


async def test_past_99_unread_the_badge_says_99_plus(
    client: AsyncClient, author: Account, reader: Account, factory: Factory
) -> None:
    await factory.follow_notifications(author, reader, 120)
    await sign_in(client, "author")

    assert badge((await client.get("/")).text) == "99+"


async def test_the_notifications_page_lists_them_escaped_newest_first(
    client: AsyncClient, notified: Account, post: dict[str, object]
) -> None:
    response = await client.get("/notifications")

    assert response.status_code == 200
    html = response.text
    assert html.index('data-kind="follow"') < html.index('data-kind="comment"')
    assert "started following you" in html
    assert f'href="{post["url"]}?comment=' in html
    assert 'href="/@reader"' in html
    assert html.count('data-read="false"') == 2
    assert inline_code(html) == []
    assert response.headers["cache-control"] == "no-store"


async def test_the_notifications_page_names_the_actor_as_the_site_does_and_says_when(
    client: AsyncClient, notified: Account, reader: Account
) -> None:
    named = await client.patch(
        f"/api/users/{reader.id}", json={"display_name": "Ada L."}, headers=reader.headers
    )
    assert named.status_code == 200, named.text

    html = (await client.get("/notifications")).text

    assert re.findall(r'data-testid="notification-actor">([^<]*)<', html) == ["Ada L.", "Ada L."]
    times = re.findall(r'<time [^>]*title="[^"]+"[^>]*>([^<]*)</time>', html)
    assert times == ["just now", "just now"]


async def test_the_notifications_page_sends_visitors_to_sign_in(client: AsyncClient) -> None:
    response = await client.get("/notifications")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fnotifications"


async def test_mark_all_read_is_a_plain_form_with_the_csrf_token_that_works_without_js(
    client: AsyncClient, notified: Account
) -> None:
    html = (await client.get("/notifications")).text
    token = client.cookies[CSRF_COOKIE]
    assert '<form method="post" action="/notifications/read"' in html
    assert f'name="csrf_token" value="{token}"' in html

    response = await client.post("/notifications/read", data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["location"] == "/notifications"
    html = (await client.get("/notifications")).text
    assert badge(html) is None
    assert 'data-read="false"' not in html
    assert 'action="/notifications/read"' not in html


@pytest.mark.parametrize(
    ("data", "headers", "status"),
    [
        # A form without the field is a bad request: the page exists, what was sent is wrong.
        ({}, {}, 400),
        ({"csrf_token": "guessed"}, {}, 403),
        ({"csrf_token": None}, {"Origin": "https://evil.example"}, 403),
    ],
)
async def test_mark_all_read_without_the_right_token_or_from_another_site_is_refused(
    client: AsyncClient,
    notified: Account,
    data: dict[str, str | None],
    headers: dict[str, str],
    status: int,
) -> None:
    token = client.cookies[CSRF_COOKIE]
    body = {key: value or token for key, value in data.items()}

    response = await client.post("/notifications/read", data=body, headers=headers)

    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert badge((await client.get("/")).text) == "2"


async def test_mark_all_read_for_a_visitor_sends_them_to_sign_in(client: AsyncClient) -> None:
    response = await client.post("/notifications/read", data={"csrf_token": "x"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_the_account_page_carries_the_email_switch(
    client: AsyncClient, author: Account
) -> None:
    await sign_in(client, "author")
    html = (await client.get("/account")).text
    assert 'id="notification-emails-form"' in html
    assert SWITCHED_ON.search(html)

    await client.patch(
        f"/api/users/{author.id}",
        json={"email_notifications": False},
        headers={"X-CSRF-Token": client.cookies[CSRF_COOKIE]},
    )
    html = (await client.get("/account")).text
    assert 'id="email_notifications"' in html
    assert not SWITCHED_ON.search(html)


async def test_a_comment_notification_links_the_post_by_its_title(
    client: AsyncClient, notified: Account, post: dict[str, object]
) -> None:
    """Every comment's link said "your post", which told a screen reader's list of links
    nothing of which post; the emails name it too."""
    html = (await client.get("/notifications")).text
    assert f'commented on <a href="{post["url"]}' in html
    assert f">your post “{post['title']}”</a>" in html


async def test_a_reply_notification_links_the_post_by_its_title(
    client: AsyncClient, author: Account, reader: Account, post: dict[str, object]
) -> None:
    await comment(client, post["id"], reader, "First.")
    await comment(client, post["id"], author, "Second.")
    await sign_in(client, "reader")
    html = (await client.get("/notifications")).text
    assert f">“{post['title']}”</a>, a post you commented on" in html
