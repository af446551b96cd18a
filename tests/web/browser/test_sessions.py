"""Sessions in Chromium: the account page's list of where one is signed in, signing one of
them out (without JavaScript too), signing out everywhere, and a sign-in that outlives its
access token."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.auth.signing_in import IPHONE
from tests.conftest import Account
from tests.web.browser.conftest import DESKTOP, PageProblems, watched_page
from tests.web.browser.signing_in import navbar_account, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
async def phone(browser: Browser, live_server: str, author: Account) -> AsyncIterator[Page]:
    """Another browser, an iPhone's by its User-Agent, where the author is signed in too."""
    context = await browser.new_context(base_url=live_server, user_agent=IPHONE)
    await sign_in(context, "author")
    yield await context.new_page()
    await context.close()


async def test_the_account_page_lists_where_one_is_signed_in_and_signs_out_everywhere(
    page: Page, context: BrowserContext, phone: Page
) -> None:
    await sign_in(context, "author")
    await page.goto("/account")
    sessions = page.get_by_test_id("session")
    await expect(sessions).to_have_count(2)
    await expect(sessions.nth(0)).to_contain_text("This browser")
    await expect(sessions.nth(0)).to_contain_text("Last seen")
    await expect(sessions.nth(1)).to_contain_text("Mobile Safari on iOS")
    await expect(page.get_by_test_id("current-session")).to_have_count(1)

    await page.get_by_role("button", name="Sign out everywhere").click()
    await page.wait_for_url("/login?notice=signed-out-everywhere")
    await expect(page.get_by_test_id("login-notice")).to_contain_text("signed out on every device")
    await expect(navbar_account(page)).to_contain_text("Sign in")
    await phone.goto("/account")
    await phone.wait_for_url("/login?next=%2Faccount")


async def test_signing_another_browser_out_without_javascript(
    browser: Browser, live_server: str, phone: Page, problems: PageProblems
) -> None:
    context = await browser.new_context(
        base_url=live_server, viewport=DESKTOP, java_script_enabled=False
    )
    try:
        await sign_in(context, "author")
        page = await watched_page(context, problems)
        await page.goto("/account")
        await page.get_by_role("button", name="Sign out Mobile Safari on iOS").click()
        await page.wait_for_url("/account#sessions-heading")
        await expect(page.get_by_test_id("session")).to_have_count(1)
        await expect(page.get_by_test_id("current-session")).to_be_visible()
        await phone.goto("/account")
        await phone.wait_for_url("/login?next=%2Faccount")
        assert problems.all() == []
    finally:
        await context.close()


async def test_a_sign_in_outlives_its_access_token(
    page: Page, context: BrowserContext, author: Account
) -> None:
    """The browser drops the access cookie when its half hour is up; the next page renews it
    from the refresh cookie, and the writer is still signed in."""
    await sign_in(context, "author")
    await context.clear_cookies(name="inkwell_session")
    await page.goto("/account")
    await expect(navbar_account(page)).to_contain_text("author")
    assert "inkwell_session" in {cookie["name"] for cookie in await context.cookies()}
