"""The conversation in Chromium: commenting, editing and deleting a comment in place (the
counts and "edited" as a reload shows them, a refusal in plain words);
liking and unliking without a reload; following a writer and finding their post under Following; and
each of them again without JavaScript, through the plain forms; reporting a comment. No
console errors, no CSP violations, and axe-core finds nothing against WCAG 2.2 AA on the
pages."""

import re
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from playwright.async_api import Browser, Locator, Page, expect

from tests.conftest import Account, Api
from tests.conversation import comment
from tests.web.browser.accessibility import accessibility_violations
from tests.web.browser.conftest import DESKTOP, PageProblems, watched_page
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

Post = dict[str, object]
# Set on the window before an action: still there after it, the page was not reloaded.
MARK_WINDOW = "() => { window.inkwellUnreloaded = true; }"
STILL_MARKED = "() => window.inkwellUnreloaded === true"


@pytest.fixture
async def writer(api: Api) -> Account:
    return await api.sign_up("writer")


@pytest.fixture
async def post(api: Api, writer: Account) -> Post:
    return await api.post(writer, title="Ink and paper", content="A few words on ink.")


@pytest.fixture
async def no_js_page(
    browser: Browser, live_server: str, problems: PageProblems, author: Account
) -> AsyncIterator[Page]:
    """A tab with JavaScript off, signed in as `author`, watched like `page`."""
    context = await browser.new_context(
        base_url=live_server, viewport=DESKTOP, java_script_enabled=False
    )
    try:
        await sign_in(context, "author")
        yield await watched_page(context, problems)
        assert problems.all() == [], "the browser console reported problems"
    finally:
        await context.close()


def heart(scope: Page | Locator) -> Locator:
    return scope.get_by_role("button", name=re.compile(r"^Like, \d+ likes?$"))


async def comment_edit_and_delete(page: Page, post: Post, *, in_place: bool) -> None:
    await page.goto(str(post["url"]))
    if in_place:
        await page.evaluate(MARK_WINDOW)
    await page.get_by_label("Add a comment").fill("What *lovely* ink.")
    await page.get_by_role("button", name="Comment", exact=True).click()
    mine = page.get_by_test_id("comment")
    await expect(mine).to_have_count(1)
    await expect(mine.get_by_test_id("comment-body")).to_have_text("What lovely ink.")
    await expect(mine.locator("em")).to_have_text("lovely")
    await expect(page.get_by_test_id("comment-count")).to_have_text("1 comment")

    await mine.get_by_text("Edit", exact=True).click()
    await mine.get_by_label("Your comment").fill("What lovely ink, indeed.")
    await mine.get_by_role("button", name="Save").click()
    await expect(mine.get_by_test_id("comment-body")).to_have_text("What lovely ink, indeed.")

    await mine.get_by_text("Delete", exact=True).click()
    await mine.get_by_role("button", name="Yes, delete it").click()
    await expect(page.get_by_test_id("comment")).to_have_count(0)
    await expect(page.get_by_test_id("comment-count")).to_have_text("0 comments")
    assert await page.evaluate(STILL_MARKED) is in_place
    await page.reload()
    await expect(page.get_by_test_id("comment")).to_have_count(0)


async def test_comment_then_edit_and_delete_it_without_a_reload(
    page: Page, signed_in: Account, post: Post
) -> None:
    await comment_edit_and_delete(page, post, in_place=True)


async def test_comment_edit_and_delete_without_javascript(no_js_page: Page, post: Post) -> None:
    await comment_edit_and_delete(no_js_page, post, in_place=False)


async def test_a_comment_added_in_place_counts_beside_the_heart_too(
    page: Page, signed_in: Account, post: Post
) -> None:
    await page.goto(str(post["url"]))
    await page.get_by_label("Add a comment").fill("What lovely ink.")

    await page.get_by_role("button", name="Comment", exact=True).click()

    await expect(page.get_by_test_id("comment")).to_have_count(1)
    await expect(page.locator("article").get_by_role("link", name="1 comment")).to_be_visible()


async def test_a_comment_edited_in_place_says_it_was_edited(
    page: Page, signed_in: Account, post: Post
) -> None:
    await page.goto(str(post["url"]))
    await page.get_by_label("Add a comment").fill("What lovely ink.")
    await page.get_by_role("button", name="Comment", exact=True).click()
    mine = page.get_by_test_id("comment")
    await expect(mine.get_by_test_id("comment-body")).to_have_text("What lovely ink.")
    await expect(mine).not_to_contain_text("edited")

    await mine.get_by_text("Edit", exact=True).click()
    await mine.get_by_label("Your comment").fill("What lovely ink, indeed.")
    await mine.get_by_role("button", name="Save").click()

    await expect(mine.get_by_test_id("comment-body")).to_have_text("What lovely ink, indeed.")
    await expect(mine.get_by_text("· edited")).to_be_visible()


async def test_a_refused_comment_says_why_in_plain_words(
    page: Page, signed_in: Account, post: Post, problems: PageProblems
) -> None:
    problems.expect_api_error(422)
    await page.goto(str(post["url"]))
    box = page.get_by_label("Add a comment")
    await box.evaluate("(textarea) => textarea.removeAttribute('required')")
    await box.fill("   ")

    await page.get_by_role("button", name="Comment", exact=True).click()

    await expect(page.get_by_test_id("comment-form").get_by_role("alert")).to_have_text(
        "A comment needs a few words (blank ones do not count)."
    )


async def test_a_comment_refused_for_too_many_keeps_its_words_and_says_why(
    page: Page, signed_in: Account, post: Post, problems: PageProblems
) -> None:
    """The API's limit, which the test server has none of, stands in for by its answer:
    said beside the form, the words typed kept, not an error page in their place."""
    problems.expect_api_error(429)
    limited = {"detail": "Too many comments from your account; try again in 40 seconds"}
    await page.route(
        "**/api/posts/*/comments",
        lambda route: route.fulfill(status=429, json=limited | {"code": "rate_limited"}),
    )
    await page.goto(str(post["url"]))
    box = page.get_by_label("Add a comment")
    await box.fill("A thought worth keeping.")

    await page.get_by_role("button", name="Comment", exact=True).click()

    await expect(page.get_by_test_id("comment-form").get_by_role("alert")).to_have_text(
        limited["detail"]
    )
    await expect(box).to_have_value("A thought worth keeping.")


async def test_the_posts_author_deletes_a_readers_comment_but_cannot_edit_it(
    page: Page, client: AsyncClient, post: Post, author: Account
) -> None:
    await comment(client, post["id"], author, "A reader's thought.")
    await sign_in(page.context, "writer")
    await page.goto(str(post["url"]))
    theirs = page.get_by_test_id("comment")
    await expect(theirs.get_by_text("Edit", exact=True)).to_have_count(0)
    await theirs.get_by_text("Delete", exact=True).click()
    await theirs.get_by_role("button", name="Yes, delete it").click()
    await expect(page.get_by_test_id("comment")).to_have_count(0)


async def test_like_and_unlike_a_card_without_a_reload(
    page: Page, signed_in: Account, post: Post
) -> None:
    await page.goto("/")
    await page.evaluate(MARK_WINDOW)
    button = heart(page)

    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true")
    await expect(button).to_have_accessible_name("Like, 1 like")
    await expect(button.locator("[data-like-count]")).to_have_text("1")

    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "false")
    await expect(button).to_have_accessible_name("Like, 0 likes")
    assert await page.evaluate(STILL_MARKED)
    assert page.url.endswith("/")


async def test_a_like_on_the_post_page_is_kept(page: Page, signed_in: Account, post: Post) -> None:
    await page.goto(str(post["url"]))
    await page.evaluate(MARK_WINDOW)
    await heart(page).click()
    await expect(heart(page)).to_have_attribute("aria-pressed", "true")
    assert await page.evaluate(STILL_MARKED)

    await page.reload()
    await expect(heart(page)).to_have_attribute("aria-pressed", "true")
    await expect(heart(page)).to_have_accessible_name("Like, 1 like")


async def test_like_and_unlike_without_javascript(no_js_page: Page, post: Post) -> None:
    await no_js_page.goto("/")
    await heart(no_js_page).click()
    await expect(heart(no_js_page)).to_have_attribute("aria-pressed", "true")
    await heart(no_js_page).click()
    await expect(heart(no_js_page)).to_have_attribute("aria-pressed", "false")


async def test_a_visitors_heart_asks_them_to_sign_in(
    page: Page, post: Post, problems: PageProblems
) -> None:
    problems.expect_api_error(401)  # the API refuses; the plain form takes them to sign in
    await page.goto("/")
    await heart(page).click()
    await page.wait_for_url(re.compile(r"/login\?next=%2F$"))


async def follow_and_read(page: Page) -> None:
    await page.goto("/@writer")
    await expect(page.get_by_test_id("follower-count")).to_have_text("0 followers")
    await page.get_by_role("button", name="Follow", exact=True).click()
    await expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    await expect(page.get_by_test_id("follower-count")).to_have_text("1 follower")

    await page.get_by_role("link", name="Home").click()
    tabs = page.get_by_role("navigation", name="Whose posts")
    await expect(tabs.get_by_role("link", name="Everyone")).to_have_attribute(
        "aria-current", "page"
    )
    await tabs.get_by_role("link", name="Following").click()
    await page.wait_for_url("/following")
    await expect(tabs.get_by_role("link", name="Following")).to_have_attribute(
        "aria-current", "page"
    )
    await expect(page.locator("#posts article")).to_have_count(1)
    await expect(page.locator("#posts article h2")).to_have_text("Ink and paper")


async def test_follow_a_writer_and_find_their_post_under_following(
    page: Page, signed_in: Account, post: Post, api: Api
) -> None:
    other = await api.sign_up("other")
    await api.post(other, title="Not followed")
    await follow_and_read(page)


async def test_follow_without_javascript(no_js_page: Page, post: Post) -> None:
    await follow_and_read(no_js_page)


async def test_unfollow_in_place_empties_following(
    page: Page, signed_in: Account, post: Post
) -> None:
    await page.goto("/@writer")
    await page.evaluate(MARK_WINDOW)
    await page.get_by_role("button", name="Follow", exact=True).click()
    await page.get_by_role("button", name="Unfollow").click()
    await expect(page.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    await expect(page.get_by_test_id("follower-count")).to_have_text("0 followers")
    assert await page.evaluate(STILL_MARKED)
    await page.goto("/following")
    await expect(page.get_by_test_id("no-following")).to_be_visible()


async def test_the_conversations_pages_meet_wcag_aa(
    page: Page, client: AsyncClient, signed_in: Account, post: Post, writer: Account
) -> None:
    await comment(client, post["id"], signed_in, "My own *thought*.")
    await comment(client, post["id"], writer, "The writer answers.")
    for path in ["/", "/following", "/@writer", str(post["url"])]:
        await page.goto(path)
        assert await accessibility_violations(page) == [], path


async def test_a_reader_reports_a_comment_and_is_thanked(
    page: Page, client: AsyncClient, signed_in: Account, post: Post, writer: Account
) -> None:
    await comment(client, post["id"], writer, "Buy cheap pens at pens.example!")
    await page.goto(str(post["url"]))
    theirs = page.get_by_test_id("comment")

    await theirs.get_by_text("Report", exact=True).click()
    await theirs.get_by_label("What is wrong with this comment?").fill("Spam.")
    assert await accessibility_violations(page) == []
    await theirs.get_by_role("button", name="Send the report").click()

    notice = page.get_by_test_id("report-notice")
    await expect(notice).to_have_text("Thank you: the moderators will look at the comment.")
    await expect(notice).to_be_in_viewport()
