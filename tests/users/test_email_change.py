"""Changing the email: it asks for the password, and a link sent to the new address applies it.

A stolen session alone cannot move the account to another address; the current address is
told at once, and confirming ends every session and every pending reset link.
"""

import asyncio
import re
from datetime import timedelta

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.config import Settings
from inkwell.users.email_change import EmailChangeTokens, changed_email, requested_emails
from inkwell.users.models import User
from tests.conftest import PASSWORD, Account, Api
from tests.mail_server import PUBLIC_BASE_URL, Inbox, link_token, sending_to

NEW_EMAIL = "new.home@example.com"


@pytest.fixture
def settings(settings: Settings, inbox: Inbox, smtp_port: int) -> Settings:
    return sending_to(settings, smtp_port)


async def change_email(
    client: AsyncClient, account: Account, email: str = NEW_EMAIL, **fields: str
) -> Response:
    body = {"email": email, "current_password": PASSWORD} | fields
    return await client.patch(f"/api/users/{account.id}", json=body, headers=account.headers)


async def confirm(client: AsyncClient, token: str) -> Response:
    return await client.post("/api/users/confirm-email", json={"token": token})


async def email_of(client: AsyncClient, account: Account) -> object:
    me = await client.get("/api/users/me", headers=account.headers)
    assert me.status_code == 200, me.text
    return me.json()["email"]


@pytest.fixture
async def link(client: AsyncClient, inbox: Inbox, author: Account) -> str:
    """The token of the confirmation link sent to NEW_EMAIL for the author."""
    assert (await change_email(client, author)).status_code == 202
    [message] = inbox.sent_to(NEW_EMAIL)
    return link_token(message)


async def test_an_email_change_without_the_current_password_is_invalid(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}", json={"email": NEW_EMAIL}, headers=author.headers
    )
    assert response.status_code == 422
    assert "current_password is required to change the email" in response.json()["detail"][0]["msg"]
    assert inbox.messages == []


async def test_an_email_change_with_a_wrong_password_is_refused(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    response = await change_email(client, author, current_password="not the password")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "This is not your current password.",
        "code": "current_password_incorrect",
    }
    assert inbox.messages == []


async def test_the_email_does_not_change_until_confirmed(
    client: AsyncClient, author: Account
) -> None:
    response = await change_email(client, author)
    assert response.status_code == 202
    assert response.json()["email"] == "author@example.com"
    assert await email_of(client, author) == "author@example.com"


async def test_the_new_address_gets_a_confirmation_link(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await change_email(client, author, "New.Home@Example.com")
    [message] = inbox.sent_to(NEW_EMAIL)
    assert message["From"] == "Inkwell <no-reply@blog.example.org>"
    assert f"{PUBLIC_BASE_URL}/confirm-email?token=" in message.get_content()


async def test_the_current_address_is_told_of_the_request(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await change_email(client, author)
    [notice] = inbox.sent_to("author@example.com")
    assert NEW_EMAIL in notice.get_content()
    assert "/confirm-email" not in notice.get_content()


def test_the_request_emails_say_exactly_what_happens_and_where(settings: Settings) -> None:
    """However the public address is written: with a closing slash, the link has no double one."""
    slashed = settings.model_copy(
        update={"public_base_url": "https://blog.example.org/X/", "email_change_expire_minutes": 45}
    )
    user = User(id=7, username="author", email="author@example.com", security_stamp="stamp")
    tokens = EmailChangeTokens.from_settings(slashed)
    confirmation, notice = requested_emails(slashed, tokens, user, NEW_EMAIL)
    assert (confirmation["To"], confirmation["Subject"]) == (
        NEW_EMAIL,
        "Confirm your new Inkwell email",
    )
    link = re.search(r"https://\S+", confirmation.get_content())
    assert link is not None
    assert re.fullmatch(r"https://blog\.example\.org/X/confirm-email\?token=[\w.-]+", link.group())
    assert confirmation.get_content() == (
        "Hello author,\n\nTo make this the email of your Inkwell account, open this link within "
        f"45 minutes:\n\n{link.group()}\n\n"
        "If you did not ask for this, ignore this email; nothing changes.\n"
    )
    assert (notice["To"], notice["Subject"]) == (
        "author@example.com",
        "Your Inkwell email is about to change",
    )
    assert notice.get_content() == (
        "Hello author,\n\nSomeone signed in to your account, with its password, asked to change "
        f"its email to {NEW_EMAIL}. A link to confirm it was sent there.\n\n"
        "If this was not you, change your password now: that voids the link and signs "
        "everyone else out.\n"
    )


def test_the_changed_email_tells_the_old_address_exactly_what_it_lost(settings: Settings) -> None:
    user = User(id=7, username="author", email=NEW_EMAIL, security_stamp="stamp")
    notice = changed_email(settings, user, "author@example.com")
    assert (notice["To"], notice["Subject"]) == (
        "author@example.com",
        "Your Inkwell email has changed",
    )
    assert notice.get_content() == (
        f"Hello author,\n\nThe email of your Inkwell account is now {NEW_EMAIL}, and every "
        "session has ended. This address will no longer receive its emails or password reset "
        "links.\n\nIf this was not you, tell the site's administrators: the password can no "
        "longer be reset from this address.\n"
    )


async def test_the_link_changes_the_email(
    api: Api, client: AsyncClient, author: Account, link: str
) -> None:
    response = await confirm(client, link)
    assert response.status_code == 200
    signed_in = Account(author.user, await api.login(NEW_EMAIL))
    assert await email_of(client, signed_in) == NEW_EMAIL


async def test_the_old_address_is_free_for_another_account_once_changed(
    api: Api, client: AsyncClient, link: str
) -> None:
    assert (await confirm(client, link)).status_code == 200
    await api.register("newcomer", email="AUTHOR@example.com")


async def test_confirming_ends_every_session(
    client: AsyncClient, author: Account, link: str
) -> None:
    assert (await confirm(client, link)).status_code == 200
    assert (await client.get("/api/users/me", headers=author.headers)).status_code == 401


async def test_confirming_tells_the_old_address(
    client: AsyncClient, inbox: Inbox, author: Account, link: str
) -> None:
    inbox.messages.clear()
    await confirm(client, link)
    [notice] = inbox.messages
    assert notice["To"] == "author@example.com"
    assert NEW_EMAIL in notice.get_content()


async def test_a_reset_link_sent_before_the_change_is_dead_after(
    client: AsyncClient, inbox: Inbox, author: Account, link: str
) -> None:
    await client.post("/api/users/forgot-password", json={"email": "author@example.com"})
    reset_token = inbox.reset_token()
    assert (await confirm(client, link)).status_code == 200
    reset = await client.post(
        "/api/users/reset-password", json={"token": reset_token, "password": "a new passphrase"}
    )
    assert reset.status_code == 400


async def test_a_link_works_once(client: AsyncClient, link: str) -> None:
    assert (await confirm(client, link)).status_code == 200
    second = await confirm(client, link)
    assert second.status_code == 400
    assert second.json() == {
        "detail": "This confirmation link is invalid, used or expired",
        "code": "confirmation_link_invalid",
    }


async def test_two_racing_uses_of_one_link_let_exactly_one_through(
    client: AsyncClient, link: str
) -> None:
    statuses = await asyncio.gather(*(confirm(client, link) for _ in range(5)))
    assert sorted(response.status_code for response in statuses) == [200, 400, 400, 400, 400]


async def test_a_new_password_voids_a_pending_link(
    api: Api, client: AsyncClient, author: Account, link: str
) -> None:
    await api.change_password(author, "a fresh and long passphrase")
    assert (await confirm(client, link)).status_code == 400


async def test_signing_out_voids_a_pending_link(
    client: AsyncClient, author: Account, link: str
) -> None:
    """A victim who signs out everywhere after the notice stops a thief's pending change."""
    assert (await client.post("/api/users/logout", headers=author.headers)).status_code == 204
    assert (await confirm(client, link)).status_code == 400


async def test_an_expired_link_is_refused(
    client: AsyncClient, settings: Settings, session: AsyncSession, author: Account
) -> None:
    user = await session.get(User, author.id)
    assert user is not None
    expired = EmailChangeTokens(
        key=settings.signing_key, algorithm=settings.jwt_algorithm, lifetime=timedelta(seconds=-1)
    ).issue(user, NEW_EMAIL)
    assert (await confirm(client, expired)).status_code == 400


def test_the_link_expires_after_the_configured_time(settings: Settings) -> None:
    assert EmailChangeTokens.from_settings(settings).lifetime == timedelta(minutes=60)


async def test_an_access_token_is_no_confirmation_token(
    client: AsyncClient, author: Account
) -> None:
    access_token = author.headers["Authorization"].removeprefix("Bearer ")
    assert (await confirm(client, access_token)).status_code == 400


async def test_a_confirmation_token_is_no_access_token(client: AsyncClient, link: str) -> None:
    bearer = {"Authorization": f"Bearer {link}"}
    assert (await client.get("/api/users/me", headers=bearer)).status_code == 401


@pytest.mark.parametrize("token", ["forged", "a.b.c"])
async def test_a_forged_link_is_refused(client: AsyncClient, token: str) -> None:
    assert (await confirm(client, token)).status_code == 400


@pytest.mark.parametrize("token", ["", "x" * 2049, "nul\x00"], ids=["empty", "too long", "nul"])
async def test_a_malformed_token_is_invalid_input(client: AsyncClient, token: str) -> None:
    assert (await confirm(client, token)).status_code == 422


async def test_asking_for_a_taken_email_is_a_conflict_and_sends_nothing(
    api: Api, client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await api.register("other", email=NEW_EMAIL)
    assert (await change_email(client, author, NEW_EMAIL.upper())).status_code == 409
    assert inbox.messages == []


async def test_an_email_taken_before_confirming_is_a_conflict(
    api: Api, client: AsyncClient, author: Account, link: str
) -> None:
    await api.register("other", email=NEW_EMAIL)
    response = await confirm(client, link)
    assert response.status_code == 409
    assert response.json() == {"detail": "This email is already registered", "code": "email_taken"}
    assert await email_of(client, author) == "author@example.com"


async def test_keeping_the_same_email_changes_nothing_and_sends_nothing(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    response = await change_email(client, author, "Author@Example.com")
    assert response.status_code == 200
    assert inbox.messages == []


async def test_a_username_change_needs_no_password_and_applies_at_once(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    response = await client.patch(
        f"/api/users/{author.id}", json={"username": "renamed"}, headers=author.headers
    )
    assert response.status_code == 200
    assert response.json()["username"] == "renamed"
    assert (await client.get("/api/users/me", headers=author.headers)).status_code == 200
    assert inbox.messages == []


async def test_a_username_sent_with_a_new_email_applies_at_once(
    client: AsyncClient, author: Account
) -> None:
    response = await change_email(client, author, username="renamed")
    assert response.status_code == 202
    assert response.json()["username"] == "renamed"
    assert response.json()["email"] == "author@example.com"
