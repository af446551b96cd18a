"""Reading Inkwell in Chromium: the pages, Load more, escaping, errors and a phone screen."""

import asyncio
import re

import pytest
from playwright.async_api import Dialog, Page, expect

from tests.conftest import Account, Api
from tests.web.browser.accessibility import accessibility_violations
from tests.web.browser.conftest import PageProblems, photograph

pytestmark = pytest.mark.browser

Post = dict[str, object]
XSS_TITLE = "<script>alert(1)</script>"
PHONE = {"width": 375, "height": 740}
INSERT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "document.title = 'inline'";
  document.head.append(script);
}"""
ARTICLES = [
    (
        "ada",
        "Async all the way down",
        "Every route awaits its database call, so one worker keeps hundreds of requests "
        "in flight.\n\nThe trick is to never block the loop: password hashing and image "
        "resizing run in worker threads, and the event loop only ever waits on sockets.",
    ),
    (
        "grace",
        "Why lazy loading had to go",
        "In async SQLAlchemy a lazy load cannot happen behind your back. Setting "
        'lazy="raise" on every relationship turns a forgotten eager load into a loud test '
        "failure instead of a production incident.",
    ),
    (
        "linus",
        "Serving Bootstrap without a CDN",
        "The stylesheet and the script ship with the app, so the site works offline and "
        "under a Content-Security-Policy that allows nothing but our own origin.",
    ),
]

ARTICLE_TAGS = [["async", "python"], ["sqlalchemy", "python"], ["css", "security"]]


@pytest.fixture
async def articles(api: Api) -> list[Post]:
    """Three posts by three authors, oldest first (so the last one is on top of the home page)."""
    posts = []
    for (username, title, content), tags in zip(ARTICLES, ARTICLE_TAGS, strict=True):
        author = await api.sign_up(username)
        posts.append(await api.post(author, title=title, content=content, tags=tags))
    return posts


@pytest.fixture
async def many_posts(api: Api, author: Account) -> list[Post]:
    """23 posts by one author: two full pages of ten and three more."""
    return [await api.post(author, title=f"Numbered post {n:02}") for n in range(1, 24)]


def record_dialogs(page: Page) -> list[str]:
    """An executed `alert(1)` would open a dialog; collect any that open."""
    dialogs: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


async def test_the_home_page_shows_the_newest_posts_first(page: Page, articles: list[Post]) -> None:
    await page.goto("/")
    titles = page.locator("#posts article h2")
    await expect(titles).to_have_text([title for _, title, _ in reversed(ARTICLES)])
    await expect(page.locator("#posts article").first).to_contain_text("linus")
    await expect(page.locator("#load-more")).to_have_count(0)
    await photograph(page, "home.png")


async def test_load_more_appends_the_next_pages_then_disappears(
    page: Page, many_posts: list[Post]
) -> None:
    await page.goto("/")
    titles = page.locator("#posts article h2")
    await expect(titles).to_have_count(10)
    await page.locator("#load-more").click()
    await expect(titles).to_have_count(20)
    await page.locator("#load-more").click()
    await expect(titles).to_have_count(23)
    await expect(page.locator("#load-more")).to_be_hidden()
    expected = [f"Numbered post {n:02}" for n in range(23, 0, -1)]
    await expect(titles).to_have_text(expected)


async def test_appended_posts_link_to_their_page_and_author(
    page: Page, many_posts: list[Post], author: Account
) -> None:
    await page.goto("/")
    await page.locator("#load-more").click()
    appended = page.locator("#posts article").nth(10)
    oldest_on_page_two = many_posts[12]
    await expect(appended.locator("h2 a")).to_have_attribute("href", str(oldest_on_page_two["url"]))
    await expect(appended.locator('[data-field="author"]')).to_have_text("author")
    await expect(appended.locator('[data-field="author"]')).to_have_attribute("href", "/@author")
    await expect(appended.locator('[data-field="date"]')).to_have_text(
        re.compile(r" ago$|^just now$")
    )
    await expect(appended.locator('[data-field="reading-time"]')).to_have_text("1 min read")


async def test_a_post_page_shows_title_content_and_author(page: Page, articles: list[Post]) -> None:
    post = articles[0]
    await page.goto(f"/posts/{post['id']}")
    await expect(page.get_by_test_id("post-title")).to_have_text(ARTICLES[0][1])
    await expect(page.get_by_test_id("post-content")).to_have_text(ARTICLES[0][2])
    await expect(page.get_by_test_id("post-author")).to_have_text("ada")
    await expect(page.get_by_test_id("post-tags").get_by_role("link")).to_have_text(
        ["#async", "#python"]
    )
    await expect(page).to_have_title(f"{ARTICLES[0][1]} · Inkwell")
    await photograph(page, "post.png")


async def test_a_script_in_a_title_shows_as_text_on_its_page(
    page: Page, api: Api, author: Account
) -> None:
    dialogs = record_dialogs(page)
    post = await api.post(author, title=XSS_TITLE, content=XSS_TITLE)
    await page.goto(f"/posts/{post['id']}")
    await expect(page.get_by_test_id("post-title")).to_have_text(XSS_TITLE)
    await expect(page.get_by_test_id("post-content")).to_have_text(XSS_TITLE)
    assert dialogs == []


async def test_a_script_in_a_title_shows_as_text_when_load_more_appends_it(
    page: Page, api: Api, author: Account
) -> None:
    dialogs = record_dialogs(page)
    await api.post(author, title=XSS_TITLE, content=XSS_TITLE)
    for n in range(10):
        await api.post(author, title=f"Newer post {n}")
    await page.goto("/")
    await page.locator("#load-more").click()
    appended = page.locator("#posts article").nth(10)
    await expect(appended.locator("h2")).to_have_text(XSS_TITLE)
    await expect(appended.locator('[data-field="excerpt"]')).to_have_text(XSS_TITLE)
    assert dialogs == []


async def test_a_footnote_leads_to_its_note_and_back(page: Page, api: Api, author: Account) -> None:
    post = await api.post(author, content="A claim.[^1]\n\n[^1]: Its source.")
    await page.goto(f"/posts/{post['id']}")
    await page.get_by_role("link", name="Note 1", exact=True).click()
    await expect(page).to_have_url(re.compile("#section-fn:1$"))
    await expect(page.locator(":target")).to_have_text("Its source. \u21a9\ufe0e")
    await page.get_by_role("link", name="Back to note 1's reference").click()
    await expect(page.locator(":target")).to_have_text("1")
    assert await accessibility_violations(page) == []


async def test_a_users_page_lists_only_their_posts(page: Page, articles: list[Post]) -> None:
    grace_id = articles[1]["user_id"]
    await page.goto(f"/users/{grace_id}/posts")
    await expect(page.locator("h1")).to_have_text("grace")
    await expect(page.locator("#posts article h2")).to_have_text([ARTICLES[1][1]])
    await expect(page.get_by_test_id("post-count")).to_have_text("1 post")


async def test_load_more_on_a_users_page_fetches_only_their_posts(
    page: Page, many_posts: list[Post], author: Account, api: Api
) -> None:
    await api.post(await api.sign_up("someone-else"), title="Not theirs")
    await page.goto(f"/users/{author.id}/posts")
    await page.locator("#load-more").click()
    await page.locator("#load-more").click()
    await expect(page.locator("#posts article")).to_have_count(23)
    await expect(page.locator("#posts")).not_to_contain_text("Not theirs")


async def test_an_unknown_post_shows_the_not_found_page(page: Page) -> None:
    response = await page.goto("/posts/4242")
    assert response is not None
    assert response.status == 404
    await expect(page.locator("h1")).to_have_text("Page not found")
    await expect(page.locator("main")).to_contain_text("Post not found")
    await page.get_by_role("link", name="Back to the latest posts").click()
    await expect(page).to_have_title("Latest posts · Inkwell")


async def test_an_unknown_address_shows_the_not_found_page(page: Page) -> None:
    response = await page.goto("/no/such/page")
    assert response is not None
    assert response.status == 404
    await expect(page.locator("h1")).to_have_text("Page not found")


@pytest.mark.parametrize(
    "path", ["/", "/posts/{id}", "/users/{user_id}/posts", "/login", "/register"]
)
async def test_pages_fit_a_phone_screen(page: Page, articles: list[Post], path: str) -> None:
    await page.set_viewport_size(PHONE)
    await page.goto(path.format(**articles[0]))
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0


async def test_the_navbar_collapses_behind_a_menu_button_on_a_phone(page: Page) -> None:
    await page.set_viewport_size(PHONE)
    await page.goto("/")
    sign_in = page.get_by_role("link", name="Sign in")
    await expect(sign_in).to_be_hidden()
    menu = page.get_by_role("link", name="Menu")
    await menu.click()
    await expect(sign_in).to_be_visible()
    await expect(menu).to_have_attribute("aria-expanded", "true")
    # With JavaScript the menu folds away again with the same button, once it has opened.
    await expect(page.locator("#nav-links")).to_have_class("navbar-collapse collapse show")
    await menu.click()
    await expect(sign_in).to_be_hidden()
    await expect(menu).to_have_attribute("aria-expanded", "false")


async def test_the_console_check_catches_a_csp_violation(
    page: Page, problems: PageProblems
) -> None:
    """The strict policy is on, and an inline script would fail the test that loads it."""
    await page.goto("/")
    async with page.expect_console_message(lambda message: message.type == "error") as refused:
        await page.evaluate(INSERT_INLINE_SCRIPT)
    assert "Content Security Policy" in (await refused.value).text
    await expect(page).to_have_title("Latest posts · Inkwell")
    for _ in range(50):
        if problems.csp_violations:
            break
        await asyncio.sleep(0.1)
    # Chromium 156 reports the one blocked script twice.
    assert set(problems.csp_violations) == {"script-src-elem blocked inline"}
    problems.csp_violations.clear()
    problems.console_errors.clear()
