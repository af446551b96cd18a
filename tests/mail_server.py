"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests.

A pytest plugin (see conftest.py): `inbox` is what the worker's server received during one
test, and a test module that sends mail points the app at it by overriding `settings` with
`sending_to(settings, smtp_port)`.
"""

import asyncio
import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from inkwell.config import Settings
from tests.ports import free_port

PUBLIC_BASE_URL = "https://blog.example.org"


class Inbox:
    """An aiosmtpd handler keeping every message it accepts, and the connection (the
    client's address) each came over."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.connections: list[object] = []
        self.goodbyes = 0
        # As a relay that keeps no connection open: each is closed after its message.
        self.hanging_up = False

    def empty(self) -> None:
        self.messages.clear()
        self.connections.clear()
        self.goodbyes = 0
        self.hanging_up = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        assert isinstance(envelope.content, bytes)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.connections.append(session.peer)
        if self.hanging_up and server.transport is not None:
            # After the answer is written: the client has its 250, then finds the line dead.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 Message accepted"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.goodbyes += 1
        return "221 Bye"

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


@pytest.fixture(scope="session")
def mail_server() -> Iterator[Controller]:
    """One server for the worker's whole run: its port is in the settings of the tests that
    send mail, and a new port a test would make their settings, so their app, new each time."""
    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def smtp_port(mail_server: Controller) -> int:
    port: int = mail_server.port
    return port


@pytest.fixture
def inbox(mail_server: Controller) -> Inbox:
    """The messages the server receives during this test."""
    inbox = mail_server.handler
    assert isinstance(inbox, Inbox)
    inbox.empty()
    return inbox


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
