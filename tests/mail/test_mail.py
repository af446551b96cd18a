"""The SMTP mailer over each transport security it offers, and over one connection for
emails in a row, against aiosmtpd on loopback; the log mailer."""

import asyncio
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from inkwell.config import Settings
from inkwell.mail.service import LogMailer, Sender, SmtpConnection, SmtpMailer, compose, deliver
from tests.mail_server import Inbox
from tests.ports import free_port

MESSAGE = {"sender": "a@example.com", "to": "b@example.com", "subject": "Hi", "body": "Hello."}


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@contextmanager
def serve(inbox: Inbox, port: int, **options: Any) -> Iterator[None]:
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield
    controller.stop()


def mailer(port: int, **settings: Any) -> SmtpMailer:
    return SmtpMailer(Settings(_env_file=None, smtp_host="127.0.0.1", smtp_port=port, **settings))  # type: ignore[call-arg]


async def test_starttls_upgrades_the_connection_before_sending(
    server_tls: ssl.SSLContext, ca_file: Path
) -> None:
    inbox, port = Inbox(), free_port()
    with serve(inbox, port, tls_context=server_tls, require_starttls=True):
        await mailer(port, smtp_security="starttls", smtp_ca_file=ca_file).send(compose(**MESSAGE))
    assert [message["Subject"] for message in inbox.messages] == ["Hi"]


async def test_implicit_tls_sends_over_an_encrypted_connection(
    server_tls: ssl.SSLContext, ca_file: Path
) -> None:
    inbox, port = Inbox(), free_port()
    with serve(inbox, port, ssl_context=server_tls):
        await mailer(port, smtp_security="tls", smtp_ca_file=ca_file).send(compose(**MESSAGE))
    assert [message["Subject"] for message in inbox.messages] == ["Hi"]


async def test_an_untrusted_certificate_is_refused_and_logged(
    server_tls: ssl.SSLContext, caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = Inbox(), free_port()
    with serve(inbox, port, tls_context=server_tls, require_starttls=True):
        await deliver(mailer(port, smtp_security="starttls"), compose(**MESSAGE))
    assert inbox.messages == []
    assert "could not send the email 'Hi' to b@example.com" in caplog.text


def message(subject: str) -> EmailMessage:
    return compose(**MESSAGE | {"subject": subject})


async def test_emails_sent_in_a_row_share_one_connection_that_ends_with_a_goodbye() -> None:
    inbox, port = Inbox(), free_port()
    with serve(inbox, port):
        async with mailer(port, smtp_security="none").connected() as sender:
            for subject in ("One", "Two", "Three"):
                await sender.send(message(subject))
    assert [sent["Subject"] for sent in inbox.messages] == ["One", "Two", "Three"]
    assert len(set(inbox.connections)) == 1
    assert inbox.goodbyes == 1


class RefusingTheFirst(Inbox):
    """A relay that answers the first message with a temporary failure."""

    def __init__(self) -> None:
        super().__init__()
        self.refused_on: object = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refused_on is None:
            self.refused_on = session.peer
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


async def test_a_failed_send_drops_its_connection_and_the_next_opens_another() -> None:
    inbox, port = RefusingTheFirst(), free_port()
    with serve(inbox, port):
        async with mailer(port, smtp_security="none").connected() as sender:
            with pytest.raises(aiosmtplib.SMTPDataError):
                await sender.send(message("Refused"))
            await sender.send(message("Again"))
    assert [sent["Subject"] for sent in inbox.messages] == ["Again"]
    assert inbox.connections != [inbox.refused_on]


async def until_closed(sender: Sender) -> None:
    assert isinstance(sender, SmtpConnection)
    async with asyncio.timeout(10):
        while sender.is_open:
            await asyncio.sleep(0.01)


async def test_a_connection_the_relay_closed_is_opened_again() -> None:
    """A relay may hang up on an idle connection: the next email opens a new one."""
    inbox, port = Inbox(), free_port()
    inbox.hanging_up = True
    with serve(inbox, port):
        async with mailer(port, smtp_security="none").connected() as sender:
            await sender.send(message("One"))
            await until_closed(sender)
            await sender.send(message("Two"))
    assert [sent["Subject"] for sent in inbox.messages] == ["One", "Two"]
    assert len(set(inbox.connections)) == 2


async def test_the_log_mailer_logs_each_email_of_a_row(caplog: pytest.LogCaptureFixture) -> None:
    async with LogMailer().connected() as sender:
        await sender.send(message("One"))
        await sender.send(message("Two"))
    assert [record.getMessage().split("\n")[2] for record in caplog.records] == [
        "Subject: One",
        "Subject: Two",
    ]
