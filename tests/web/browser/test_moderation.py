"""Moderation in Chromium: an admin suspends a user from their page and the user's post
disappears from the home page; unsuspending brings it back. An admin resolves a report on
/admin/reports, and deletes what a report names there, even while its author is suspended.
No console errors or CSP violations."""

import pytest
from httpx import AsyncClient
from playwright.async_api import Page, expect

from tests.conftest import Account
from tests.conversation import comment, report
from tests.factories import Factory
from tests.web.browser.accessibility import PHONE
from tests.web.browser.conftest import PageProblems
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

# A pasted address: one word wider than a phone's screen.
LONG_WORD = "https://example.com/" + "x" * 80
# How far the page reaches past the right edge of the screen, in CSS pixels.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
async def admin(factory: Factory) -> Account:
    return await factory.account("admin", role="admin")


async def test_an_admin_suspends_a_user_and_their_post_leaves_the_home_page(
    page: Page, factory: Factory, admin: Account, author: Account, problems: PageProblems
) -> None:
    await factory.post(author, title="Cheap pens, buy now")
    await sign_in(page.context, "admin")
    await page.goto("/")
    await expect(page.get_by_role("link", name="Cheap pens, buy now")).to_be_visible()

    await page.goto("/@author")
    await page.get_by_test_id("suspension").get_by_role("button", name="Suspend").click()
    await page.wait_for_url("/@author")
    await expect(page.get_by_test_id("suspension")).to_contain_text("suspended")
    await page.goto("/")
    await expect(page.get_by_role("link", name="Cheap pens, buy now")).to_have_count(0)

    await page.goto("/@author")
    await page.get_by_test_id("suspension").get_by_role("button", name="Unsuspend").click()
    await page.wait_for_url("/@author")
    await page.goto("/")
    await expect(page.get_by_role("link", name="Cheap pens, buy now")).to_be_visible()


async def test_an_admin_resolves_a_report_and_the_audit_log_lists_it(
    *,
    page: Page,
    client: AsyncClient,
    factory: Factory,
    admin: Account,
    author: Account,
    problems: PageProblems,
) -> None:
    post = await factory.post(author, title="Questionable")
    reported = await client.post(
        "/api/reports",
        json={"post_id": post["id"], "reason": "Looks like spam"},
        headers=author.headers,
    )
    assert reported.status_code == 201, reported.text
    await sign_in(page.context, "admin")
    await page.goto("/")
    await page.get_by_test_id("nav-reports").click()
    await page.wait_for_url("/admin/reports")
    report = page.get_by_test_id("report")
    await expect(report).to_contain_text("Looks like spam")
    await report.get_by_role("button", name="Resolve").click()
    await page.wait_for_url("/admin/reports")
    await expect(page.get_by_test_id("no-reports")).to_be_visible()
    await expect(page.get_by_test_id("audit-entry")).to_contain_text("resolve report")


async def test_a_reported_comment_with_a_long_word_stays_within_a_phone_screen(
    page: Page, client: AsyncClient, factory: Factory, admin: Account, author: Account
) -> None:
    post = await factory.post(author, title="Questionable")
    written = await comment(client, post["id"], author, f"Read this: {LONG_WORD}")
    reported = await client.post(
        "/api/reports",
        json={"comment_id": written["id"], "reason": f"Spam for {LONG_WORD}"},
        headers=admin.headers,
    )
    assert reported.status_code == 201, reported.text
    await sign_in(page.context, "admin")
    await page.set_viewport_size(PHONE)
    await page.goto("/admin/reports")
    await expect(page.get_by_test_id("report")).to_contain_text("Spam for")
    assert await page.evaluate(OVERFLOW) == 0


async def test_an_admin_deletes_a_suspended_users_reported_comment_from_the_reports_page(
    *,
    page: Page,
    client: AsyncClient,
    factory: Factory,
    admin: Account,
    author: Account,
    reader: Account,
    problems: PageProblems,
) -> None:
    """Suspended, they are hidden from everyone, admins too, but on this page."""
    post = await factory.post(reader, title="On fountain pens")
    written = await comment(client, post["id"], author, "Cheap pens at my shop")
    await report(client, reader, "An advert", comment_id=written["id"])
    await client.post(f"/api/users/{author.id}/suspend", headers=admin.headers)
    await sign_in(page.context, "admin")
    await page.goto("/admin/reports")

    listed = page.get_by_test_id("report")
    await listed.get_by_text("Delete comment").click()
    await listed.get_by_role("button", name="Yes, delete it").click()

    await page.wait_for_url("/admin/reports?deleted=comment")
    await expect(page.get_by_test_id("deleted-notice")).to_have_text(
        "The comment is deleted, and its reports with it."
    )
    await expect(page.get_by_test_id("no-reports")).to_be_visible()
    await expect(page.get_by_test_id("audit-entry").first).to_contain_text("delete comment")
