"""What writers paste on a phone's screen: words longer than the screen is wide. The page
never scrolls sideways."""

import pytest
from playwright.async_api import Page

from tests.conftest import Account
from tests.factories import Factory
from tests.web.browser.accessibility import PHONE

pytestmark = pytest.mark.browser

LONG_WORD = "Supercalifragilisticexpialidocious" * 3
# How far the page reaches past the right edge of the screen, in CSS pixels.
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def on_a_phone(page: Page, factory: Factory, author: Account, markdown: str) -> None:
    """A post holding `markdown`, with a comment holding it too, open on a phone."""
    post = await factory.post(author, title="Pasted", content=markdown)
    await factory.comment(author, post, markdown)
    await page.set_viewport_size(PHONE)
    await page.goto(str(post["url"]))


async def test_a_long_word_in_a_task_list_stays_within_a_phone_screen(
    page: Page, factory: Factory, author: Account
) -> None:
    await on_a_phone(page, factory, author, f"- [ ] {LONG_WORD}\n- [x] done")
    assert await page.evaluate(OVERFLOW) == 0
