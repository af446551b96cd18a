"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests.

A pytest plugin (see conftest.py): `inbox` starts a server for one test, and a test module
that sends mail points the app at it by overriding `settings` with `sending_to(inbox)`.
"""

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from inkwell.config import Settings

PUBLIC_BASE_URL = "https://blog.example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def reset_token(self) -> str:
        """The token in the link of the latest email."""
        return link_token(self.messages[-1])

    def sent_to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


def link_token(message: EmailMessage) -> str:
    """The token in the message's link."""
    body = message.get_body(("plain",))
    assert body is not None
    link = re.search(r"https?://\S+", body.get_content())
    assert link is not None
    return parse_qs(urlsplit(link.group()).query)["token"][0]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


def sending_to(settings: Settings, smtp_port: int) -> Settings:
    """The settings with the app's mail going to the `inbox` server on `smtp_port`."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
            "mail_from": "Inkwell <no-reply@blog.example.org>",
            "public_base_url": PUBLIC_BASE_URL,
        }
    )
