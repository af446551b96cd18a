"""A profile picture in Chromium: chosen and previewed on the account page, then shown
everywhere the user appears, under the app's own Content-Security-Policy."""

import re

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.conftest import Account, Api
from tests.pictures import image_file
from tests.web.browser.conftest import loaded_width
from tests.web.browser.signing_in import navbar_account, sign_in

pytestmark = pytest.mark.browser

STORED_PICTURE = re.compile(r"^/media/profile_pics/[\w-]+\.(webp|jpg)$")
CHOSEN = {"name": "me.png", "mimeType": "image/png", "buffer": image_file("PNG", (640, 480))}


@pytest.fixture
async def signed_in_author(context: BrowserContext, author: Account, api: Api) -> Account:
    """The author, signed in, with one post to show the picture on."""
    await api.post(author, title="With a face", content="Now you can see me.")
    await sign_in(context, "author")
    return author


async def test_a_chosen_picture_is_previewed_before_it_is_uploaded(
    page: Page, signed_in_author: Account
) -> None:
    await page.goto("/account")
    await page.get_by_label("Choose an image").set_input_files(CHOSEN)
    preview = page.get_by_alt_text("Preview of your picture")
    await expect(preview).to_have_attribute("src", re.compile(r"^blob:"))
    assert await loaded_width(preview) == 640


async def test_an_uploaded_picture_shows_in_the_navbar_the_account_and_on_the_posts(
    page: Page, signed_in_author: Account
) -> None:
    await page.goto("/account")
    await page.get_by_label("Choose an image").set_input_files(CHOSEN)
    await page.get_by_role("button", name="Upload").click()
    await expect(page.get_by_test_id("saved-notice")).to_have_text("Your new picture is saved.")

    pictures = [
        navbar_account(page).locator("img.avatar"),
        page.locator("header img.avatar"),
        page.get_by_alt_text("Preview of your picture"),
    ]
    for picture in pictures:
        await expect(picture).to_have_attribute("src", STORED_PICTURE)
    [stored] = {await picture.get_attribute("src") for picture in pictures}
    for picture in pictures:
        assert await loaded_width(picture) == 300

    await page.goto(f"/users/{signed_in_author.id}/posts")
    for picture in (page.locator("header img.avatar"), page.locator("[data-field=avatar]")):
        await expect(picture).to_have_attribute("src", stored)
        assert await loaded_width(picture) == 300

    await page.get_by_role("link", name="With a face").click()
    await page.wait_for_url("/posts/*")
    on_the_post = page.locator("article header img.avatar")
    await expect(on_the_post).to_have_attribute("src", stored)
    assert await loaded_width(on_the_post) == 300
