"""What writers paste on a phone's screen: words longer than the screen is wide, tables wider
than the column and lines of code longer than it. The page never scrolls sideways; a table
or a block of code too wide scrolls inside itself, within a keyboard's reach."""

import pytest
from playwright.async_api import Locator, Page

from tests.conftest import Account
from tests.factories import Factory
from tests.web.browser.accessibility import PHONE, accessibility_violations

pytestmark = pytest.mark.browser

LONG_WORD = "Supercalifragilisticexpialidocious" * 3
WIDE_TABLE = "| " + " | ".join(f"Column{n}" for n in range(1, 9)) + " |\n" + "|---" * 8 + "|\n"
WIDE_TABLE += "| " + " | ".join(str(n) for n in range(1, 9)) + " |\n"
LONG_CODE = f'```python\nanswer = "{"x" * 300}"\n```\n'
# How far the page reaches past the right edge of the screen, in CSS pixels.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
SCROLLS = "(element) => element.scrollWidth > element.clientWidth"
# A cell whose one word is broken over lines: the word's text takes more than one line box.
BROKEN_WORDS = """(table) => [...table.querySelectorAll("th")].filter((cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return range.getClientRects().length > 1;
}).map((cell) => cell.textContent)"""


async def on_a_phone(page: Page, factory: Factory, author: Account, markdown: str) -> None:
    """A post holding `markdown`, with a comment holding it too, open on a phone."""
    post = await factory.post(author, title="Pasted", content=markdown)
    await factory.comment(author, post, markdown)
    await page.set_viewport_size(PHONE)
    await page.goto(str(post["url"]))


def post_and_comment(page: Page, selector: str) -> list[Locator]:
    return [
        page.get_by_test_id(where).locator(selector) for where in ("post-content", "comment-body")
    ]


async def test_a_long_word_in_a_task_list_stays_within_a_phone_screen(
    page: Page, factory: Factory, author: Account
) -> None:
    await on_a_phone(page, factory, author, f"- [ ] {LONG_WORD}\n- [x] done")
    assert await page.evaluate(OVERFLOW) == 0


async def test_a_wide_table_scrolls_inside_itself_with_its_words_whole(
    page: Page, factory: Factory, author: Account
) -> None:
    await on_a_phone(page, factory, author, WIDE_TABLE)
    assert await page.evaluate(OVERFLOW) == 0
    for table in post_and_comment(page, "table"):
        assert await table.evaluate(SCROLLS)
        assert await table.evaluate(BROKEN_WORDS) == []


async def test_a_long_line_of_code_scrolls_inside_its_block(
    page: Page, factory: Factory, author: Account
) -> None:
    await on_a_phone(page, factory, author, LONG_CODE)
    assert await page.evaluate(OVERFLOW) == 0
    for block in post_and_comment(page, "pre"):
        assert await block.evaluate(SCROLLS)


async def test_a_table_and_code_that_scroll_are_within_a_keyboards_reach(
    page: Page, factory: Factory, author: Account
) -> None:
    await on_a_phone(page, factory, author, WIDE_TABLE + "\n" + LONG_CODE)
    assert await accessibility_violations(page) == []
    for scroller in [*post_and_comment(page, "table"), *post_and_comment(page, "pre")]:
        await scroller.focus()
        assert await scroller.evaluate("(element) => element === document.activeElement")
