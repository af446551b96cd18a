"""The account page's forms without JavaScript (found by a UI audit: they ended on a 405
page, or did nothing): they post to the site, which answers them as the API does
(`PATCH /api/users/{id}`, `DELETE /api/users/{id}`), says each problem at its field in plain
words, and keeps what was typed. The picture's forms: test_account_picture_without_script."""

import re

import pytest
from httpx import AsyncClient

from inkwell.config import Settings
from inkwell.users.models import BIO_MAX_LENGTH
from tests.conftest import PASSWORD, Account
from tests.factories import Factory
from tests.mail_server import Inbox, sending_to
from tests.pictures import image_file, stored_files
from tests.web.test_forms_without_script import FOREIGN, field_message, field_tag

NEW_PASSWORD = "a fresh and long passphrase"
WRONG = "not my password at all"


@pytest.fixture
def settings(settings: Settings, inbox: Inbox, smtp_port: int) -> Settings:
    # At the test client's own http address: an https one would make the cookies Secure.
    mailing = sending_to(settings, smtp_port)
    return mailing.model_copy(update={"public_base_url": settings.public_base_url})


async def signed_in(client: AsyncClient) -> str:
    """Signs in through the plain form; answers the CSRF field's value."""
    await client.post("/login", data={"username": "author", "password": PASSWORD})
    return client.cookies["inkwell_csrf"]


async def signs_in(client: AsyncClient, password: str) -> bool:
    response = await client.post("/login", data={"username": "author", "password": password})
    return response.status_code == 303


async def test_the_password_form_changes_it_and_asks_to_sign_in_again(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {
        "csrf_token": csrf,
        "current_password": PASSWORD,
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    response = await client.post("/account/password", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?notice=password-changed&next=%2Faccount"
    assert "inkwell_session" not in client.cookies
    assert await signs_in(client, NEW_PASSWORD)


async def test_a_wrong_current_password_is_said_at_its_field_in_plain_words(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {
        "csrf_token": csrf,
        "current_password": WRONG,
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    response = await client.post("/account/password", data=form)
    assert response.status_code == 400
    assert field_message(response.text, "current_password") == "This is not your current password."
    assert 'aria-describedby="current_password-error"' in response.text
    assert "current_password is incorrect" not in response.text
    assert WRONG not in response.text
    assert NEW_PASSWORD not in response.text
    assert await signs_in(client, PASSWORD)


async def test_two_different_new_passwords_on_the_account_page_are_marked(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {
        "csrf_token": csrf,
        "current_password": PASSWORD,
        "password": NEW_PASSWORD,
        "password_confirm": "something else",
    }
    response = await client.post("/account/password", data=form)
    assert response.status_code == 422
    assert field_message(response.text, "password_confirm") == "The two passwords are not the same."
    assert await signs_in(client, PASSWORD)


async def test_the_password_form_without_its_csrf_field_is_refused(
    client: AsyncClient, author: Account
) -> None:
    await signed_in(client)
    form = {
        "csrf_token": "guess",
        "current_password": PASSWORD,
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    response = await client.post("/account/password", data=form)
    assert response.status_code == 403
    assert await signs_in(client, PASSWORD)


async def test_the_email_form_sends_the_confirmation_link_to_the_new_address(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "email": "new.home@example.com", "current_password": PASSWORD}
    response = await client.post("/account/email", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/account?saved=email#email-heading"
    assert len(inbox.sent_to("new.home@example.com")) == 1


async def test_a_wrong_password_on_the_email_form_is_said_at_its_field(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "email": "new.home@example.com", "current_password": WRONG}
    response = await client.post("/account/email", data=form)
    assert response.status_code == 400
    assert field_message(response.text, "email_current_password") == (
        "This is not your current password."
    )
    assert 'value="new.home@example.com"' in response.text
    assert inbox.sent_to("new.home@example.com") == []


@pytest.mark.parametrize("typed", ["author@example.com", "Author@EXAMPLE.com"])
async def test_the_email_the_account_already_has_is_said_at_its_field_and_nothing_is_sent(
    client: AsyncClient, inbox: Inbox, author: Account, typed: str
) -> None:
    """The API answers it as no change (200), which the form would have taken for a link
    on its way; the address is compared as it is stored, in lower case."""
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "email": typed, "current_password": PASSWORD}
    response = await client.post("/account/email", data=form)
    assert response.status_code == 422
    assert field_message(response.text, "email") == "This is already your email."
    assert 'aria-describedby="email-help email-error"' in response.text
    assert "on its way" not in response.text
    assert inbox.sent_to("author@example.com") == []


# The profile's forms


async def profile_of(client: AsyncClient, author: Account) -> dict[str, object]:
    """The account as the API has it stored."""
    response = await client.get("/api/users/me", headers=author.headers)
    assert response.status_code == 200, response.text
    stored: dict[str, object] = response.json()
    return stored


async def test_the_profile_form_saves_the_name_and_bio_and_comes_back_saying_so(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "username": "writer", "display_name": "A Writer", "bio": "Hi."}
    response = await client.post("/account/profile", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == "/account?saved=profile#profile-heading"
    stored = await profile_of(client, author)
    assert (stored["username"], stored["display_name"], stored["bio"]) == (
        "writer",
        "A Writer",
        "Hi.",
    )
    page = (await client.get(response.headers["location"])).text
    assert "Your profile is saved." in page


async def test_an_empty_display_name_and_bio_on_the_profile_form_clear_them(
    client: AsyncClient, factory: Factory
) -> None:
    author = await factory.account("author", display_name="Old Name", bio="Old words.")
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "username": "author", "display_name": "", "bio": ""}
    assert (await client.post("/account/profile", data=form)).status_code == 303
    stored = await profile_of(client, author)
    assert (stored["display_name"], stored["bio"]) == (None, None)


async def test_a_taken_username_on_the_profile_form_is_said_at_its_field(
    client: AsyncClient, factory: Factory, author: Account
) -> None:
    await factory.account("taken")
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "username": "Taken", "display_name": "Typed Name", "bio": "Typed."}
    response = await client.post("/account/profile", data=form)
    assert response.status_code == 409
    assert field_message(response.text, "username") == "This username is taken. Choose another."
    assert 'value="Taken"' in field_tag(response.text, "username")
    assert 'value="Typed Name"' in field_tag(response.text, "display_name")
    assert ">Typed.</textarea>" in response.text
    assert (await profile_of(client, author))["display_name"] is None


async def test_a_refused_username_on_the_profile_form_is_said_at_its_field(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "username": "a b", "display_name": "", "bio": ""}
    response = await client.post("/account/profile", data=form)
    assert response.status_code == 422
    assert field_message(response.text, "username") == (
        "Use only letters, digits, “_”, “.” and “-”, and not dots alone."
    )
    assert 'aria-describedby="username-error"' in field_tag(response.text, "username")
    assert (await profile_of(client, author))["username"] == "author"


async def test_a_bio_too_long_on_the_profile_form_is_said_at_its_field(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "username": "renamed", "bio": "x" * (BIO_MAX_LENGTH + 1)}
    response = await client.post("/account/profile", data=form)
    assert response.status_code == 422
    assert field_message(response.text, "bio") == f"Use at most {BIO_MAX_LENGTH} characters."
    assert 'aria-describedby="bio-help bio-error"' in response.text
    assert (await profile_of(client, author))["username"] == "author"


async def test_the_notification_switch_turned_off_is_saved(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "email_notifications": "false"}
    response = await client.post("/account/notification-emails", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/account?saved=notification-emails#notification-emails-heading"
    )
    assert (await profile_of(client, author))["email_notifications"] is False
    page = (await client.get(response.headers["location"])).text
    assert "Your choice of notification emails is saved." in page
    switch = re.search(r'<input[^>]*id="email_notifications"[^>]*>', page)
    assert switch is not None
    assert " checked" not in switch.group()


async def test_the_notification_switch_turned_on_counts_over_its_hidden_false(
    client: AsyncClient, factory: Factory
) -> None:
    author = await factory.account("author", email_notifications=False)
    csrf = await signed_in(client)
    # What a browser sends: the hidden field's false, then the checked switch's true.
    form = {"csrf_token": csrf, "email_notifications": ["false", "true"]}
    response = await client.post("/account/notification-emails", data=form)
    assert response.status_code == 303
    assert (await profile_of(client, author))["email_notifications"] is True


# Deleting the account


async def test_the_delete_form_deletes_the_account_signs_out_and_goes_home(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    response = await client.post(
        "/account/delete", data={"csrf_token": csrf, "confirm_username": "author"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert "inkwell_session" not in client.cookies
    assert (await client.get(f"/api/users/{author.id}")).status_code == 404
    assert not await signs_in(client, PASSWORD)


async def test_the_delete_form_deletes_the_pictures_the_account_uploaded(
    client: AsyncClient, author: Account, settings: Settings
) -> None:
    uploaded = await client.post(
        "/api/uploads", files={"file": ("a.png", image_file(), "image/png")}, headers=author.headers
    )
    assert uploaded.status_code == 201
    csrf = await signed_in(client)
    response = await client.post(
        "/account/delete", data={"csrf_token": csrf, "confirm_username": "author"}
    )
    assert response.status_code == 303
    assert stored_files(settings.media_dir) == set()


async def test_a_wrong_username_on_the_delete_form_keeps_the_account(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    response = await client.post(
        "/account/delete", data={"csrf_token": csrf, "confirm_username": "Author"}
    )
    assert response.status_code == 422
    assert field_message(response.text, "confirm_username") == "Type “author” to confirm."
    assert 'value="Author"' in field_tag(response.text, "confirm_username")
    assert (await client.get(f"/api/users/{author.id}")).status_code == 200
    assert "inkwell_session" in client.cookies


# What every new form of the account page refuses: another site's post, and a visitor's

FORMS = {
    "/account/profile": {"username": "someone", "display_name": "Someone", "bio": "New."},
    "/account/notification-emails": {"email_notifications": "false"},
    "/account/picture/remove": {},
    "/account/delete": {"confirm_username": "author"},
}


@pytest.mark.parametrize("path", FORMS)
async def test_an_account_form_without_its_csrf_field_is_refused_and_changes_nothing(
    client: AsyncClient, author: Account, path: str
) -> None:
    await signed_in(client)
    response = await client.post(path, data={"csrf_token": "guess", **FORMS[path]})
    assert response.status_code == 403
    stored = await profile_of(client, author)
    assert (stored["username"], stored["display_name"], stored["email_notifications"]) == (
        "author",
        None,
        True,
    )


@pytest.mark.parametrize("path", FORMS)
async def test_an_account_form_sent_signed_out_goes_to_sign_in_first(
    client: AsyncClient, author: Account, path: str
) -> None:
    response = await client.post(path, data={"csrf_token": "anything", **FORMS[path]})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"
    assert (await profile_of(client, author))["username"] == "author"


# Confirming a new email: the link in the email opens a page whose button posts its token


async def confirmation_token(client: AsyncClient, inbox: Inbox, email: str) -> str:
    """Asks for `email` through the account page's form; answers the token emailed to it."""
    csrf = await signed_in(client)
    form = {"csrf_token": csrf, "email": email, "current_password": PASSWORD}
    assert (await client.post("/account/email", data=form)).status_code == 303
    [message] = inbox.sent_to(email)
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"/confirm-email\?token=([\w.-]+)", body.get_content())
    assert found is not None
    return found.group(1)


async def test_the_confirm_form_changes_the_email_and_asks_to_sign_in_again(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await confirmation_token(client, inbox, "new.home@example.com")
    response = await client.post("/confirm-email", data={"token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?notice=email-changed"
    assert "inkwell_session" not in client.cookies
    signed_in_anew = await client.post(
        "/login", data={"username": "new.home@example.com", "password": PASSWORD}
    )
    assert signed_in_anew.status_code == 303


async def test_a_used_confirmation_link_is_said_above_the_button(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await confirmation_token(client, inbox, "new.home@example.com")
    assert (await client.post("/confirm-email", data={"token": token})).status_code == 303
    response = await client.post("/confirm-email", data={"token": token})
    assert response.status_code == 400
    assert "This confirmation link is invalid, used or expired" in response.text


async def test_a_bad_confirmation_link_shows_a_signed_in_user_signed_in(
    client: AsyncClient, author: Account
) -> None:
    await signed_in(client)
    response = await client.post("/confirm-email", data={"token": "forged"})
    assert response.status_code == 400
    assert 'id="sign-out"' in response.text


async def test_an_email_taken_meanwhile_is_said_above_the_confirm_button(
    client: AsyncClient, inbox: Inbox, factory: Factory, author: Account
) -> None:
    token = await confirmation_token(client, inbox, "new.home@example.com")
    await factory.account("quicker", email="new.home@example.com")
    response = await client.post("/confirm-email", data={"token": token})
    assert response.status_code == 409
    assert "An account already uses this email." in response.text
    assert (await profile_of(client, author))["email"] == "author@example.com"


async def test_the_confirm_form_from_another_site_is_refused(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await confirmation_token(client, inbox, "new.home@example.com")
    response = await client.post("/confirm-email", data={"token": token}, headers=FOREIGN)
    assert response.status_code == 403
    assert (await profile_of(client, author))["email"] == "author@example.com"


FOCUSED = re.compile(r'<h2 [^>]*id="([\w-]+)" tabindex="-1" autofocus>')


@pytest.mark.parametrize(
    ("path", "form", "heading"),
    [
        ("/account/profile", {"username": "no spaces please"}, "profile-heading"),
        (
            "/account/email",
            {"email": "new@example.com", "current_password": WRONG},
            "email-heading",
        ),
        ("/account/password", {"current_password": WRONG}, "password-heading"),
        ("/account/delete", {"confirm_username": "someone else"}, "delete-heading"),
    ],
)
async def test_a_refused_form_comes_back_with_its_sections_heading_focused(
    client: AsyncClient, author: Account, path: str, form: dict[str, str], heading: str
) -> None:
    """Not the page's top: a problem at the foot of the long page would go unseen."""
    csrf = await signed_in(client)

    response = await client.post(path, data={"csrf_token": csrf, **form})

    assert response.status_code in {400, 422}
    assert FOCUSED.findall(response.text) == [heading]


async def test_a_refused_picture_comes_back_with_the_pictures_heading_focused(
    client: AsyncClient, author: Account
) -> None:
    csrf = await signed_in(client)
    text = {"file": ("notes.png", b"Not a picture.\n" * 40, "image/png")}

    response = await client.post("/account/picture", data={"csrf_token": csrf}, files=text)

    assert response.status_code == 415
    assert FOCUSED.findall(response.text) == ["picture-heading"]


async def test_the_account_page_opens_with_no_heading_focused(
    client: AsyncClient, author: Account
) -> None:
    await signed_in(client)

    assert FOCUSED.findall((await client.get("/account")).text) == []
