"""Sending email: SMTP when SMTP_HOST is set, otherwise the log, so a developer can read it."""

import logging
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from inkwell.mail.config import MailSettings

logger = logging.getLogger(__name__)


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings

    async def send(self, message: EmailMessage) -> None:
        settings = self._settings
        password = settings.smtp_password
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password.get_secret_value() if password is not None else None,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=settings.smtp_timeout,
            cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        )


class LogMailer:
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
