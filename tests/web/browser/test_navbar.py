"""The navbar at every width a page is read at, 320 to 1440 px: signed in (as an admin, who
has the most links, with an unread notification's badge) under names short and long, and
signed out. Each link reads on one line, the search box is wide enough to type into, the
bar is one row when its menu is closed and nothing reaches past the screen. Found by a UI
audit: at 1280 px, "New post" and "Sign out" broke over two lines (an 80 px bar) and a
22-character name squeezed the search box to 18 px."""

import pytest
from httpx import AsyncClient
from playwright.async_api import Page, expect

from tests.conversation import follow
from tests.factories import Factory
from tests.web.browser.signing_in import sign_in

pytestmark = pytest.mark.browser

WIDTHS = [320, 375, 600, 768, 1024, 1280, 1440]
NAMES = ["Ada Lovelace", "Augusta Ada King-Noel", "w" * 50]
# A search box narrower than this holds a word or two at most.
SEARCH_WIDTH = 150
# One row: the brand's 40 px line and the navbar's padding (56 px); two rows were 80 px.
ONE_ROW = 64
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The navbar's links and buttons shown whose text breaks over lines: higher than two lines
# of their own line-height cannot be one.
BROKEN_LINKS = """() => [...document.querySelectorAll("nav .nav-link, nav .btn")]
  .filter((link) => link.getClientRects().length > 0)
  .filter((link) => link.getBoundingClientRect().height
                    >= 2 * parseFloat(getComputedStyle(link).lineHeight))
  .map((link) => link.textContent.trim())"""


async def navbar_problems(page: Page, width: int) -> list[str]:
    """What is wrong with the navbar at this width, closed and, on a narrow screen, open."""
    await page.set_viewport_size({"width": width, "height": 800})
    problems = []
    height = (await page.get_by_role("navigation", name="Main").bounding_box() or {})["height"]
    if height > ONE_ROW:
        problems.append(f"{width} px: the navbar is {height} px high")
    menu = page.get_by_test_id("menu-toggle")
    if await menu.is_visible():
        await menu.click()
        await expect(page.locator("#nav-links")).to_be_visible()
    search = await page.locator("#nav-search-q").bounding_box()
    if search is None or search["width"] < SEARCH_WIDTH:
        problems.append(f"{width} px: the search box is {search and search['width']} px wide")
    if broken := await page.evaluate(BROKEN_LINKS):
        problems.append(f"{width} px: {broken} break over lines")
    if overflow := await page.evaluate(OVERFLOW):
        problems.append(f"{width} px: the page reaches {overflow} px past the screen")
    if await menu.is_visible():
        await menu.click()
        await expect(page.locator("#nav-links")).to_be_hidden()
    return problems


@pytest.mark.parametrize("name", NAMES)
async def test_the_navbar_fits_every_width_signed_in(
    page: Page, factory: Factory, client: AsyncClient, name: str
) -> None:
    admin = await factory.account("admin", role="admin", display_name=name)
    await follow(client, await factory.account("reader"), admin)  # an unread notification
    await sign_in(page.context, "admin")
    await page.emulate_media(reduced_motion="reduce")
    await page.goto("/")
    await expect(page.get_by_test_id("unread-badge")).to_be_visible()
    problems = [problem for width in WIDTHS for problem in await navbar_problems(page, width)]
    assert problems == [], "\n".join(problems)


async def test_the_navbar_fits_every_width_signed_out(page: Page) -> None:
    await page.emulate_media(reduced_motion="reduce")
    await page.goto("/")
    problems = [problem for width in WIDTHS for problem in await navbar_problems(page, width)]
    assert problems == [], "\n".join(problems)


async def test_a_name_cut_short_in_the_navbar_is_shown_whole_on_hover(
    page: Page, factory: Factory
) -> None:
    """The ellipsis hides the end of the name from the eye: its title shows it whole."""
    name = "Augusta Ada King-Noel, Countess of Lovelace"
    await factory.account("ada", display_name=name)
    await sign_in(page.context, "ada")
    await page.goto("/")
    account = page.get_by_role("link", name=name)
    assert await account.locator("span").evaluate("(span) => span.scrollWidth > span.clientWidth")
    await expect(account).to_have_attribute("title", name)
