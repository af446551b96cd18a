"""Writing in Chromium: a signed-in author creates, edits and deletes posts, and nobody else can."""

import re

import pytest
from playwright.async_api import Locator, Page, expect

from tests.conftest import PASSWORD, Account, Api
from tests.web.browser.conftest import PageProblems
from tests.web.browser.signing_in import navbar_account

pytestmark = pytest.mark.browser

Post = dict[str, object]


async def open_panel(page: Page, button: str, panel_id: str) -> Locator:
    """Opens one of the post page's collapsed forms and waits until Bootstrap has finished
    showing it, as a person would before typing into it."""
    await page.get_by_role("button", name=button, exact=True).click()
    panel = page.locator(f"#{panel_id}")
    await expect(panel).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    return panel


@pytest.fixture
async def own_post(api: Api, author: Account) -> Post:
    return await api.post(author, title="My first post", content="First words.")


@pytest.fixture
async def others_post(api: Api) -> Post:
    return await api.post(await api.sign_up("other"), title="Not yours", content="Hands off.")


async def test_a_new_post_shows_on_its_page_and_on_top_of_the_home_page(
    page: Page, signed_in: Account, others_post: Post
) -> None:
    await page.goto("/")
    await navbar_account(page).get_by_role("link", name="New post").click()
    await page.wait_for_url("/posts/new")
    await page.get_by_label("Title").fill("Hello, Inkwell")
    await page.get_by_label("Content").fill("My very first words here.")
    await page.get_by_role("button", name="Publish").click()
    await page.wait_for_url("/posts/*")
    await expect(page.get_by_test_id("post-title")).to_have_text("Hello, Inkwell")
    await expect(page.get_by_test_id("post-content")).to_have_text("My very first words here.")
    await expect(page.get_by_test_id("post-author")).to_have_text("author")
    await page.goto("/")
    await expect(page.locator("#posts article h2")).to_have_text(["Hello, Inkwell", "Not yours"])


async def test_back_after_publishing_offers_a_new_post_not_a_copy_of_that_one(
    page: Page, signed_in: Account
) -> None:
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Only once")
    await page.get_by_label("Content").fill("Said once.")
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_test_id("post-title")).to_have_text("Only once")

    await page.go_back()

    await expect(page.locator("h1")).to_have_text("New post")
    await expect(page.get_by_label("Title")).to_have_value("")
    await expect(page.get_by_label("Content")).to_have_value("")


async def test_a_refused_tag_is_marked_at_the_tags_field(
    page: Page, signed_in: Account, problems: PageProblems
) -> None:
    problems.expect_api_error(422)
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Tagged")
    await page.get_by_label("Content").fill("Some words.")
    await page.get_by_label("Tags").fill("!!!, ok")

    await page.get_by_role("button", name="Publish").click()

    tags = page.get_by_label("Tags")
    await expect(tags).to_have_attribute("aria-invalid", "true")
    await expect(tags).to_have_accessible_description(
        re.compile(re.escape("A tag needs at least one letter or digit."))
    )
    await expect(page.locator("#new-post-form [data-feedback]")).to_be_hidden()


async def test_the_author_edits_a_post_from_its_page(
    page: Page, signed_in: Account, own_post: Post
) -> None:
    await page.goto(f"/posts/{own_post['id']}")
    await open_panel(page, "Edit", "edit-post")
    await page.get_by_label("Title").fill("My first post, revised")
    await page.get_by_label("Content").fill("Better words.")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_test_id("post-title")).to_have_text("My first post, revised")
    await expect(page.get_by_test_id("post-content")).to_have_text("Better words.")


async def test_the_author_deletes_a_post_from_its_page(
    page: Page, signed_in: Account, own_post: Post, others_post: Post
) -> None:
    await page.goto(f"/posts/{own_post['id']}")
    await page.locator("#delete-post summary").click()
    await page.get_by_role("button", name="Yes, delete it").click()
    await page.wait_for_url("/@author?deleted=post")
    await expect(page.get_by_test_id("deleted-notice")).to_have_text("The post is deleted.")
    await expect(page.locator("#posts article h2")).to_have_count(0)


async def test_someone_elses_post_offers_no_edit_tools(
    page: Page, signed_in: Account, others_post: Post
) -> None:
    await page.goto(f"/posts/{others_post['id']}")
    await expect(navbar_account(page)).to_contain_text("author")
    await expect(page.get_by_test_id("post-title")).to_have_text("Not yours")
    await expect(page.locator("#author-tools")).to_have_count(0)
    # The forms a reader has (the heart, a comment) but none of the author's.
    await expect(page.locator("form[data-api-form]")).to_have_count(0)


async def test_an_edit_forged_onto_someone_elses_post_is_refused_and_says_so(
    page: Page, problems: PageProblems, signed_in: Account, own_post: Post, others_post: Post
) -> None:
    """Pointing one's own edit form at another's post, as devtools allow, gets the API's 403."""
    problems.expect_api_error(403)
    await page.goto(f"/posts/{own_post['id']}")
    form = await open_panel(page, "Edit", "edit-post")
    await form.evaluate(
        "(form, url) => { form.dataset.endpoint = url; }", f"/api/posts/{others_post['id']}"
    )
    await page.get_by_label("Title").fill("Taken over")
    await page.get_by_role("button", name="Save changes").click()
    feedback = form.locator("[data-feedback]")
    await expect(feedback).to_have_text("You may only change your own posts")
    await expect(feedback).to_have_class("form-feedback alert alert-danger")
    await page.goto(f"/posts/{others_post['id']}")
    await expect(page.get_by_test_id("post-title")).to_have_text("Not yours")


async def test_a_visitor_who_wants_to_write_is_asked_to_sign_in_first(
    page: Page, author: Account
) -> None:
    await page.goto("/posts/new")
    await page.wait_for_url("/login?next=%2Fposts%2Fnew")
    await page.get_by_label("Email or username").fill("author")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("/posts/new")
    await expect(page.locator("h1")).to_have_text("New post")


async def test_a_draft_is_kept_on_the_drafts_page_until_it_is_published(
    page: Page, signed_in: Account, others_post: Post
) -> None:
    await page.goto("/posts/new")
    await page.get_by_label("Title").fill("Work in progress")
    await page.get_by_label("Content").fill("Not ready yet.")
    await page.get_by_label("Tags").fill("Python, Async IO")
    await page.get_by_role("button", name="Save as draft").click()
    await page.wait_for_url(re.compile(r"/posts/\d+-work-in-progress$"))
    await expect(page.get_by_test_id("draft-badge")).to_be_visible()
    await page.goto("/")
    await expect(page.locator("#posts")).not_to_contain_text("Work in progress")

    await navbar_account(page).get_by_role("link", name="Drafts").click()
    await page.wait_for_url("/drafts")
    await page.get_by_role("link", name="Work in progress").click()
    await page.get_by_role("button", name="Publish", exact=True).click()
    await expect(page.get_by_test_id("draft-badge")).to_have_count(0)
    await expect(page.get_by_role("button", name="Unpublish")).to_be_visible()

    await page.goto("/")
    await expect(page.locator("#posts article h2")).to_have_text(["Work in progress", "Not yours"])
    await page.locator("#posts article").first.get_by_role("link", name="#async-io").click()
    await page.wait_for_url("/tags/async-io")
    await expect(page.locator("h1")).to_have_text("#async-io")
    await expect(page.locator("#posts article h2")).to_have_text(["Work in progress"])
