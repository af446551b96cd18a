"""The editor never loses text, in Chromium: what is typed survives a reload or a closed tab
until the server has it, leaving with unsaved text asks first, and a save refused because
the session ended keeps the text and lets the writer sign in and save from the same page."""

import pytest
from playwright.async_api import BrowserContext, Dialog, Page, expect

from tests.conftest import Account, Api
from tests.web.browser.conftest import PageProblems
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


async def type_a_post(page: Page) -> None:
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Half a thought")
    await page.get_by_label("Content").fill("The first *careful* words.")
    await page.get_by_label("Tags").fill("ink")
    await page.wait_for_timeout(700)  # the editor keeps the text half a second after typing


async def test_unsaved_text_asks_before_leaving_and_comes_back_after_a_reload(
    page: Page, signed_in: Account
) -> None:
    await type_a_post(page)
    asked: list[str] = []

    async def leave(dialog: Dialog) -> None:
        asked.append(dialog.type)
        await dialog.accept()

    page.on("dialog", leave)
    await page.reload()

    assert asked == ["beforeunload"]
    await expect(page.get_by_label("Title")).to_have_value("Half a thought")
    await expect(page.get_by_label("Content")).to_have_value("The first *careful* words.")
    await expect(page.get_by_label("Tags")).to_have_value("ink")
    await expect(page.get_by_role("status").filter(has_text="not yet saved")).to_be_visible()


async def test_text_kept_in_a_closed_tab_is_back_in_the_next_one(
    context: BrowserContext, page: Page, signed_in: Account
) -> None:
    await type_a_post(page)
    await page.close()

    again = await context.new_page()
    await again.goto("/posts/new")

    await expect(again.get_by_label("Content")).to_have_value("The first *careful* words.")


async def test_text_kept_for_one_writer_is_shown_to_no_one_else_on_this_browser(
    context: BrowserContext, page: Page, signed_in: Account, reader: Account
) -> None:
    """A shared computer: whoever signs in next must not find the text another left unsaved,
    which comes back to its writer when they sign in again."""
    await type_a_post(page)
    await page.close()
    await context.clear_cookies()
    await sign_in(context, "reader")

    theirs = await context.new_page()
    await theirs.goto("/posts/new")
    await expect(theirs.get_by_label("Title")).to_have_value("")
    await expect(theirs.get_by_label("Content")).to_have_value("")
    await theirs.close()

    await context.clear_cookies()
    await sign_in(context, "author")
    again = await context.new_page()
    await again.goto("/posts/new")
    await expect(again.get_by_label("Content")).to_have_value("The first *careful* words.")


async def test_discarding_the_kept_text_empties_the_form_for_good(
    page: Page, signed_in: Account
) -> None:
    await type_a_post(page)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.reload()

    await page.get_by_role("button", name="Discard it").click()
    await expect(page.get_by_label("Title")).to_have_value("")
    await page.reload()
    await expect(page.get_by_label("Title")).to_have_value("")


async def test_a_published_post_leaves_nothing_kept_behind(page: Page, signed_in: Account) -> None:
    await type_a_post(page)
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_test_id("post-title")).to_have_text("Half a thought")

    await page.goto("/posts/new")

    await expect(page.get_by_label("Title")).to_have_value("")
    await expect(page.get_by_label("Content")).to_have_value("")


async def test_an_ended_session_keeps_the_text_and_a_new_sign_in_saves_it(
    context: BrowserContext, page: Page, signed_in: Account, problems: PageProblems
) -> None:
    problems.expect_api_error(401)
    await type_a_post(page)
    await context.clear_cookies()

    await page.get_by_role("button", name="Publish").click()

    ended = page.get_by_role("status").filter(has_text="Your session has ended")
    await expect(ended).to_be_visible()
    await expect(ended.get_by_role("link", name="Sign in (in a new tab)")).to_have_attribute(
        "target", "_blank"
    )
    await expect(page.get_by_label("Content")).to_have_value("The first *careful* words.")
    await sign_in(context, "author")
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_test_id("post-title")).to_have_text("Half a thought")


async def test_an_edit_left_unsaved_unfolds_with_its_text_on_the_posts_page(
    api: Api, page: Page, signed_in: Account
) -> None:
    post = await api.post(signed_in, title="Finished", content="Old words.")
    await page.goto(str(post["url"]))
    await page.get_by_role("button", name="Edit", exact=True).click()
    await page.locator("#edit-post").get_by_label("Content").fill("New words, unsaved.")
    await page.wait_for_timeout(700)
    page.on("dialog", lambda dialog: dialog.accept())

    await page.reload()

    await expect(page.locator("#edit-post").get_by_label("Content")).to_have_value(
        "New words, unsaved."
    )
