"""Password reset through a real SMTP server (aiosmtpd on loopback) receiving the email."""

import asyncio
import hashlib
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Receive, Scope, Send

from inkwell.auth import service
from inkwell.auth.models import PasswordResetToken
from inkwell.config import Settings
from inkwell.db import create_engine, create_sessionmaker
from tests.conftest import PASSWORD, Account, Api, StartedApp, StatementCounter
from tests.mail_server import PUBLIC_BASE_URL, Inbox, sending_to
from tests.ports import free_port

NEW_PASSWORD = "a fresh and long passphrase"


@pytest.fixture
def settings(settings: Settings, inbox: Inbox, smtp_port: int) -> Settings:
    return sending_to(settings, smtp_port)


async def forgot(client: AsyncClient, email: str) -> None:
    response = await client.post("/api/users/forgot-password", json={"email": email})
    assert response.status_code == 202, response.text


async def reset(client: AsyncClient, token: str, password: str = NEW_PASSWORD) -> int:
    response = await client.post(
        "/api/users/reset-password", json={"token": token, "password": password}
    )
    return response.status_code


async def expire_reset_links(session: AsyncSession) -> None:
    await session.execute(
        update(PasswordResetToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()


async def test_the_emailed_link_resets_the_password_once(
    api: Api, client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")

    [email] = inbox.messages
    assert email["To"] == "author@example.com"
    assert email["From"] == "Inkwell <no-reply@blog.example.org>"
    assert f"{PUBLIC_BASE_URL}/reset-password?token=" in email.get_content()
    token = inbox.reset_token()

    assert await reset(client, token) == 200
    await api.login("author", NEW_PASSWORD)
    old = await client.post("/api/users/token", data={"username": "author", "password": PASSWORD})
    assert old.status_code == 401
    assert await reset(client, token, "yet another passphrase") == 400


async def test_an_unknown_email_gets_the_same_answer_and_no_email(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    known = await client.post("/api/users/forgot-password", json={"email": "author@example.com"})
    unknown = await client.post("/api/users/forgot-password", json={"email": "nobody@example.com"})
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())
    assert unknown.status_code == 202
    assert [email["To"] for email in inbox.messages] == ["author@example.com"]


async def test_the_email_is_matched_in_any_case(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "Author@EXAMPLE.com")
    assert len(inbox.messages) == 1


async def test_an_expired_token_is_refused(
    client: AsyncClient, inbox: Inbox, author: Account, session: AsyncSession
) -> None:
    await forgot(client, "author@example.com")
    await expire_reset_links(session)
    assert await reset(client, inbox.reset_token()) == 400


async def test_the_token_expires_after_the_configured_time(
    client: AsyncClient, inbox: Inbox, author: Account, session: AsyncSession
) -> None:
    await forgot(client, "author@example.com")
    stored = await session.scalar(select(PasswordResetToken))
    assert stored is not None
    assert stored.expires_at - stored.created_at == timedelta(minutes=60)


@pytest.mark.parametrize("token", ["forged", secrets.token_urlsafe(32)], ids=["word", "random"])
async def test_a_forged_token_is_refused(client: AsyncClient, author: Account, token: str) -> None:
    await forgot(client, "author@example.com")
    response = await client.post(
        "/api/users/reset-password", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "reset_link_invalid",
        "detail": "This password reset link is invalid, used or expired",
    }


async def test_the_email_says_what_it_is_and_links_the_reset_page_with_256_random_bits(
    session: AsyncSession, settings: Settings, author: Account
) -> None:
    """However the public address is written: with a closing slash, the link has no double one."""
    slashed = settings.model_copy(update={"public_base_url": "https://blog.example.org/X/"})
    email = await service.password_reset_email(session, slashed, "author@example.com")
    assert email is not None
    assert email["Subject"] == "Reset your Inkwell password"
    lines = email.get_content().splitlines()
    [link] = [line for line in lines if "reset-password" in line]
    assert re.fullmatch(r"https://blog\.example\.org/X/reset-password\?token=[\w-]{43}", link)
    assert lines[-1] == (
        "If you did not ask for this, ignore this email; your password stays as it is."
    )


@pytest.mark.parametrize("token", ["", "x" * 129, "nul\x00"], ids=["empty", "too long", "nul"])
async def test_a_malformed_token_is_invalid_input(client: AsyncClient, token: str) -> None:
    assert await reset(client, token) == 422


async def test_a_newer_token_replaces_the_older_one(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")
    older = inbox.reset_token()
    await forgot(client, "author@example.com")
    newer = inbox.reset_token()
    assert await reset(client, older) == 400
    assert await reset(client, newer) == 200


async def test_a_password_change_voids_a_pending_token(
    api: Api, client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")
    await api.change_password(author, NEW_PASSWORD)
    assert await reset(client, inbox.reset_token(), "yet another passphrase") == 400


async def test_a_password_change_leaves_another_users_pending_token(
    api: Api, client: AsyncClient, inbox: Inbox, author: Account, reader: Account
) -> None:
    await forgot(client, "reader@example.com")
    await api.change_password(author, NEW_PASSWORD)
    assert await reset(client, inbox.reset_token()) == 200


async def test_a_reset_ends_the_users_other_sessions(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")
    assert await reset(client, inbox.reset_token()) == 200
    assert (await client.get("/api/users/me", headers=author.headers)).status_code == 401


async def test_only_a_hash_of_the_token_is_stored(
    client: AsyncClient, inbox: Inbox, author: Account, session: AsyncSession
) -> None:
    await forgot(client, "author@example.com")
    token = inbox.reset_token()
    stored = (await session.scalars(select(PasswordResetToken.token_hash))).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


async def test_a_reset_token_is_no_access_token(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")
    bearer = {"Authorization": f"Bearer {inbox.reset_token()}"}
    assert (await client.get("/api/users/me", headers=bearer)).status_code == 401


async def test_the_new_password_follows_the_password_rules(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")
    token = inbox.reset_token()
    assert await reset(client, token, "short") == 422
    assert await reset(client, token, "password1234") == 422
    assert await reset(client, token) == 200


class TestWithoutAWorkingSmtpServer:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"smtp_port": free_port()})

    async def test_an_smtp_failure_is_logged_and_the_answer_is_still_202(
        self, client: AsyncClient, author: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.ERROR, logger="inkwell.mail.service"):
            await forgot(client, "author@example.com")
        assert "could not send the email" in caplog.text
        assert "author@example.com" in caplog.text


class TestWithoutSmtpConfigured:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"smtp_host": None})

    async def test_the_email_is_written_to_the_log_with_a_link_that_works(
        self, client: AsyncClient, author: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="inkwell.mail.service"):
            await forgot(client, "author@example.com")
        link = re.search(rf"{PUBLIC_BASE_URL}/reset-password\?token=(\S+)", caplog.text)
        assert link is not None
        assert await reset(client, link.group(1)) == 200


async def test_two_racing_uses_of_one_token_let_exactly_one_through(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")
    token = inbox.reset_token()
    statuses = await asyncio.gather(*(reset(client, token) for _ in range(5)))
    assert sorted(statuses) == [200, 400, 400, 400, 400]


async def statements_before_the_answer(
    app: StartedApp, counter: StatementCounter, client: AsyncClient, email: str
) -> list[str]:
    """The SQL the app sent before it started its answer to a forgot-password request."""
    counter.statements.clear()
    seen: list[str] = []

    async def watched(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen.extend(counter.statements)
            await send(message)

        await app(scope, receive, send_watched)

    transport = ASGITransport(app=watched)
    async with AsyncClient(transport=transport, base_url=str(client.base_url)) as watching:
        await forgot(watching, email)
    return seen


@pytest.mark.parametrize("email", ["author@example.com", "nobody@example.com"])
async def test_the_answer_comes_before_any_database_work_known_email_or_not(
    started_app: StartedApp,
    count_statements: StatementCounter,
    client: AsyncClient,
    author: Account,
    email: str,
) -> None:
    """So a known and an unknown email take the request the same time: the lookup, the token
    and its write all happen after the answer."""
    assert await statements_before_the_answer(started_app, count_statements, client, email) == []
    assert count_statements.statements


async def test_a_database_failure_after_the_answer_is_logged_not_raised(
    started_app: StartedApp,
    client: AsyncClient,
    tmp_path: Path,
    author: Account,
    caplog: pytest.LogCaptureFixture,
) -> None:
    unreachable = create_engine(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'inkwell.db'}")
    )
    started_app.state["sessionmaker"] = create_sessionmaker(unreachable)
    with caplog.at_level(logging.ERROR, logger="inkwell.auth.service"):
        await forgot(client, "author@example.com")
    await unreachable.dispose()
    logged = [record.getMessage() for record in caplog.records if record.name == service.__name__]
    assert logged == ["could not issue a password reset link"]


async def test_the_reset_page_of_an_unused_link_shows_the_form(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")
    html = (await client.get("/reset-password", params={"token": inbox.reset_token()})).text
    assert 'id="reset-password-form"' in html
    assert 'data-done="reset-password-done"' in html


async def test_the_reset_page_of_a_used_link_says_so_at_once_and_offers_a_new_one(
    client: AsyncClient, inbox: Inbox, author: Account
) -> None:
    await forgot(client, "author@example.com")
    token = inbox.reset_token()
    assert await reset(client, token) == 200
    html = (await client.get("/reset-password", params={"token": token})).text
    assert 'id="reset-password-form"' not in html
    assert "This link has been used or has expired" in html
    assert '<a class="btn btn-primary w-100" href="/forgot-password">Ask for a new link</a>' in html


async def test_the_reset_page_of_an_expired_link_says_so_at_once(
    client: AsyncClient, inbox: Inbox, author: Account, session: AsyncSession
) -> None:
    await forgot(client, "author@example.com")
    await expire_reset_links(session)
    html = (await client.get("/reset-password", params={"token": inbox.reset_token()})).text
    assert 'id="reset-password-form"' not in html
    assert "This link has been used or has expired" in html


async def test_the_reset_page_of_a_forged_link_says_so_at_once(client: AsyncClient) -> None:
    html = (await client.get("/reset-password", params={"token": "forged"})).text
    assert 'id="reset-password-form"' not in html
    assert 'data-testid="reset-link-spent"' in html


async def test_a_reset_link_is_dead_from_the_instant_it_expires(
    client: AsyncClient,
    inbox: Inbox,
    author: Account,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await forgot(client, "author@example.com")
    token = inbox.reset_token()
    expiry = datetime.now(UTC) + timedelta(minutes=5)
    await session.execute(update(PasswordResetToken).values(expires_at=expiry))
    await session.commit()
    monkeypatch.setattr(service, "utcnow", lambda: expiry)
    html = (await client.get("/reset-password", params={"token": token})).text
    assert "This link has been used or has expired" in html
    assert await reset(client, token) == 400
