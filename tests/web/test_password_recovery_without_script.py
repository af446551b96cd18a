"""Recovering a forgotten password without JavaScript (found by a UI audit: both forms ended
on a 405 page): the forgot-password and reset forms post to their own pages, which answer
them as the API does, within its limits, with each problem at its field."""

import pytest
from httpx import AsyncClient

from inkwell.config import Settings
from tests.conftest import PASSWORD, Account
from tests.mail_server import Inbox, sending_to
from tests.web.test_forms_without_script import FOREIGN, field_message, field_tag

NEW_PASSWORD = "a fresh and long passphrase"


@pytest.fixture
def settings(settings: Settings, inbox: Inbox, smtp_port: int) -> Settings:
    # At the test client's own http address: an https one would make the cookies Secure.
    mailing = sending_to(settings, smtp_port)
    return mailing.model_copy(update={"public_base_url": settings.public_base_url})


async def emailed_token(client: AsyncClient, inbox: Inbox) -> str:
    response = await client.post("/forgot-password", data={"email": "author@example.com"})
    assert response.status_code == 200
    return inbox.reset_token()


async def test_the_forgot_password_form_emails_a_link_to_the_account(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    response = await client.post("/forgot-password", data={"email": "Author@example.com"})
    assert response.status_code == 200
    assert "a link to reset its password is on its way" in response.text
    assert [email["To"] for email in inbox.messages] == ["author@example.com"]
    assert "/reset-password?token=" in inbox.messages[0].get_content()


async def test_the_forgot_password_page_is_the_same_when_no_account_uses_the_email(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    known = await client.post("/forgot-password", data={"email": "author@example.com"})
    unknown = await client.post("/forgot-password", data={"email": "nobody@example.com"})
    assert (unknown.status_code, unknown.text) == (known.status_code, known.text)
    assert [email["To"] for email in inbox.messages] == ["author@example.com"]


async def test_a_malformed_email_is_marked_at_its_field_and_kept(
    client: AsyncClient, inbox: Inbox
) -> None:
    response = await client.post("/forgot-password", data={"email": "nope"})
    assert response.status_code == 422
    assert field_message(response.text, "email") == (
        "Enter a valid email address, such as name@example.com."
    )
    assert 'value="nope"' in field_tag(response.text, "email")
    assert inbox.messages == []


async def test_the_forgot_password_form_is_refused_from_another_site(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    response = await client.post(
        "/forgot-password", data={"email": "author@example.com"}, headers=FOREIGN
    )
    assert response.status_code == 403
    assert inbox.messages == []


async def test_a_signed_in_reader_may_ask_for_a_reset_link_too(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await client.post("/login", data={"username": "author", "password": PASSWORD})
    assert "inkwell_session" in client.cookies
    response = await client.post("/forgot-password", data={"email": "author@example.com"})
    assert response.status_code == 200
    assert [email["To"] for email in inbox.messages] == ["author@example.com"]


class TestTheForgotPasswordFormSpendsTheApisBudget:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"rate_limit_forgot_password_per_address": "1/hour"})

    async def test_past_the_addresss_budget_the_form_says_to_wait(
        self, client: AsyncClient, inbox: Inbox, author: Account
    ) -> None:
        api = await client.post("/api/users/forgot-password", json={"email": "a@example.com"})
        assert api.status_code == 202
        response = await client.post("/forgot-password", data={"email": "author@example.com"})
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert "Too many attempts; try again in " in response.text
        assert 'value="author@example.com"' in field_tag(response.text, "email")
        assert inbox.messages == []


async def test_the_reset_form_sets_the_new_password_and_says_so(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await emailed_token(client, inbox)
    form = {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    response = await client.post("/reset-password", data=form)
    assert response.status_code == 200
    assert "Your password is changed" in response.text
    assert 'id="reset-password-form"' not in response.text
    assert NEW_PASSWORD not in response.text
    signed_in = await client.post("/login", data={"username": "author", "password": NEW_PASSWORD})
    assert signed_in.status_code == 303


async def test_a_used_reset_link_says_so_and_offers_a_new_one(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await emailed_token(client, inbox)
    form = {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    await client.post("/reset-password", data=form)
    other = "another long passphrase"
    again = await client.post(
        "/reset-password", data=form | {"password": other, "password_confirm": other}
    )
    assert again.status_code == 400
    assert 'data-testid="reset-link-spent"' in again.text
    assert 'href="/forgot-password">Ask for a new link</a>' in again.text


async def test_a_forged_reset_token_says_the_link_does_not_work(
    client: AsyncClient, author: Account
) -> None:
    form = {"token": "forged", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    response = await client.post("/reset-password", data=form)
    assert response.status_code == 400
    assert 'data-testid="reset-link-spent"' in response.text
    login = await client.post("/login", data={"username": "author", "password": PASSWORD})
    assert login.status_code == 303


async def test_a_spent_reset_link_shows_a_signed_in_reader_signed_in(
    client: AsyncClient, author: Account
) -> None:
    await client.post("/login", data={"username": "author", "password": PASSWORD})
    form = {"token": "forged", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    response = await client.post("/reset-password", data=form)
    assert response.status_code == 400
    assert 'id="sign-out"' in response.text


async def test_a_refused_new_password_shows_a_signed_in_reader_signed_in(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await emailed_token(client, inbox)
    await client.post("/login", data={"username": "author", "password": PASSWORD})
    form = {"token": token, "password": "short", "password_confirm": "short"}
    response = await client.post("/reset-password", data=form)
    assert response.status_code == 422
    assert 'id="sign-out"' in response.text


async def test_a_short_new_password_is_marked_at_its_field_and_not_kept(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await emailed_token(client, inbox)
    form = {"token": token, "password": "short", "password_confirm": "short"}
    response = await client.post("/reset-password", data=form)
    assert response.status_code == 422
    assert field_message(response.text, "password") == "Use at least 8 characters."
    assert 'value="short"' not in response.text
    assert f'<input type="hidden" name="token" value="{token}">' in response.text


async def test_two_different_new_passwords_are_marked_and_the_link_still_works(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await emailed_token(client, inbox)
    form = {"token": token, "password": NEW_PASSWORD, "password_confirm": "something else"}
    response = await client.post("/reset-password", data=form)
    assert response.status_code == 422
    assert field_message(response.text, "password_confirm") == "The two passwords are not the same."
    again = await client.post("/reset-password", data=form | {"password_confirm": NEW_PASSWORD})
    assert again.status_code == 200


async def test_the_reset_form_is_refused_from_another_site(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    token = await emailed_token(client, inbox)
    form = {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    response = await client.post("/reset-password", data=form, headers=FOREIGN)
    assert response.status_code == 403
    assert (await client.post("/reset-password", data=form)).status_code == 200


async def test_the_forgot_password_form_answers_a_signed_in_reader_signed_in(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await client.post("/login", data={"username": "author", "password": PASSWORD})
    response = await client.post("/forgot-password", data={"email": "author@example.com"})
    assert response.status_code == 200
    assert 'id="sign-out"' in response.text
