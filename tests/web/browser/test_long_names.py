"""The longest name there may be (50 characters, no space to break at) on a phone: the menu
stays within the screen, the dates beside the name stay whole, on one line, and no page
showing the name scrolls sideways."""

import pytest
from httpx import AsyncClient
from playwright.async_api import Page, expect

from tests.conftest import Account
from tests.conversation import comment, follow
from tests.factories import Factory
from tests.web.browser.accessibility import PHONE
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

LONGEST = "w" * 50
# How far the page reaches past the right edge of the screen, in CSS pixels.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# A date squeezed by its neighbours breaks over lines ("3 / hours / ago") or is cut.
SQUEEZED_DATES = """() => [...document.querySelectorAll("main time")]
  .filter((time) => time.getClientRects().length > 1 || time.scrollWidth > time.clientWidth)
  .map((time) => time.textContent)"""


@pytest.fixture
async def long_named(factory: Factory) -> Account:
    return await factory.account(LONGEST)


@pytest.fixture
async def long_named_post(factory: Factory, client: AsyncClient, long_named: Account) -> str:
    """A post by the long-named user, with their comment under it: its address."""
    post = await factory.post(long_named, title="A title", content="A few words.")
    await comment(client, post["id"], long_named, "And a comment.")
    return str(post["url"])


async def open_the_phone_menu_signed_in(page: Page) -> None:
    """The long-named user's home page on a phone, the menu open."""
    await sign_in(page.context, LONGEST)
    await page.set_viewport_size(PHONE)
    await page.goto("/")
    await page.get_by_role("link", name="Menu").click()


async def test_a_50_character_name_keeps_the_phone_menu_within_the_screen(
    page: Page, long_named: Account
) -> None:
    await open_the_phone_menu_signed_in(page)
    account = page.get_by_role("link", name=LONGEST)
    await expect(account).to_be_visible()
    box = await page.locator("#nav-links").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert await page.evaluate(OVERFLOW) == 0


async def test_a_50_character_name_is_cut_short_in_the_navbar_and_read_whole(
    page: Page, long_named: Account
) -> None:
    """The ellipsis is the eye's; the link's accessible name is the whole name."""
    await open_the_phone_menu_signed_in(page)
    name = page.get_by_role("link", name=LONGEST).locator("span")
    assert await name.evaluate("(span) => span.scrollWidth > span.clientWidth")
    await expect(page.get_by_role("link", name=LONGEST)).to_have_count(1)


@pytest.mark.parametrize("where", ["home", "post", "search", "author"])
async def test_a_50_character_name_leaves_the_dates_beside_it_whole(
    page: Page, long_named_post: str, where: str
) -> None:
    path = {
        "home": "/",
        "post": long_named_post,
        "search": "/search?q=title",
        "author": f"/@{LONGEST}",
    }[where]
    await page.set_viewport_size(PHONE)
    await page.goto(path)
    await expect(page.locator("main time").first).to_be_visible()
    assert await page.evaluate(SQUEEZED_DATES) == []
    assert await page.evaluate(OVERFLOW) == 0


async def test_a_50_character_name_and_its_email_fit_the_account_page_on_a_phone(
    page: Page, long_named: Account
) -> None:
    await sign_in(page.context, LONGEST)
    await page.set_viewport_size(PHONE)
    await page.goto("/account")
    await expect(page.get_by_role("heading", name=LONGEST)).to_be_visible()
    assert await page.evaluate(OVERFLOW) == 0


async def test_a_50_character_name_fits_the_notifications_page_on_a_phone(
    page: Page, client: AsyncClient, long_named: Account, author: Account
) -> None:
    await follow(client, long_named, author)
    await sign_in(page.context, "author")
    await page.set_viewport_size(PHONE)
    await page.goto("/notifications")
    await expect(page.get_by_test_id("notification-actor")).to_have_text(LONGEST)
    assert await page.evaluate(OVERFLOW) == 0


async def test_a_50_character_name_fits_the_audit_log_on_a_phone(
    page: Page, client: AsyncClient, factory: Factory, long_named: Account
) -> None:
    admin = await factory.account("admin", role="admin")
    suspended = await client.post(f"/api/users/{long_named.id}/suspend", headers=admin.headers)
    assert suspended.status_code == 200, suspended.text
    await sign_in(page.context, "admin")
    await page.set_viewport_size(PHONE)
    await page.goto("/admin/reports")
    await expect(page.get_by_test_id("audit-entry")).to_contain_text(LONGEST)
    assert await page.evaluate(OVERFLOW) == 0


async def test_a_50_character_name_found_by_a_search_fits_a_phone(
    page: Page, long_named: Account
) -> None:
    await page.set_viewport_size(PHONE)
    await page.goto(f"/search?q={LONGEST}")
    await expect(page.get_by_test_id("user-hits").get_by_role("link")).to_have_text(LONGEST)
    assert await page.evaluate(OVERFLOW) == 0


async def test_a_50_character_name_fits_a_report_and_its_suspend_button_on_a_phone(
    page: Page, client: AsyncClient, factory: Factory, long_named: Account, author: Account
) -> None:
    post = await factory.post(long_named, title="Reported")
    reported = await client.post(
        "/api/reports", json={"post_id": post["id"], "reason": "Odd"}, headers=author.headers
    )
    assert reported.status_code == 201, reported.text
    await factory.account("admin", role="admin")
    await sign_in(page.context, "admin")
    await page.set_viewport_size(PHONE)
    await page.goto("/admin/reports")
    await expect(page.get_by_role("button", name=f"Suspend {LONGEST}")).to_be_visible()
    assert await page.evaluate(OVERFLOW) == 0
