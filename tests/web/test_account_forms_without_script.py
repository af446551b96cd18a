"""The account page's password and email forms without JavaScript (found by a UI audit: they
ended on a 405 page): they post to the site, which answers them as `PATCH /api/users/{id}`
does, and a wrong current password is said at its field in plain words."""

import pytest
from httpx import AsyncClient

from inkwell.config import Settings
from tests.conftest import PASSWORD, Account
from tests.mail_server import Inbox, sending_to
from tests.web.test_forms_without_script import field_message

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
