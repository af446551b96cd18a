"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests."""

import re
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.smtp import SMTP, Envelope, Session


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
        body = self.messages[-1].get_body(("plain",))
        assert body is not None
        link = re.search(r"https?://\S+", body.get_content())
        assert link is not None
        return parse_qs(urlsplit(link.group()).query)["token"][0]
