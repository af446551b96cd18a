"""Notifications in Chromium: the unread badge, the Notifications page, and clearing it
with Mark all read, with and without JavaScript; no console errors or CSP violations."""

import pytest
from httpx import AsyncClient
from playwright.async_api import Browser, Page, expect

from tests.conftest import Account, Api
from tests.conversation import comment, follow
from tests.web.browser.conftest import DESKTOP, PageProblems, watched_page
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
async def told(api: Api, client: AsyncClient, author: Account) -> Account:
    """The author, whose post a reader commented on and who gained that reader as a follower."""
    reader = await api.sign_up("reader")
    post = await api.post(author, title="Ink and paper")
    await comment(client, post["id"], reader, "What a read.")
    await follow(client, reader, author)
    return author


async def see_and_clear(page: Page) -> None:
    await page.goto("/")
    link = page.get_by_test_id("nav-notifications")
    await expect(page.get_by_test_id("unread-badge")).to_have_text("2 unread")
    await link.click()
    await page.wait_for_url("/notifications")
    items = page.get_by_test_id("notification")
    await expect(items).to_have_count(2)
    await expect(items.first).to_contain_text("reader started following you")
    await expect(items.nth(1)).to_contain_text("reader commented on your post")
    await page.get_by_role("button", name="Mark all read").click()
    await page.wait_for_url("/notifications")
    await expect(page.get_by_test_id("unread-badge")).to_have_count(0)
    await expect(page.locator('[data-read="false"]')).to_have_count(0)
    await expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)


async def test_see_and_clear_notifications(
    page: Page, told: Account, problems: PageProblems
) -> None:
    await sign_in(page.context, "author")
    await see_and_clear(page)


async def test_see_and_clear_notifications_without_javascript(
    browser: Browser, live_server: str, told: Account, problems: PageProblems
) -> None:
    context = await browser.new_context(
        base_url=live_server, viewport=DESKTOP, java_script_enabled=False
    )
    try:
        await sign_in(context, "author")
        page = await watched_page(context, problems)
        await see_and_clear(page)
        assert problems.all() == []
    finally:
        await context.close()
