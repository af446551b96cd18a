"""The site with the keyboard alone, in Chromium: Tab reaches "Skip to content" first and it
moves focus to the page's content; Load more answers to Enter and to Space; every control
Tab reaches shows a focus ring of at least 2 px whose colour is at least 3:1 against what it
sits on, in light and dark mode, the navbar's links on the dark bar included."""

import pytest
from httpx import AsyncClient
from playwright.async_api import Page, expect

from tests.conftest import Account
from tests.conversation import comment
from tests.factories import Factory
from tests.web.browser.accessibility import focus_ring
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

ACTIVE = "document.activeElement"
# Enough for every control of the longest page walked (the account page has about 40).
MOST_TABS = 120
# Marks the focused element: "new" the first time, "seen" after, "body" between two rounds.
WALKED = """() => {
  const element = document.activeElement;
  if (element === document.body) return "body";
  if (element.dataset.walked) return "seen";
  element.dataset.walked = "yes";
  return "new";
}"""


@pytest.fixture
async def two_pages_of_posts(factory: Factory, author: Account) -> None:
    """23 posts: Load more appears under the first ten."""
    await factory.posts(author, 23)


async def tab_to(page: Page, selector: str) -> None:
    """Presses Tab until the element matching `selector` has the focus."""
    for _ in range(MOST_TABS):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"{ACTIVE}.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


async def test_the_first_tab_reaches_the_skip_link(page: Page) -> None:
    await page.goto("/")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()


async def test_the_skip_link_moves_the_focus_to_the_content(
    page: Page, two_pages_of_posts: None
) -> None:
    await page.goto("/")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    await page.keyboard.press("Tab")
    # The next stop is in the page's own content, past the navbar.
    assert await page.evaluate(f"document.querySelector('main').contains({ACTIVE})")
    assert not await page.evaluate(f"document.querySelector('nav').contains({ACTIVE})")


async def test_the_skip_link_is_hidden_until_focused(page: Page) -> None:
    await page.goto("/")
    box = await page.get_by_role("link", name="Skip to content").bounding_box()
    assert box is not None
    assert box["width"] <= 1
    assert box["height"] <= 1


async def test_load_more_loads_the_next_page_on_enter(page: Page, two_pages_of_posts: None) -> None:
    await page.goto("/")
    await tab_to(page, "#load-more")
    await page.keyboard.press("Enter")
    await expect(page.locator("#posts article")).to_have_count(20)


async def test_load_more_loads_the_next_page_on_space(page: Page, two_pages_of_posts: None) -> None:
    await page.goto("/")
    await tab_to(page, "#load-more")
    await expect(page.get_by_role("button", name="Load more")).to_be_focused()
    await page.keyboard.press("Space")
    await expect(page.locator("#posts article")).to_have_count(20)
    await page.keyboard.press("Space")
    await expect(page.locator("#posts article")).to_have_count(23)


async def test_the_navbar_links_show_a_focus_ring_on_the_dark_bar(page: Page) -> None:
    await page.goto("/")
    await tab_to(page, "nav a[href='/login']")
    ring = await focus_ring(page)
    assert ring.problem() is None
    assert ring.width >= 3
    assert ring.contrast >= 9  # yellow on the ink-blue bar


async def test_the_current_page_is_marked_in_the_navbar(page: Page, author: Account) -> None:
    await sign_in(page.context, "author")
    await page.goto("/drafts")
    current = page.locator("nav [aria-current='page']")
    await expect(current).to_have_count(1)
    await expect(current).to_have_text("Drafts")


@pytest.fixture
async def commented_post(factory: Factory, client: AsyncClient, author: Account) -> str:
    """The author's post with their comment under it: author's tools, heart, comment tools."""
    post = await factory.post(author, title="A post", content="Words, [a link](/).")
    await comment(client, post["id"], author, "A comment.")
    return str(post["url"])


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", "/account", "/posts/new", "post"])
async def test_every_control_tab_reaches_shows_a_focus_ring_of_3_to_1(
    page: Page, two_pages_of_posts: None, commented_post: str, scheme: str, path: str
) -> None:
    await sign_in(page.context, "author")
    await page.emulate_media(color_scheme=scheme, reduced_motion="reduce")  # type: ignore[arg-type]
    await page.goto(commented_post if path == "post" else path)
    problems, seen = [], 0
    # Round the page once (from an autofocused field, if any), back to the first one seen.
    for _ in range(MOST_TABS):
        await page.keyboard.press("Tab")
        stop = await page.evaluate(WALKED)
        if stop == "seen":
            break
        if stop == "new":
            seen += 1
            if (problem := (await focus_ring(page)).problem()) is not None:
                problems.append(problem)
    assert seen > 10
    assert problems == []


async def test_a_form_saved_in_place_keeps_the_focus_on_its_button(
    page: Page, signed_in: Account
) -> None:
    """The button is disabled while the form is sent, which drops its focus to the page:
    the keyboard's place is given back once the answer is in."""
    await page.goto("/account")
    await tab_to(page, "#email_notifications")
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    save = page.locator("#notification-emails-form").get_by_role("button", name="Save")
    await expect(save).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#notification-emails-form")).to_contain_text("Saved.")
    await expect(save).to_be_focused()


async def test_a_like_keeps_the_focus_on_the_heart(
    page: Page, factory: Factory, signed_in: Account
) -> None:
    await factory.post(signed_in, title="Worth a heart")
    await page.goto("/")
    await tab_to(page, "[data-like-button]")
    await page.keyboard.press("Enter")
    heart = page.get_by_test_id("like-button")
    await expect(heart).to_have_attribute("aria-pressed", "true")
    await expect(heart).to_be_focused()
