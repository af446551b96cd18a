"""The emails of comment notifications, through a real SMTP server: sent once the comment
is committed, never on a rollback, never twice (a slow or once-failing mailer, a second
sender, the sweep), swept up when their sender stopped after the COMMIT, only while the
recipient's switch is on and their actor is not suspended (dropped, never sent later), each
with a one-click unsubscribe link. Run on both databases."""

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inkwell.app import create_app
from inkwell.comments import service as comments
from inkwell.config import Settings
from inkwell.db import create_sessionmaker, utcnow
from inkwell.mail.service import Mailer, SendsAlone, SmtpMailer
from inkwell.notifications import emails
from inkwell.notifications import service as notifications
from inkwell.notifications.emails import QUOTED_CHARS, Outbox, UnsubscribeTokens
from inkwell.notifications.models import EmailStatus, Kind, Notification
from inkwell.notifications.rows import CommentEmail
from inkwell.transactions import settled_hooks
from inkwell.users.email_change import EmailChangeTokens
from inkwell.users.models import User
from tests.conftest import Account, Api, StartedApp, started
from tests.conversation import comment, follow
from tests.factories import Factory
from tests.mail_server import PUBLIC_BASE_URL, Inbox, sending_to
from tests.notifications.helpers import kinds_of, moderate


@pytest.fixture
def settings(settings: Settings, inbox: Inbox, smtp_port: int) -> Settings:
    return sending_to(settings, smtp_port).model_copy(
        update={"notification_email_retry_seconds": 0}
    )


@pytest.fixture
async def post(api: Api, author: Account) -> dict[str, object]:
    return await api.post(author, title="On ink")


@pytest.fixture
async def replier(
    api: Api, client: AsyncClient, inbox: Inbox, reader: Account, post: dict[str, object]
) -> Account:
    """Someone about to answer `reader`'s comment under `post`; the inbox emptied of the
    email that comment sent its author."""
    await comment(client, post["id"], reader)
    other = await api.sign_up("other")
    inbox.empty()
    return other


class FailingFirst(SendsAlone):
    """A mailer whose first `failures` sends fail (the relay dropped the connection)."""

    def __init__(self, mailer: Mailer, failures: int = 1, delay: float = 0) -> None:
        self._mailer = mailer
        self.failures = failures
        self.delay = delay
        self.calls = 0

    async def send(self, message: EmailMessage) -> None:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.calls <= self.failures:
            raise ConnectionResetError("the relay hung up")
        await self._mailer.send(message)


def outbox_with(started_app: StartedApp, mailer: Mailer) -> Outbox:
    """The app's outbox, sending through `mailer` from now on."""
    state = started_app.state
    outbox = Outbox(state["settings"], state["sessionmaker"], mailer)
    state["outbox"] = outbox
    return outbox


async def email_statuses(engine: AsyncEngine) -> list[str | None]:
    async with engine.connect() as connection:
        rows = await connection.scalars(select(Notification.email_status).order_by(Notification.id))
        return list(rows)


async def turn_emails_off(client: AsyncClient, who: Account) -> None:
    off = await client.patch(
        f"/api/users/{who.id}", json={"email_notifications": False}, headers=who.headers
    )
    assert off.status_code == 200, off.text


async def lost_email(session: AsyncSession, reader: Account, post: dict[str, object]) -> int:
    """A comment committed by a process that stopped before sending its email: the
    notification's id, its email pending."""
    user = await session.get(User, reader.id)
    assert user is not None
    async with settled_hooks(session):
        made = await comments.add_comment(session, user, int(str(post["id"])), "Hi")
        await session.commit()
    return int(
        await session.scalar(select(Notification.id).where(Notification.comment_id == made.id)) or 0
    )


async def age(engine: AsyncEngine, seconds: float) -> None:
    """Every notification made `seconds` earlier than it was."""
    async with engine.begin() as connection:
        rows = (await connection.execute(select(Notification.id, Notification.created_at))).all()
        for notification_id, created_at in rows:
            await connection.execute(
                update(Notification)
                .where(Notification.id == notification_id)
                .values(created_at=created_at - timedelta(seconds=seconds))
            )


def unsubscribe_token(message: EmailMessage) -> str:
    link = message["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{PUBLIC_BASE_URL}/unsubscribe?")
    return parse_qs(urlsplit(link).query)["token"][0]


async def switch(client: AsyncClient, who: Account) -> object:
    return (await client.get("/api/users/me", headers=who.headers)).json()["email_notifications"]


async def test_a_comment_emails_the_posts_author_once_with_the_comment_and_a_way_out(
    client: AsyncClient, inbox: Inbox, author: Account, reader: Account, post: dict[str, object]
) -> None:
    said = await comment(client, post["id"], reader, "Lovely *ink*.\nSecond line.")

    [message] = inbox.messages
    assert message["To"] == "author@example.com"
    assert message["Subject"] == "reader commented on your post “On ink”"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Hello author,\n\n")
    assert "> Lovely *ink*.\n> Second line." in body
    assert f"{PUBLIC_BASE_URL}{post['url']}?comment={said['id']}#comment-{said['id']}" in body
    assert f"{PUBLIC_BASE_URL}/unsubscribe?token={unsubscribe_token(message)}" in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == "<notification-1@blog.example.org>"
    assert message["Auto-Submitted"] == "auto-generated"  # no vacation autoreply (RFC 3834)


def comment_email(comment_body: str = "Well said.") -> CommentEmail:
    return CommentEmail(
        notification_id=7, kind=Kind.COMMENT, recipient_id=1, recipient_email="a@example.com",
        recipient_username="author", wants_email=True, actor_active=True, actor_username="reader",
        post_id=3,
        post_title="On ink", post_slug="on-ink", comment_id=5, comment_body=comment_body,
    )  # fmt: skip


def composed(settings: Settings, comment_body: str = "Well said.") -> str:
    """The body of the email a comment notification would send, as the recipient reads it."""
    outbox = Outbox(settings, async_sessionmaker(), SmtpMailer(settings))
    return str(outbox.compose(comment_email(comment_body)).get_content()).replace("\r\n", "\n")


class Unreachable(SendsAlone):
    """A mailer whose relay never answers."""

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, message: EmailMessage) -> None:
        self.calls += 1
        raise ConnectionRefusedError("no relay")


async def test_a_failing_send_is_tried_again_after_delays_that_double_then_given_up(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings.model_copy(
        update={"notification_email_attempts": 3, "notification_email_retry_seconds": 5}
    )
    mailer, waits = Unreachable(), []
    sender, sleep = asyncio.current_task(), asyncio.sleep

    async def wait(seconds: float) -> None:
        """The sender's waits are recorded, not slept; another task on the loop (a test's
        left-over poll) sleeps as it asked."""
        if asyncio.current_task() is sender:
            waits.append(seconds)
        else:
            await sleep(seconds)

    outbox = Outbox(settings, async_sessionmaker(), mailer)
    with monkeypatch.context() as patch:
        patch.setattr(asyncio, "sleep", wait)
        status = await outbox._send(mailer, comment_email())

    assert (status, mailer.calls, waits) == (EmailStatus.FAILED, 3, [5, 10])
    assert [r.getMessage() for r in caplog.records if r.name == "inkwell.notifications.emails"] == [
        f"could not send the email of notification 7 (try {n} of 3)" for n in (1, 2, 3)
    ]


def test_a_comment_is_quoted_whole_up_to_its_500th_character(settings: Settings) -> None:
    body = "x" * (QUOTED_CHARS - 1) + "y"
    assert f"\n> {body}\n" in composed(settings, body)


def test_a_longer_comment_is_quoted_cut_at_a_word_with_an_ellipsis(settings: Settings) -> None:
    body = "x" * (QUOTED_CHARS - 1) + " and the rest"
    assert f"\n> {'x' * (QUOTED_CHARS - 1)}…\n" in composed(settings, body)


def test_the_links_of_an_email_have_one_slash_after_a_public_base_url_ending_in_one(
    settings: Settings,
) -> None:
    text = composed(settings.model_copy(update={"public_base_url": f"{PUBLIC_BASE_URL}/"}))
    assert f" {PUBLIC_BASE_URL}/posts/3-on-ink?comment=5#comment-5\n" in text
    assert f" {PUBLIC_BASE_URL}/unsubscribe?token=" in text


def message_of(settings: Settings, email: CommentEmail | None = None) -> EmailMessage:
    outbox = Outbox(settings, async_sessionmaker(), SmtpMailer(settings))
    return outbox.compose(email or comment_email())


def test_the_body_greets_quotes_links_and_says_why_it_came_and_how_to_stop(
    settings: Settings,
) -> None:
    body = str(message_of(settings).get_content()).replace("\r\n", "\n")
    assert re.sub(r"token=[\w.-]+", "token=T", body) == (
        "Hello author,\n\n"
        "reader commented on your post “On ink”:\n\n"
        "> Well said.\n\n"
        f"Read it and answer: {PUBLIC_BASE_URL}/posts/3-on-ink?comment=5#comment-5\n\n"
        "--\n"
        "You get this email because comment notifications are on for your Inkwell account. "
        f"To stop them, open this link: {PUBLIC_BASE_URL}/unsubscribe?token=T\n"
    )


def test_the_links_keep_the_public_base_url_whole_but_its_trailing_slash(
    settings: Settings,
) -> None:
    base = "https://example.com/sites/X"
    message = message_of(settings.model_copy(update={"public_base_url": f"{base}/"}))
    assert f" {base}/posts/3-on-ink?comment=5#comment-5\n" in str(message.get_content())
    assert message["List-Unsubscribe"].startswith(f"<{base}/unsubscribe?token=")


def test_the_message_id_names_localhost_when_the_public_base_url_names_no_host(
    settings: Settings,
) -> None:
    message = message_of(settings.model_copy(update={"public_base_url": "/"}))
    assert message["Message-ID"] == "<notification-7@localhost>"


def test_a_title_with_control_characters_makes_a_one_line_subject(settings: Settings) -> None:
    email = dataclasses.replace(comment_email(), post_title="On\x07ink,\r\n\tin  brief\x00")
    assert (
        message_of(settings, email)["Subject"] == "reader commented on your post “On ink, in brief”"
    )


async def test_a_reply_emails_the_earlier_commenters_and_a_follow_emails_no_one(
    *,
    client: AsyncClient, inbox: Inbox, reader: Account, replier: Account,
    post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    await comment(client, post["id"], replier)
    await follow(client, replier, reader)

    assert sorted(message["To"] for message in inbox.messages) == [
        "author@example.com", "reader@example.com",
    ]  # fmt: skip
    [reply] = inbox.sent_to("reader@example.com")
    assert reply["Subject"] == "other also commented on “On ink”"
    assert await email_statuses(engine) == ["sent", "sent", "sent", None]


async def test_the_emails_of_one_comment_go_over_one_connection_to_the_relay(
    client: AsyncClient, inbox: Inbox, replier: Account, post: dict[str, object]
) -> None:
    await comment(client, post["id"], replier)

    assert len(inbox.messages) == 2
    assert len(set(inbox.connections)) == 1
    assert inbox.goodbyes == 1


async def test_a_relay_that_hangs_up_after_each_email_still_gets_each_once(
    *,
    client: AsyncClient, inbox: Inbox, replier: Account, post: dict[str, object],
    engine: AsyncEngine,
) -> None:  # fmt: skip
    """The second email finds the connection closed, before sending or in the middle (then
    tried again): either way over a new one."""
    inbox.hanging_up = True

    await comment(client, post["id"], replier)

    assert sorted(message["To"] for message in inbox.messages) == [
        "author@example.com", "reader@example.com",
    ]  # fmt: skip
    assert len(set(inbox.connections)) == 2
    assert await email_statuses(engine) == ["sent", "sent", "sent"]


async def test_a_reply_emails_only_the_earlier_commenters_who_want_emails_once_each(
    *,
    api: Api, client: AsyncClient, inbox: Inbox, author: Account, reader: Account,
    post: dict[str, object],
) -> None:  # fmt: skip
    quiet = await api.sign_up("quiet")
    await turn_emails_off(client, quiet)
    await comment(client, post["id"], reader)
    await comment(client, post["id"], quiet)
    other = await api.sign_up("other")
    inbox.messages.clear()

    await comment(client, post["id"], other)

    assert sorted(message["To"] for message in inbox.messages) == [
        "author@example.com", "reader@example.com",
    ]  # fmt: skip
    assert await kinds_of(client, quiet) == [("reply", "other")]
    assert await kinds_of(client, reader) == [("reply", "other"), ("reply", "quiet")]


async def test_a_reply_email_follows_the_commenter_s_choice_not_the_post_author_s(
    *,
    api: Api, client: AsyncClient, inbox: Inbox, author: Account, reader: Account,
    post: dict[str, object],
) -> None:  # fmt: skip
    await turn_emails_off(client, author)
    await comment(client, post["id"], reader)
    other = await api.sign_up("other")

    await comment(client, post["id"], other)

    assert [message["To"] for message in inbox.messages] == ["reader@example.com"]


async def test_the_switch_stops_and_restarts_the_emails(
    client: AsyncClient, inbox: Inbox, author: Account, reader: Account, post: dict[str, object]
) -> None:
    off = await client.patch(
        f"/api/users/{author.id}", json={"email_notifications": False}, headers=author.headers
    )
    assert (off.status_code, off.json()["email_notifications"]) == (200, False)
    await comment(client, post["id"], reader)
    assert inbox.messages == []

    on = await client.patch(
        f"/api/users/{author.id}", json={"email_notifications": True}, headers=author.headers
    )
    assert on.json()["email_notifications"] is True
    await comment(client, post["id"], reader)
    assert [message["To"] for message in inbox.messages] == ["author@example.com"]


async def test_the_switch_is_on_for_a_new_account(client: AsyncClient, reader: Account) -> None:
    assert await switch(client, reader) is True


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


async def test_nothing_is_emailed_or_kept_when_the_comment_is_rolled_back(
    *,
    started_app: StartedApp,
    session: AsyncSession,
    inbox: Inbox,
    author: Account,
    reader: Account,
    post: dict[str, object],
    engine: AsyncEngine,
) -> None:
    outbox = started_app.state["outbox"]
    user = await session.get(User, reader.id)
    assert user is not None
    async with settled_hooks(session):
        await comments.add_comment(session, user, int(str(post["id"])), "Hi", outbox=outbox)
        await session.rollback()
    assert inbox.messages == []
    assert await email_statuses(engine) == []

    async with settled_hooks(session):
        user = await session.get(User, reader.id)
        assert user is not None
        await comments.add_comment(session, user, int(str(post["id"])), "Hi", outbox=outbox)
        await session.commit()
    assert [message["To"] for message in inbox.messages] == ["author@example.com"]


async def test_a_mailer_that_fails_once_still_sends_exactly_one_email(
    *,
    client: AsyncClient,
    started_app: StartedApp,
    inbox: Inbox,
    reader: Account,
    post: dict[str, object],
    engine: AsyncEngine,
) -> None:
    flaky = FailingFirst(SmtpMailer(started_app.state["settings"]))
    outbox = outbox_with(started_app, flaky)

    await comment(client, post["id"], reader)
    [notification] = await client_notification_ids(engine)
    notification_id = notification.id
    await outbox.deliver([notification_id])  # a second sender, after the first

    assert flaky.calls == 2
    assert len(inbox.messages) == 1
    assert await email_statuses(engine) == ["sent"]


async def client_notification_ids(engine: AsyncEngine) -> list[Notification]:
    async with AsyncSession(engine) as session:
        return list(await session.scalars(select(Notification)))


async def test_a_slow_mailer_and_a_second_sender_at_once_send_exactly_one_email(
    *,
    started_app: StartedApp,
    session: AsyncSession,
    inbox: Inbox,
    reader: Account,
    post: dict[str, object],
    engine: AsyncEngine,
) -> None:
    slow = FailingFirst(SmtpMailer(started_app.state["settings"]), failures=0, delay=0.3)
    outbox = Outbox(started_app.state["settings"], create_sessionmaker(engine), slow)
    user = await session.get(User, reader.id)
    assert user is not None
    async with settled_hooks(session):
        comment_row = await comments.add_comment(session, user, int(str(post["id"])), "Hi")
        await session.commit()
    ids = list(
        await session.scalars(
            select(Notification.id).where(Notification.comment_id == comment_row.id)
        )
    )

    await asyncio.gather(outbox.deliver(ids), outbox.deliver(ids), outbox.deliver(ids))

    assert slow.calls == 1
    assert len(inbox.messages) == 1
    assert await email_statuses(engine) == ["sent"]


async def test_an_email_is_marked_as_being_sent_while_its_mailer_sends_it(
    *, client: AsyncClient, started_app: StartedApp, inbox: Inbox, reader: Account,
    post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    """Claimed and committed before the send: no other sender takes it, and the sweep tells
    it from one never sent."""
    mailer = SmtpMailer(started_app.state["settings"])
    seen_while_sending: list[list[str | None]] = []

    class Watching(SendsAlone):
        async def send(self, message: EmailMessage) -> None:
            seen_while_sending.append(await email_statuses(engine))
            await mailer.send(message)

    outbox_with(started_app, Watching())

    await comment(client, post["id"], reader)

    assert seen_while_sending == [["sending"]]
    assert await email_statuses(engine) == ["sent"]
    assert len(inbox.messages) == 1


async def test_a_mailer_that_always_fails_gives_up_and_the_comment_stands(
    *,
    client: AsyncClient,
    started_app: StartedApp,
    inbox: Inbox,
    reader: Account,
    post: dict[str, object],
    engine: AsyncEngine,
) -> None:
    broken = FailingFirst(SmtpMailer(started_app.state["settings"]), failures=100)
    outbox_with(started_app, broken)

    await comment(client, post["id"], reader)

    assert broken.calls == started_app.state["settings"].notification_email_attempts
    assert inbox.messages == []
    assert await email_statuses(engine) == ["failed"]


async def test_an_email_turned_off_before_it_is_sent_is_skipped(
    *,
    started_app: StartedApp,
    session: AsyncSession,
    inbox: Inbox,
    author: Account,
    reader: Account,
    post: dict[str, object],
    engine: AsyncEngine,
) -> None:
    user = await session.get(User, reader.id)
    assert user is not None
    async with settled_hooks(session):
        await comments.add_comment(session, user, int(str(post["id"])), "Hi")
        await session.commit()
    async with engine.begin() as connection:
        await connection.execute(
            update(User).where(User.id == author.id).values(email_notifications=False)
        )
    ids = [notification.id for notification in await client_notification_ids(engine)]

    await started_app.state["outbox"].deliver(ids)

    assert inbox.messages == []
    assert await email_statuses(engine) == ["skipped"]


async def test_the_unsubscribe_link_turns_the_emails_off_in_one_click(
    client: AsyncClient, inbox: Inbox, author: Account, reader: Account, post: dict[str, object]
) -> None:
    await comment(client, post["id"], reader)
    token = unsubscribe_token(inbox.messages[-1])

    first = await client.get("/unsubscribe", params={"token": token})
    again = await client.get("/unsubscribe", params={"token": token})

    assert first.status_code == again.status_code == 200
    assert "You will get no more notification emails" in first.text
    assert await switch(client, author) is False
    await comment(client, post["id"], reader)
    assert len(inbox.messages) == 1


async def test_a_mail_clients_one_click_post_turns_the_emails_off(
    client: AsyncClient, inbox: Inbox, author: Account, reader: Account, post: dict[str, object]
) -> None:
    await comment(client, post["id"], reader)
    link = inbox.messages[-1]["List-Unsubscribe"].strip("<>").removeprefix(PUBLIC_BASE_URL)

    response = await client.post(link, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert await switch(client, author) is False


def expired_token(settings: Settings, user_id: int) -> str:
    tokens = UnsubscribeTokens(
        key=settings.signing_key, algorithm=settings.jwt_algorithm, lifetime=timedelta(seconds=-1)
    )
    return tokens.issue(user_id)


def foreign_token(settings: Settings, user_id: int) -> str:
    """A real token of this site, made for another use (an email change)."""
    tokens = EmailChangeTokens(
        key=settings.signing_key, algorithm=settings.jwt_algorithm, lifetime=timedelta(hours=1)
    )
    user = User(id=user_id, username="x", email="x@example.com", security_stamp="s" * 32)
    return tokens.issue(user, "y@example.com")


@pytest.mark.parametrize("make", ["forged", "expired", "foreign", "missing"])
async def test_a_forged_expired_or_foreign_unsubscribe_link_is_a_clear_400_page(
    client: AsyncClient, settings: Settings, author: Account, make: str
) -> None:
    tokens = {
        "forged": UnsubscribeTokens(
            key="another key, of someone else's site, long enough",
            algorithm=settings.jwt_algorithm,
            lifetime=timedelta(days=1),
        ).issue(int(str(author.id))),
        "expired": expired_token(settings, int(str(author.id))),
        "foreign": foreign_token(settings, int(str(author.id))),
        "missing": "",
    }

    response = await client.get("/unsubscribe", params={"token": tokens[make]})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert (
        "This unsubscribe link is invalid or has expired. You can turn notification emails off"
        " on your account page." in response.text
    )
    assert await switch(client, author) is True


# The sweep: emails whose sender stopped between the COMMIT and the send


async def test_the_sweep_sends_an_email_left_pending_past_the_stale_age(
    *, started_app: StartedApp, session: AsyncSession, inbox: Inbox, reader: Account,
    post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    await lost_email(session, reader, post)
    await age(engine, started_app.state["settings"].notification_email_stale_seconds + 1)

    assert await started_app.state["outbox"].sweep() == 1

    assert [message["To"] for message in inbox.messages] == ["author@example.com"]
    assert await email_statuses(engine) == ["sent"]
    assert await started_app.state["outbox"].sweep() == 0
    assert len(inbox.messages) == 1


async def test_the_sweep_leaves_a_fresh_pending_email_to_its_own_sender(
    *, started_app: StartedApp, session: AsyncSession, inbox: Inbox, reader: Account,
    post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    notification_id = await lost_email(session, reader, post)

    assert await started_app.state["outbox"].sweep() == 0
    assert inbox.messages == []
    await started_app.state["outbox"].deliver([notification_id])
    assert len(inbox.messages) == 1


async def test_the_sweep_and_a_late_first_sender_send_exactly_one_email(
    *, started_app: StartedApp, session: AsyncSession, inbox: Inbox, reader: Account,
    post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    slow = FailingFirst(SmtpMailer(started_app.state["settings"]), failures=0, delay=0.2)
    outbox = Outbox(started_app.state["settings"], create_sessionmaker(engine), slow)
    notification_id = await lost_email(session, reader, post)
    await age(engine, started_app.state["settings"].notification_email_stale_seconds + 1)

    await asyncio.gather(outbox.sweep(), outbox.deliver([notification_id]), outbox.sweep())

    assert slow.calls == 1
    assert len(inbox.messages) == 1
    assert await email_statuses(engine) == ["sent"]


async def test_the_sweep_never_sends_again_an_email_another_sender_has_claimed(
    *, started_app: StartedApp, session: AsyncSession, inbox: Inbox, reader: Account,
    post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    """A sender that claimed the email and died: lost, at most once, never twice."""
    await lost_email(session, reader, post)
    async with engine.begin() as connection:
        await connection.execute(update(Notification).values(email_status="sending"))
    await age(engine, 3600)

    assert await started_app.state["outbox"].sweep() == 0
    assert inbox.messages == []
    assert await email_statuses(engine) == ["sending"]


async def test_the_sweep_takes_a_backlog_a_batch_at_a_time_until_it_is_done(
    *, started_app: StartedApp, session: AsyncSession, inbox: Inbox, api: Api,
    post: dict[str, object], engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(emails, "SWEEP_BATCH", 2)
    for name in ("ann", "bob", "cyd", "dee", "eve"):
        await lost_email(session, await api.sign_up(name), post)
    await age(engine, started_app.state["settings"].notification_email_stale_seconds + 1)

    pending = len(await email_statuses(engine))  # the author's five, the earlier commenters'
    outbox = started_app.state["outbox"]
    batches: list[int] = []
    deliver = outbox.deliver

    async def delivering(ids: list[int]) -> None:
        batches.append(len(ids))
        await deliver(ids)

    monkeypatch.setattr(outbox, "deliver", delivering)

    assert await outbox.sweep() == pending

    assert max(batches) == 2
    assert sum(batches) == pending

    assert len(inbox.messages) == pending
    assert len(inbox.sent_to("author@example.com")) == 5
    assert set(await email_statuses(engine)) == {"sent"}


@pytest.fixture
def sweeping_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"notification_email_sweep_seconds": 0.05, "notification_email_stale_seconds": 1}
    )


async def test_a_running_app_sweeps_on_its_own_and_a_failed_sweep_is_retried(
    *, sweeping_settings: Settings, session: AsyncSession, inbox: Inbox, reader: Account,
    post: dict[str, object], engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    await lost_email(session, reader, post)
    await age(engine, 2)
    find = notifications.stale_pending_emails
    failures = [ConnectionResetError("the database went away")]

    async def failing_once(*args: object, **kwargs: Any) -> list[int]:
        if failures:
            raise failures.pop()
        return await find(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(notifications, "stale_pending_emails", failing_once)
    async with started(create_app(sweeping_settings)):
        async with asyncio.timeout(10):
            while not inbox.messages:
                await asyncio.sleep(0.05)

    assert [message["To"] for message in inbox.messages] == ["author@example.com"]
    failed = [record for record in caplog.records if record.exc_info]
    assert [record.getMessage() for record in failed] == [
        "the sweep of pending notification emails failed"
    ]


# A suspended actor's emails: dropped, never sent, not even once the suspension is lifted


@pytest.fixture
async def admin(factory: Factory) -> Account:
    return await factory.account("admin", role="admin")


async def test_suspending_the_commenter_drops_their_pending_emails(
    *, client: AsyncClient, started_app: StartedApp, session: AsyncSession, inbox: Inbox,
    admin: Account, reader: Account, post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    notification_id = await lost_email(session, reader, post)
    await moderate(client, admin, "suspend", reader)
    await age(engine, started_app.state["settings"].notification_email_stale_seconds + 1)

    assert await started_app.state["outbox"].sweep() == 0
    await started_app.state["outbox"].deliver([notification_id])  # its late first sender

    assert inbox.messages == []
    assert await email_statuses(engine) == ["dropped"]


async def test_lifting_the_suspension_sends_no_burst_of_the_dropped_emails(
    *, client: AsyncClient, started_app: StartedApp, session: AsyncSession, inbox: Inbox,
    admin: Account, reader: Account, post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    for _ in range(3):
        await lost_email(session, reader, post)
    await moderate(client, admin, "suspend", reader)
    await moderate(client, admin, "unsuspend", reader)
    await age(engine, started_app.state["settings"].notification_email_stale_seconds + 1)

    assert await started_app.state["outbox"].sweep() == 0

    assert inbox.messages == []
    assert await email_statuses(engine) == ["dropped"] * 3


async def test_a_comment_after_the_suspension_is_lifted_is_emailed_again(
    *, client: AsyncClient, api: Api, session: AsyncSession, inbox: Inbox, admin: Account,
    reader: Account, post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    await lost_email(session, reader, post)
    await moderate(client, admin, "suspend", reader)
    await moderate(client, admin, "unsuspend", reader)

    await comment(client, post["id"], Account(reader.user, await api.login("reader")))

    assert [message["To"] for message in inbox.messages] == ["author@example.com"]
    assert await email_statuses(engine) == ["dropped", "sent"]


async def test_a_suspension_drops_only_the_suspended_actors_emails(
    *, client: AsyncClient, api: Api, started_app: StartedApp, session: AsyncSession,
    inbox: Inbox, admin: Account, reader: Account, post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    villain = await api.sign_up("villain")
    await lost_email(session, reader, post)
    await lost_email(session, villain, post)  # to the author, and a reply to the reader
    await moderate(client, admin, "suspend", villain)
    await age(engine, started_app.state["settings"].notification_email_stale_seconds + 1)

    assert await started_app.state["outbox"].sweep() == 1

    [message] = inbox.messages
    assert (message["To"], message["Subject"]) == (
        "author@example.com", "reader commented on your post “On ink”",
    )  # fmt: skip
    assert await email_statuses(engine) == ["sent", "dropped", "dropped"]


async def test_a_suspension_leaves_the_emails_already_sent_as_they_were(
    *, client: AsyncClient, api: Api, inbox: Inbox, admin: Account, post: dict[str, object],
    engine: AsyncEngine,
) -> None:  # fmt: skip
    villain = await api.sign_up("villain")
    await comment(client, post["id"], villain)
    assert len(inbox.messages) == 1

    await moderate(client, admin, "suspend", villain)

    assert await email_statuses(engine) == ["sent"]


async def test_a_sender_drops_an_email_whose_actor_is_suspended_when_it_claims_it(
    *, started_app: StartedApp, session: AsyncSession, inbox: Inbox, reader: Account,
    post: dict[str, object], engine: AsyncEngine,
) -> None:  # fmt: skip
    """A pending email the suspension did not drop (its user suspended before the rule)."""
    notification_id = await lost_email(session, reader, post)
    async with engine.begin() as connection:
        await connection.execute(
            update(User).where(User.id == reader.id).values(suspended_at=utcnow())
        )

    await started_app.state["outbox"].deliver([notification_id])

    assert inbox.messages == []
    assert await email_statuses(engine) == ["dropped"]
