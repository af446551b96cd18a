"""The SMTP mailer over each transport security it offers, against aiosmtpd on loopback."""

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller

from inkwell.config import Settings
from inkwell.mail.service import SmtpMailer, compose, deliver
from tests.mail_server import Inbox, free_port

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
