"""Searching in Chromium: the navbar's box, the highlighted results, a result opened."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.conftest import Account, Api

pytestmark = pytest.mark.browser


async def test_a_query_typed_in_the_navbar_shows_highlighted_results_that_open(
    page: Page, api: Api, author: Account
) -> None:
    await api.post(author, title="Pickled onions", content="Vinegar, onions and <b>patience</b>.")
    await api.post(author, title="Bread", content="Flour and water.")
    await page.goto("/")

    box = page.get_by_role("searchbox", name="Search posts and people")
    await box.fill("onions")
    await box.press("Enter")

    await expect(page).to_have_url("/search?q=onions")
    hits = page.get_by_test_id("post-hits").locator("article")
    await expect(hits).to_have_count(1)
    await expect(hits.locator("mark")).to_have_text(["onions"])
    await expect(hits.get_by_test_id("snippet")).to_contain_text("<b>patience</b>")
    await hits.get_by_role("link", name="Pickled onions").click()
    await expect(page).to_have_url(re.compile(r"/posts/[0-9]+-pickled-onions$"))
    await expect(page.locator("h1")).to_have_text("Pickled onions")


async def test_a_results_author_link_opens_the_authors_page(
    page: Page, api: Api, author: Account
) -> None:
    """The card's title link stretches over the card; the author's link sits above it."""
    await api.post(author, title="Pickled onions", content="Vinegar and onions.")
    await page.goto("/search?q=onions")

    hit = page.get_by_test_id("post-hits").locator("article")
    await hit.get_by_role("link", name="author", exact=True).click()
    await expect(page).to_have_url("/@author")
