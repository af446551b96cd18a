"""Sending email: SMTP when SMTP_HOST is set, otherwise the log, so a developer can read it."""

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from email.message import EmailMessage
from typing import Protocol, Self

import aiosmtplib

from inkwell.mail.config import MailSettings

logger = logging.getLogger(__name__)


class Sender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class Mailer(Sender, Protocol):
    def connected(self) -> AbstractAsyncContextManager[Sender]:
        """A sender for several emails in a row, over one connection to the relay where
        there is one: a new connection (and TLS handshake) for each costs the relay's round
        trips and ~1 ms of CPU an email more, without TLS."""
        ...


class SendsAlone:
    """For a mailer that keeps no connection: several emails are sent as one is."""

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[Self]:
        yield self


class SmtpConnection:
    """One SMTP connection, opened at the first send and again whenever the last one was
    closed: by the relay (an idle connection it hung up) or after a failed send, whose
    connection is dropped, so that a retry starts afresh."""

    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings
        self._client: aiosmtplib.SMTP | None = None

    def _new_client(self) -> aiosmtplib.SMTP:
        settings = self._settings
        password = settings.smtp_password
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password.get_secret_value() if password is not None else None,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=settings.smtp_timeout,
            cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        )

    def _open_client(self) -> aiosmtplib.SMTP | None:
        """The client while its connection is open; None before the first send, after a
        failed one, or once the relay has hung up."""
        client = self._client
        return client if client is not None and client.is_connected else None

    @property
    def is_open(self) -> bool:
        return self._open_client() is not None

    async def send(self, message: EmailMessage) -> None:
        client = self._open_client()
        if client is None:
            client = self._client = self._new_client()
            await client.connect()
        try:
            await client.send_message(message)
        except BaseException:
            client.close()
            raise

    async def quit(self) -> None:
        """Says goodbye if still connected; a relay that has gone already is no error."""
        client = self._open_client()
        if client is not None:
            with suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()
            client.close()


class SmtpMailer:
    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings

    async def send(self, message: EmailMessage) -> None:
        async with self.connected() as connection:
            await connection.send(message)

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[Sender]:
        connection = SmtpConnection(self._settings)
        try:
            yield connection
        finally:
            await connection.quit()


class LogMailer(SendsAlone):
    async def send(self, message: EmailMessage) -> None:
        """Decoded, so a developer can follow the link (the wire form may be quoted-printable)."""
        logger.warning(
            "SMTP_HOST is not set; this email was not sent.\nTo: %s\nSubject: %s\n\n%s",
            message["To"],
            message["Subject"],
            message.get_content(),
        )


def create_mailer(settings: MailSettings) -> Mailer:
    return SmtpMailer(settings) if settings.smtp_host is not None else LogMailer()


def compose(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


async def deliver(mailer: Mailer, message: EmailMessage) -> None:
    """Runs after the response is sent: nobody waits for it, so a failure is only logged."""
    try:
        await mailer.send(message)
    except (aiosmtplib.SMTPException, OSError):
        logger.exception("could not send the email %r to %s", message["Subject"], message["To"])
