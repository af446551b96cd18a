"""The listing pages by cursor in Chromium: "Load more" puts the position in the address, so
reloading or coming Back shows the same posts; with JavaScript off, "Older posts" opens the
next page at its own address, and a page reached so links back to the newest."""

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import Account, Api
from tests.web.browser.conftest import DESKTOP, PageProblems, watched_page

pytestmark = pytest.mark.browser

Post = dict[str, object]


@pytest.fixture
async def many_posts(api: Api, author: Account) -> list[Post]:
    """23 posts by one author, tagged: two full pages of ten and three more."""
    return [
        await api.post(author, title=f"Numbered post {n:02}", tags=["ink"]) for n in range(1, 24)
    ]


@pytest.fixture
async def no_js_page(
    browser: Browser, live_server: str, problems: PageProblems
) -> AsyncIterator[Page]:
    """An anonymous tab with JavaScript off, watched like `page`."""
    context = await browser.new_context(
        base_url=live_server, viewport=DESKTOP, java_script_enabled=False
    )
    try:
        yield await watched_page(context, problems)
        assert problems.all() == [], "the browser console reported problems"
    finally:
        await context.close()


def numbered(first: int, last: int) -> list[str]:
    """The titles from `first` down to `last`, newest first."""
    return [f"Numbered post {n:02}" for n in range(first, last - 1, -1)]


async def test_load_more_puts_the_cursor_in_the_address_and_back_returns_there(
    page: Page, many_posts: list[Post]
) -> None:
    await page.goto("/")
    await page.locator("#load-more").click()
    titles = page.locator("#posts article h2")
    await expect(titles).to_have_count(20)
    await expect(page).to_have_url(re.compile(r"/\?cursor=[\w-]+$"))
    address = page.url

    await page.get_by_role("link", name="Numbered post 11").click()
    await expect(page.get_by_test_id("post-title")).to_have_text("Numbered post 11")
    await page.go_back()

    await expect(page).to_have_url(address)
    await expect(titles.filter(has_text="Numbered post 11")).to_have_count(1)


async def test_a_page_reached_by_cursor_shows_the_older_posts_and_a_way_to_the_newest(
    page: Page, many_posts: list[Post]
) -> None:
    await page.goto("/")
    await page.locator("#load-more").click()
    await expect(page).to_have_url(re.compile(r"/\?cursor=[\w-]+$"))
    await page.reload()

    await expect(page.locator("#posts article h2")).to_have_text(numbered(13, 4))
    await page.get_by_test_id("newest-posts").click()
    await expect(page.locator("#posts article h2")).to_have_text(numbered(23, 14))


async def test_load_more_on_a_page_reached_by_cursor_continues_from_there(
    page: Page, many_posts: list[Post]
) -> None:
    await page.goto("/tags/ink")
    await page.locator("#load-more").click()
    await expect(page).to_have_url(re.compile(r"/tags/ink\?cursor=[\w-]+$"))
    await page.reload()
    await page.locator("#load-more").click()

    await expect(page.locator("#posts article h2")).to_have_text(numbered(13, 1))
    await expect(page.locator("#load-more")).to_be_hidden()


async def test_without_javascript_older_posts_open_page_after_page(
    no_js_page: Page, many_posts: list[Post]
) -> None:
    page = no_js_page
    await page.goto("/")
    titles = page.locator("#posts article h2")
    await page.get_by_role("link", name="Older posts").click()
    await expect(titles).to_have_text(numbered(13, 4))
    await page.get_by_role("link", name="Older posts").click()
    await expect(titles).to_have_text(numbered(3, 1))
    await expect(page.locator("#load-more")).to_have_count(0)

    await page.go_back()
    await expect(titles).to_have_text(numbered(13, 4))
    await page.get_by_test_id("newest-posts").click()
    await expect(titles).to_have_text(numbered(23, 14))


async def test_without_javascript_an_authors_older_posts_stay_theirs(
    no_js_page: Page, many_posts: list[Post], api: Api
) -> None:
    await api.post(await api.sign_up("someone-else"), title="Not theirs")
    page = no_js_page
    await page.goto("/@author")
    await page.get_by_role("link", name="Older posts").click()
    await expect(page.locator("#posts article h2")).to_have_text(numbered(13, 4))
    await expect(page.locator("#posts")).not_to_contain_text("Not theirs")
