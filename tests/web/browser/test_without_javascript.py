"""The site in Chromium with JavaScript turned off: reading, paging both ways, opening a
post, creating an account, signing in and out, resetting a forgotten password, deleting a
post (its author's, an admin's), the account page's forms (profile, notification emails,
picture, a new email and its confirmation, deleting the account) and the phone menu (it
closes again) all work."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.users.rows import DEFAULT_AVATAR_PATH
from tests.conftest import PASSWORD, Account
from tests.factories import Factory
from tests.mail_server import Inbox
from tests.web.browser.conftest import DESKTOP
from tests.web.browser.signing_in import fill_registration, navbar_account, sign_in
from tests.web.browser.test_accounts import NEW_PASSWORD, emailed_link, fill_sign_in_form
from tests.web.browser.test_pictures import CHOSEN, STORED_PICTURE

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


async def _page_without_script(
    browser: Browser, live_server: str, viewport: dict[str, int]
) -> AsyncIterator[Page]:
    context = await browser.new_context(
        base_url=live_server, viewport=viewport, java_script_enabled=False
    )
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def page(browser: Browser, live_server: str, engine: AsyncEngine) -> AsyncIterator[Page]:
    """A desktop tab with JavaScript off; `engine` empties the tables after."""
    async for page in _page_without_script(browser, live_server, DESKTOP):
        yield page


@pytest.fixture
async def phone(browser: Browser, live_server: str, engine: AsyncEngine) -> AsyncIterator[Page]:
    async for page in _page_without_script(browser, live_server, PHONE):
        yield page


async def test_the_banner_says_what_works_without_javascript(page: Page) -> None:
    await page.goto("/")
    await expect(page.get_by_test_id("no-script")).to_contain_text("writing posts needs it")


async def test_a_reader_pages_through_the_posts_and_back_and_opens_one(
    page: Page, factory: Factory, author: Account
) -> None:
    await factory.posts(author, 12)  # Post 1 ... Post 12, the newest first on the home page
    await page.goto("/")
    cards = page.locator("#posts article.post-card")
    await expect(cards).to_have_count(10)
    await expect(cards.first).to_contain_text("Post 12")
    await page.locator("#load-more").click()
    await page.wait_for_url("/?cursor=*")
    await expect(cards).to_have_count(2)
    await expect(cards.first).to_contain_text("Post 2")
    await page.get_by_test_id("newest-posts").click()
    await page.wait_for_url("/?")
    await expect(cards.first).to_contain_text("Post 12")
    await cards.first.get_by_role("link", name="Post 12").click()
    await page.wait_for_url("/posts/*")
    await expect(page.locator("h1")).to_have_text("Post 12")


async def test_a_visitor_creates_an_account_and_is_signed_in(page: Page) -> None:
    await page.goto("/register")
    await fill_registration(page, PASSWORD)
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("newcomer")


async def test_a_refused_registration_shows_the_problem_at_its_field(page: Page) -> None:
    await page.goto("/register")
    await fill_registration(page, "password123")
    password = page.get_by_label("Password")
    await expect(password).to_have_attribute("aria-invalid", "true")
    await expect(password).to_have_accessible_description(
        "At least 8 characters. "
        "Choose a less common password: this one is among the first that attackers try."
    )
    await expect(page.get_by_label("Username")).to_have_value("newcomer")


async def test_a_user_signs_in_and_out(page: Page, author: Account) -> None:
    await page.goto("/login?next=/drafts")
    await page.get_by_label("Email or username").fill("author")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("/drafts")
    await expect(navbar_account(page)).to_contain_text("author")
    await navbar_account(page).get_by_role("button", name="Sign out").click()
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("Sign in")
    await expect(navbar_account(page)).not_to_contain_text("author")


async def test_a_wrong_password_is_said_above_the_sign_in_form(page: Page, author: Account) -> None:
    await page.goto("/login")
    await page.get_by_label("Email or username").fill("author")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#login-form [data-feedback]")).to_have_text(
        "Incorrect username or password"
    )
    await expect(page.get_by_label("Email or username")).to_have_value("author")


async def test_a_forgotten_password_is_reset_through_the_emailed_link(
    page: Page, inbox: Inbox, author: Account
) -> None:
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.get_by_label("Email").fill("author@example.com")
    await page.get_by_role("button", name="Send the link").click()
    await expect(page.get_by_test_id("reset-link-sent")).to_contain_text(
        "a link to reset its password is on its way"
    )

    await page.goto(await emailed_link(inbox))
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    done = page.get_by_test_id("reset-done")
    await expect(done).to_contain_text("Your password is changed")
    await done.get_by_role("link", name="Sign in", exact=True).click()
    await page.get_by_label("Email or username").fill("author")
    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("author")


async def test_the_phone_menu_opens_and_reaches_sign_in(phone: Page) -> None:
    await phone.goto("/")
    sign_in = navbar_account(phone).get_by_role("link", name="Sign in")
    await expect(sign_in).to_be_hidden()
    await phone.get_by_test_id("menu-toggle").click()
    await expect(sign_in).to_be_visible()
    await sign_in.click()
    await phone.wait_for_url("/login")


async def test_the_phone_menu_closes_again_by_mouse_and_by_keyboard(phone: Page) -> None:
    await phone.goto("/")
    menu = phone.locator("#nav-links")
    opener = phone.get_by_role("link", name="Menu", exact=True)
    await opener.click()
    await expect(menu).to_be_visible()
    closer = phone.get_by_role("link", name="Close menu")
    await expect(opener).to_be_hidden()  # one control in its place, named for what it does

    await closer.click()
    await expect(menu).to_be_hidden()
    await expect(closer).to_be_hidden()

    await opener.focus()
    await phone.keyboard.press("Enter")
    await expect(menu).to_be_visible()
    await phone.keyboard.press("Tab")  # from the menu opened: its first link
    await expect(menu.get_by_role("link", name="Home")).to_be_focused()
    await phone.keyboard.press("Shift+Tab")
    await expect(closer).to_be_focused()
    await phone.keyboard.press("Enter")
    await expect(menu).to_be_hidden()


async def delete_after_confirming(page: Page, tools: str, label: str) -> None:
    """Opens the post's Delete (a <details>: no script needed) and confirms."""
    confirm = page.get_by_role("button", name="Yes, delete it")
    await expect(confirm).to_be_hidden()
    await page.locator(f"#{tools} summary", has_text=label).click()
    await confirm.click()


async def test_the_author_deletes_their_post_after_confirming(
    page: Page, factory: Factory, author: Account
) -> None:
    post = await factory.post(author, title="Second thoughts")
    await sign_in(page.context, "author")
    await page.goto(str(post["url"]))

    await delete_after_confirming(page, "author-tools", "Delete")

    await page.wait_for_url("/@author?deleted=post")
    await expect(page.get_by_test_id("deleted-notice")).to_have_text("The post is deleted.")
    await expect(page.get_by_test_id("post-count")).to_have_text("0 posts")
    gone = await page.goto(str(post["url"]))
    assert gone is not None
    assert gone.status == 404


async def test_an_admin_deletes_someones_post_after_confirming(
    page: Page, factory: Factory, author: Account
) -> None:
    post = await factory.post(author, title="Cheap pens, buy now")
    await factory.account("admin", role="admin")
    await sign_in(page.context, "admin")
    await page.goto(str(post["url"]))

    await delete_after_confirming(page, "admin-tools", "Delete as admin")

    await page.wait_for_url("/@author?deleted=post")
    await expect(page.get_by_test_id("deleted-notice")).to_have_text("The post is deleted.")
    await expect(page.get_by_role("link", name="Cheap pens, buy now")).to_have_count(0)
    await page.goto("/admin/reports")
    await expect(page.get_by_test_id("audit-entry")).to_contain_text(["delete post"])


# The account page's forms


@pytest.fixture
async def on_the_account_page(page: Page, author: Account) -> Page:
    """The author, signed in, on their account page (JavaScript still off)."""
    await sign_in(page.context, "author")
    await page.goto("/account")
    return page


async def test_the_profile_is_saved_and_a_taken_name_said_at_its_field(
    on_the_account_page: Page, factory: Factory
) -> None:
    page = on_the_account_page
    await factory.account("taken")
    profile = page.locator("#profile-form")
    await profile.get_by_label("Username").fill("taken")
    await profile.get_by_label("Display name").fill("Ada Writer")
    await profile.get_by_role("button", name="Save").click()
    username = page.locator("#profile-form").get_by_label("Username")
    await expect(username).to_have_attribute("aria-invalid", "true")
    await expect(username).to_have_accessible_description("This username is taken. Choose another.")
    await expect(page.locator("#profile-form").get_by_label("Display name")).to_have_value(
        "Ada Writer"
    )

    await username.fill("ada")
    await page.locator("#profile-form").get_by_role("button", name="Save").click()
    await page.wait_for_url("/account?saved=profile#profile-heading")
    await expect(page.get_by_test_id("saved-notice")).to_have_text("Your profile is saved.")
    await expect(page.locator("h1")).to_have_text("Ada Writer")


async def test_the_notification_emails_switch_is_saved(on_the_account_page: Page) -> None:
    page = on_the_account_page
    switch = page.get_by_label("Email me when someone comments")
    await expect(switch).to_be_checked()
    await switch.uncheck()
    await page.locator("#notification-emails-form").get_by_role("button", name="Save").click()
    await page.wait_for_url("/account?saved=notification-emails#notification-emails-heading")
    await expect(page.get_by_test_id("saved-notice")).to_contain_text("notification emails")
    await expect(page.get_by_label("Email me when someone comments")).not_to_be_checked()


async def test_a_picture_is_uploaded_and_removed(on_the_account_page: Page) -> None:
    page = on_the_account_page
    await page.get_by_label("Choose an image").set_input_files(CHOSEN)
    await page.get_by_role("button", name="Upload").click()
    await page.wait_for_url("/account?saved=picture#picture-heading")
    await expect(page.get_by_test_id("saved-notice")).to_have_text("Your new picture is saved.")
    await expect(page.locator("header img.avatar")).to_have_attribute("src", STORED_PICTURE)

    await page.get_by_role("button", name="Remove the picture").click()
    await page.wait_for_url("/account?saved=picture-removed#picture-heading")
    await expect(page.get_by_test_id("saved-notice")).to_have_text("Your picture is removed.")
    await expect(page.locator("header img.avatar")).to_have_attribute("src", DEFAULT_AVATAR_PATH)


async def test_a_file_that_is_not_an_image_is_said_at_its_field(on_the_account_page: Page) -> None:
    page = on_the_account_page
    text = {"name": "notes.png", "mimeType": "image/png", "buffer": b"Not a picture.\n" * 40}
    await page.get_by_label("Choose an image").set_input_files(text)
    await page.get_by_role("button", name="Upload").click()
    await expect(page.get_by_label("Choose an image")).to_have_accessible_description(
        "JPEG, PNG, WebP or GIF. It is cropped to a square. "
        "The file is not a JPEG, PNG, WebP or GIF image"
    )


async def test_the_account_is_deleted_once_the_username_typed_is_its_own(
    on_the_account_page: Page,
) -> None:
    page = on_the_account_page
    confirm = page.get_by_label("Type your username to confirm")
    await confirm.fill("someone else")
    await page.get_by_role("button", name="Delete my account").click()
    confirm = page.get_by_label("Type your username to confirm")
    await expect(confirm).to_have_accessible_description("Type “author” to confirm.")
    await expect(confirm).to_have_value("someone else")
    # At the foot of a long page: the answer opens at the form's section, the problem in view.
    await expect(page.get_by_role("heading", name="Delete the account")).to_be_focused()
    await expect(confirm).to_be_in_viewport()

    await confirm.fill("author")
    await page.get_by_role("button", name="Delete my account").click()
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("Sign in")
    await page.goto("/login")
    await fill_sign_in_form(page, "author", PASSWORD)
    await expect(page.locator("#login-form [data-feedback]")).to_have_text(
        "Incorrect username or password"
    )


async def test_a_new_email_is_asked_for_and_confirmed_through_the_emailed_link(
    on_the_account_page: Page, inbox: Inbox
) -> None:
    page = on_the_account_page
    await page.get_by_label("New email").fill("new.home@example.com")
    await page.get_by_label("Your password").fill(PASSWORD)
    await page.get_by_role("button", name="Change email").click()
    await page.wait_for_url("/account?saved=email#email-heading")

    await page.goto(await emailed_link(inbox, "new.home@example.com"))
    await page.get_by_role("button", name="Confirm the new email").click()
    await page.wait_for_url("/login?notice=email-changed")
    await expect(page.get_by_test_id("login-notice")).to_contain_text("Your email is changed")
    await fill_sign_in_form(page, "new.home@example.com", PASSWORD)
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("author")
