"""The editor saves a draft to the server a few seconds after typing stops, in Chromium: a new
post becomes one draft (never two, never published), later saves change that draft, a newer
version written elsewhere is never overwritten (the editor says so), a save refused for what
was typed says why in plain words at the field, Publish after an autosave publishes that
same draft, and so does Publish after text kept since then in the browser comes back."""

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Locator, Page, expect

from tests.conftest import Account, Api
from tests.web.browser.conftest import PageProblems

pytestmark = pytest.mark.browser

SAVED = "Draft saved at"
WAIT_MS = 15_000  # autosave waits 3 s after typing; the machine may be busy


def autosave_status(page: Page) -> Locator:
    """What autosave says, under the editor (a live region)."""
    return page.locator("[data-autosave-status]")


async def drafts(api: Api, who: Account) -> list[dict[str, Any]]:
    response = await api.client.get("/api/users/me/drafts", headers=who.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["posts"]
    return found


async def until(check: Any, seconds: float = WAIT_MS / 1000) -> None:
    """Waits for `check()` (an awaitable's factory) to be true."""
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("never came true")


async def test_a_new_post_becomes_one_draft_that_later_saves_change(
    api: Api, page: Page, signed_in: Account
) -> None:
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Half a thought")
    await page.get_by_label("Content").fill("First words.")
    await expect(autosave_status(page)).to_contain_text(SAVED, timeout=WAIT_MS)

    await page.get_by_label("Content").fill("First words, and more.")

    async def changed() -> bool:
        found = await drafts(api, signed_in)
        return len(found) == 1 and found[0]["content"] == "First words, and more."

    await until(changed)
    [draft] = await drafts(api, signed_in)
    assert (draft["title"], draft["status"]) == ("Half a thought", "draft")
    assert (await api.client.get("/api/posts")).json()["total"] == 0


async def test_publish_after_an_autosave_publishes_that_draft(
    api: Api, page: Page, signed_in: Account
) -> None:
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Whole thought")
    await page.get_by_label("Content").fill("Every word.")
    await expect(autosave_status(page)).to_contain_text(SAVED, timeout=WAIT_MS)

    await page.get_by_role("button", name="Publish").click()

    await expect(page.get_by_test_id("post-title")).to_have_text("Whole thought")
    assert await drafts(api, signed_in) == []
    assert (await api.client.get("/api/posts")).json()["total"] == 1


async def test_a_newer_version_written_elsewhere_is_never_overwritten(
    api: Api, page: Page, signed_in: Account, problems: PageProblems
) -> None:
    problems.expect_api_error(409)
    post = await api.post(signed_in, title="Shared", content="Old words.", status="draft")
    await page.goto(str(post["url"]))
    await page.get_by_role("button", name="Edit", exact=True).click()
    editor = page.locator("#edit-post").get_by_label("Content")
    await editor.fill("From the laptop.")
    await expect(autosave_status(page)).to_contain_text(SAVED, timeout=WAIT_MS)
    elsewhere = await api.client.patch(
        f"/api/posts/{post['id']}", json={"content": "From the phone."}, headers=signed_in.headers
    )
    assert elsewhere.status_code == 200

    await editor.fill("From the laptop, again.")

    await expect(autosave_status(page)).to_contain_text("changed elsewhere", timeout=WAIT_MS)
    [draft] = await drafts(api, signed_in)
    assert draft["content"] == "From the phone."
    await expect(editor).to_have_value("From the laptop, again.")  # nothing lost either


async def test_a_refused_autosave_says_why_in_plain_words_at_the_field(
    api: Api, page: Page, signed_in: Account, problems: PageProblems
) -> None:
    problems.expect_api_error(422)
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Tagged")
    await page.get_by_label("Content").fill("Some words.")

    await page.get_by_label("Tags").fill("!!!, ok")

    refused = "A tag needs at least one letter or digit."
    await expect(autosave_status(page)).to_have_text(f"Not saved: Tags: {refused}", timeout=WAIT_MS)
    tags = page.get_by_label("Tags")
    await expect(tags).to_have_attribute("aria-invalid", "true")
    await expect(tags).to_have_accessible_description(re.compile(re.escape(refused)))
    assert await drafts(api, signed_in) == []


async def test_text_kept_after_an_autosave_comes_back_to_that_draft(
    api: Api, context: BrowserContext, page: Page, signed_in: Account
) -> None:
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Half a thought")
    await page.get_by_label("Content").fill("First words.")
    await expect(autosave_status(page)).to_contain_text(SAVED, timeout=WAIT_MS)
    await page.get_by_label("Content").fill("First words, and more.")
    await page.wait_for_timeout(700)  # kept in the browser; closed before autosave's turn
    await page.close()

    again = await context.new_page()
    await again.goto("/posts/new")
    await expect(again.get_by_label("Content")).to_have_value("First words, and more.")
    await again.get_by_role("button", name="Publish").click()

    await expect(again.get_by_test_id("post-content")).to_have_text("First words, and more.")
    assert await drafts(api, signed_in) == []
    assert (await api.client.get("/api/posts")).json()["total"] == 1
