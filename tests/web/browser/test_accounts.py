"""Accounts in Chromium: registering, signing in and out, and changing or resetting a password."""

import asyncio
import re

import pytest
from playwright.async_api import BrowserContext, Locator, Page, expect
from pydantic import TypeAdapter, ValidationError

from inkwell.users.fields import Username
from tests.conftest import PASSWORD, Account
from tests.mail_server import Inbox
from tests.web.browser.conftest import PageProblems
from tests.web.browser.signing_in import fill_registration, navbar_account, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a fresh and long passphrase"


async def fill_sign_in_form(page: Page, username: str, password: str) -> None:
    await page.get_by_label("Email or username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def emailed_link(inbox: Inbox, to: str = "author@example.com") -> str:
    """The link in the email the server sends to `to` after answering (a background task)."""
    for _ in range(150):
        if inbox.sent_to(to):
            break
        await asyncio.sleep(0.1)
    [email] = inbox.sent_to(to)
    body = email.get_body(("plain",))
    assert body is not None
    link = re.search(r"https?://\S+", body.get_content())
    assert link is not None
    return link.group()


async def test_registering_signs_the_new_user_in(page: Page) -> None:
    await page.goto("/register")
    await fill_registration(page, PASSWORD)
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("newcomer")
    await expect(navbar_account(page).get_by_role("button", name="Sign out")).to_be_visible()


async def test_a_username_in_any_script_is_taken_by_the_registration_form(page: Page) -> None:
    await page.goto("/register")
    await page.get_by_label("Username").fill("कमला.देवी")
    await page.get_by_label("Email").fill("kamala@example.com")
    await page.get_by_label("Password").fill(PASSWORD)

    await page.get_by_role("button", name="Create account").click()

    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("कमला.देवी")


async def test_the_forms_username_check_agrees_with_the_server(page: Page) -> None:
    names = ["ada", "a.b-c_1", "élan", "Ωμέγα", "कमला", "٣ab", ".", "..", "a b", "a/b", "a@b"]
    username = TypeAdapter(Username)
    await page.goto("/register")
    field = page.get_by_label("Username")

    for name in names:
        await field.fill(name)
        in_browser = await field.evaluate("input => input.checkValidity()")
        try:
            username.validate_python(name)
        except ValidationError:
            on_server = False
        else:
            on_server = True
        assert in_browser == on_server, name


async def test_signing_in_returns_to_the_page_that_asked_for_it(
    page: Page, author: Account
) -> None:
    await page.goto("/account")
    await page.wait_for_url("/login?next=%2Faccount")
    await fill_sign_in_form(page, "author@example.com", PASSWORD)
    await page.wait_for_url("/account")
    await expect(page.locator("h1")).to_have_text("author")
    await expect(navbar_account(page)).to_contain_text("author")


@pytest.mark.parametrize("next_path", ["/{id}/evil.example/", "/{url}evil.example/"])
async def test_signing_in_never_leaves_the_site_whatever_its_next_page_says(
    page: Page, live_server: str, author: Account, next_path: str
) -> None:
    """The form's redirect fills in `{id}` and `{url}` from the answer: a `next` holding
    them must not become `//evil.example/` once filled in (an open redirect)."""
    await page.goto(f"/login?next={next_path}")
    await fill_sign_in_form(page, "author", PASSWORD)
    await page.wait_for_url(f"{live_server}/")
    await expect(navbar_account(page)).to_contain_text("author")


async def test_a_wrong_password_is_shown_next_to_the_sign_in_form(
    page: Page, problems: PageProblems, author: Account
) -> None:
    problems.expect_api_error(401)
    await page.goto("/login")
    await fill_sign_in_form(page, "author", "not the password")
    feedback = page.locator("#login-form [data-feedback]")
    await expect(feedback).to_have_text("Incorrect username or password")
    await expect(navbar_account(page)).to_contain_text("Sign in")


async def test_signing_out_returns_home_signed_out(
    page: Page, context: BrowserContext, author: Account
) -> None:
    await sign_in(context, "author")
    await page.goto("/account")
    await navbar_account(page).get_by_role("button", name="Sign out").click()
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("Sign in")
    await expect(navbar_account(page)).not_to_contain_text("author")
    await page.goto("/account")
    await page.wait_for_url("/login?next=%2Faccount")


async def test_a_new_password_ends_the_session_and_asks_to_sign_in_with_it(
    page: Page, context: BrowserContext, author: Account
) -> None:
    await sign_in(context, "author")
    await page.goto("/account")
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await page.wait_for_url("/login?notice=password-changed&next=%2Faccount")
    await expect(page.get_by_test_id("login-notice")).to_contain_text("Your password is changed")
    await expect(navbar_account(page)).to_contain_text("Sign in")
    await fill_sign_in_form(page, "author", NEW_PASSWORD)
    await page.wait_for_url("/account")
    await expect(navbar_account(page)).to_contain_text("author")


async def test_a_password_is_reset_through_the_emailed_link(
    page: Page, live_server: str, inbox: Inbox, author: Account
) -> None:
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await page.wait_for_url("/forgot-password")
    await page.get_by_label("Email").fill("author@example.com")
    await page.get_by_role("button", name="Send the link").click()
    await expect(page.locator("#forgot-password-form [data-feedback]")).to_contain_text(
        "a link to reset its password is on its way"
    )
    link = await emailed_link(inbox)
    assert link.startswith(f"{live_server}/reset-password?token=")

    await page.goto(link)
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("New password again").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    done = page.get_by_test_id("reset-done")
    await expect(done).to_contain_text("Your password is changed")
    await expect(done).to_be_focused()
    await expect(page.locator("#reset-password-form")).to_be_hidden()
    await done.get_by_role("link", name="Sign in", exact=True).click()
    await page.wait_for_url("/login")
    await fill_sign_in_form(page, "author", NEW_PASSWORD)
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("author")


async def test_a_used_reset_link_says_at_once_it_no_longer_works(
    page: Page, inbox: Inbox, context: BrowserContext, author: Account
) -> None:
    response = await context.request.post(
        "/api/users/forgot-password", data={"email": "author@example.com"}
    )
    assert response.status == 202
    link = await emailed_link(inbox)
    used = await context.request.post(
        "/api/users/reset-password",
        data={"token": link.split("token=")[1], "password": NEW_PASSWORD},
    )
    assert used.ok
    await page.goto(link)
    await expect(page.get_by_test_id("reset-link-spent")).to_contain_text("used or has expired")
    await expect(page.get_by_label("New password", exact=True)).to_have_count(0)
    await page.get_by_role("link", name="Ask for a new link").click()
    await page.wait_for_url("/forgot-password")


async def test_a_new_email_applies_once_confirmed_through_the_emailed_link(
    page: Page, context: BrowserContext, inbox: Inbox, author: Account
) -> None:
    await sign_in(context, "author")
    await page.goto("/account")
    await page.get_by_label("New email").fill("new.home@example.com")
    await page.get_by_label("Your password").fill(PASSWORD)
    await page.get_by_role("button", name="Change email").click()
    await expect(page.get_by_test_id("saved-notice")).to_contain_text(
        "A link to confirm the new address is on its way to it."
    )
    await expect(page.locator("header")).to_contain_text("author@example.com")
    link = await emailed_link(inbox, "new.home@example.com")

    await page.goto(link)
    await page.get_by_role("button", name="Confirm the new email").click()
    await page.wait_for_url("/login?notice=email-changed")
    await expect(page.get_by_test_id("login-notice")).to_contain_text("Your email is changed")
    await expect(navbar_account(page)).to_contain_text("Sign in")
    await fill_sign_in_form(page, "new.home@example.com", PASSWORD)
    await page.wait_for_url("/")
    await expect(navbar_account(page)).to_contain_text("author")


async def test_the_email_the_account_already_has_is_said_at_its_field_and_not_sent(
    page: Page, context: BrowserContext, author: Account
) -> None:
    """The API takes it as no change (200): the form would have said a link is on its way."""
    await sign_in(context, "author")
    await page.goto("/account")
    form = page.locator("#email-form")
    email = form.get_by_label("New email")
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.method))
    await email.fill("Author@EXAMPLE.com")
    await form.get_by_label("Your password").fill(PASSWORD)

    await form.get_by_role("button", name="Change email").click()

    await expect(email).to_have_js_property("validationMessage", "This is already your email.")
    await expect(page.get_by_test_id("saved-notice")).to_have_count(0)
    assert "PATCH" not in sent
    await email.fill("new.home@example.com")
    await expect(email).to_have_js_property("validationMessage", "")


async def test_a_display_name_and_bio_show_on_the_authors_page(
    page: Page, context: BrowserContext, author: Account
) -> None:
    await sign_in(context, "author")
    await page.goto("/account")
    form = page.locator("#profile-form")
    await form.get_by_label("Display name").fill("Ada Lovelace")
    await form.get_by_label("Bio").fill("Notes on engines: https://ada.example/notes <b>bold</b>")
    await form.get_by_role("button", name="Save").click()
    await expect(page.get_by_test_id("saved-notice")).to_have_text("Your profile is saved.")
    # The page came back with what is stored: the navbar and the header show the new name.
    await expect(navbar_account(page)).to_contain_text("Ada Lovelace")
    await expect(page.locator("header h1")).to_have_text("Ada Lovelace")

    await page.get_by_role("link", name="Your page").click()
    await page.wait_for_url("/@author")
    await expect(page.locator("h1")).to_have_text("Ada Lovelace")
    bio = page.get_by_test_id("author-bio")
    await expect(bio).to_have_text("Notes on engines: https://ada.example/notes <b>bold</b>")
    await expect(bio.get_by_role("link")).to_have_attribute("href", "https://ada.example/notes")
    await expect(page.get_by_test_id("author-profile")).to_contain_text(
        "0 posts · 0 followers · 0 following · Joined"
    )


async def test_a_refused_profile_field_is_marked_at_that_field(
    page: Page, context: BrowserContext, author: Account, problems: PageProblems
) -> None:
    # A PATCH: its fields may be left out, and a refusal still names the field itself.
    problems.expect_api_error(422)
    await sign_in(context, "author")
    await page.goto("/account")
    form = page.locator("#profile-form")
    name = form.get_by_label("Display name")

    await name.fill("\u200b\u200b")
    await form.get_by_role("button", name="Save").click()

    await expect(name).to_have_attribute("aria-invalid", "true")
    await expect(name).to_have_accessible_description(
        re.compile("Write something visible, or leave it empty.$")
    )
    await expect(form.locator("[data-feedback]")).to_be_hidden()


async def test_a_taken_username_is_said_at_its_field(
    page: Page, author: Account, problems: PageProblems
) -> None:
    problems.expect_api_error(409)
    await page.goto("/register")

    await fill_registration(page, PASSWORD, username="Author")

    username = page.get_by_label("Username")
    await expect(username).to_have_attribute("aria-invalid", "true")
    await expect(username).to_have_accessible_description(re.compile("taken"))
    await expect(page.locator("#register-form [data-feedback]")).to_be_hidden()


async def refused_password(page: Page, problems: PageProblems) -> Locator:
    """The password field of a registration the API refused for a common password."""
    problems.expect_api_error(422)
    await page.goto("/register")
    await fill_registration(page, "password123")
    password = page.get_by_label("Password")
    await expect(password).to_have_attribute("aria-invalid", "true")
    return password


async def test_a_refused_field_is_marked_and_described_in_plain_words(
    page: Page, problems: PageProblems
) -> None:
    password = await refused_password(page, problems)
    await expect(password).to_have_accessible_description(
        "At least 8 characters. "
        "Choose a less common password: this one is among the first that attackers try."
    )
    await expect(password).to_be_focused()
    await expect(page.locator("#register-form [data-feedback]")).to_be_hidden()


async def test_an_old_problem_goes_when_the_browser_flags_another_field(
    page: Page, problems: PageProblems
) -> None:
    password = await refused_password(page, problems)
    await page.get_by_label("Username").fill("")
    await page.get_by_role("button", name="Create account").click()
    await expect(password).not_to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#password-error")).to_have_count(0)


async def test_a_corrected_field_loses_its_problem(page: Page, problems: PageProblems) -> None:
    password = await refused_password(page, problems)
    await password.fill("a much less common passphrase")
    await expect(password).not_to_have_attribute("aria-invalid", "true")
    await expect(password).to_have_accessible_description("At least 8 characters.")


async def test_a_wrong_current_password_is_said_at_its_field_in_plain_words(
    page: Page, context: BrowserContext, author: Account, problems: PageProblems
) -> None:
    # Found by a UI audit: "current_password is incorrect" showed above the form.
    problems.expect_api_error(400)
    await sign_in(context, "author")
    await page.goto("/account")
    form = page.locator("#password-form")
    current = form.get_by_label("Current password")
    await current.fill("not my password at all")
    await form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await form.get_by_label("New password again").fill(NEW_PASSWORD)

    await form.get_by_role("button", name="Change password").click()

    await expect(current).to_have_attribute("aria-invalid", "true")
    await expect(current).to_have_accessible_description("This is not your current password.")
    await expect(current).to_be_focused()
    await expect(form.locator("[data-feedback]")).to_be_hidden()
