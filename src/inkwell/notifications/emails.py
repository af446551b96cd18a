"""The emails of comment notifications, sent after the COMMIT and never twice.

The notifications service creates a comment's notifications `pending` in the comment's
transaction and registers `Outbox.deliver` with `inkwell.transactions.after_commit`: it
runs once the transaction has committed (after the response is sent), never on a rollback.

Each email is claimed before it is sent (one conditional UPDATE, see
`service.claim_emails`): whoever else tries to send the same notification, a second call or
another instance, finds it taken. Failed tries are retried by the sender holding the claim,
so a mailer that is slow or fails once still delivers exactly one email. The notification's
id is the email's idempotency key, also given to the relay as its Message-ID. A process
that stops between the COMMIT and the claim leaves its emails pending: every instance
sweeps them up, every NOTIFICATION_EMAIL_SWEEP_SECONDS, once they are
NOTIFICATION_EMAIL_STALE_SECONDS old (`Outbox.sweep`; the claim keeps that to one email too).
A process that dies between the claim and the send loses that email (at most once, never
twice).

The emails of what a suspended user did are dropped, not held until the suspension is
lifted. Suspending them drops those still pending (`service.drop_pending_emails`, in the
suspension's transaction: an email it drops was not claimed, so it is never sent), and a
sender drops any it claims whose actor is suspended when it reads them (the sweep finding
one left pending). An email tells of a comment now; held through a suspension, often days
of an admin's look at the account, they would arrive together after it as a burst of stale
news, about comments the reader would meet anyway: the notifications themselves come back,
as they were, on the page. An email a sender claimed before the suspension committed is
past stopping (being handed to the relay, or retried).

Every email carries a one-click unsubscribe link (a signed token of its own audience) in
its body and in the List-Unsubscribe header (RFC 8058's one-click POST is answered too).
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from email.message import EmailMessage
from typing import Annotated, Literal, Self
from urllib.parse import urlencode, urlsplit

import jwt
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth.signing import Signer
from inkwell.background import repeating
from inkwell.config import Settings
from inkwell.db import utcnow
from inkwell.errors import BadRequest, ErrorCode
from inkwell.mail.service import Mailer, Sender, compose
from inkwell.notifications import service
from inkwell.notifications.models import EmailStatus, Kind
from inkwell.notifications.rows import CommentEmail
from inkwell.schemas import MAX_ID

logger = logging.getLogger(__name__)

AUDIENCE = "inkwell:unsubscribe"
TOKEN_TYPE: Literal["unsubscribe"] = "unsubscribe"  # noqa: S105  (a claim, not a password)
# A signed token naming a user id: a few hundred characters; more is no token of ours.
UNSUBSCRIBE_TOKEN_MAX_LENGTH = 1000
QUOTED_CHARS = 500
# Stale emails claimed and sent per turn of a sweep, so a backlog never becomes one huge claim.
SWEEP_BATCH = 100


class InvalidUnsubscribeLink(BadRequest):
    code = ErrorCode.UNSUBSCRIBE_LINK_INVALID

    def __init__(self) -> None:
        super().__init__(
            "This unsubscribe link is invalid or has expired. You can turn notification "
            "emails off on your account page."
        )


class UnsubscribeClaims(BaseModel):
    user_id: Annotated[int, Field(alias="sub", ge=1, le=MAX_ID)]
    token_type: Annotated[Literal["unsubscribe"], Field(alias="typ")]


class UnsubscribeTokens:
    def __init__(self, *, key: str, algorithm: str, lifetime: timedelta) -> None:
        self._signer = Signer(key, algorithm, AUDIENCE, lifetime)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            key=settings.signing_key,
            algorithm=settings.jwt_algorithm,
            lifetime=timedelta(days=settings.unsubscribe_link_days),
        )

    def issue(self, user_id: int) -> str:
        return self._signer.sign(user_id, {"typ": TOKEN_TYPE})

    def read(self, token: str) -> int:
        """The user the link was made for; a forged, expired or foreign token is a 400."""
        try:
            claims = self._signer.verify(token, requires=("typ",))
            return UnsubscribeClaims.model_validate(claims).user_id
        except (jwt.InvalidTokenError, ValidationError) as exc:
            raise InvalidUnsubscribeLink from exc


def _one_line(text: str) -> str:
    """A title as a header may carry it: no line breaks or other control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _quoted(body: str) -> str:
    cut = body if len(body) <= QUOTED_CHARS else body[:QUOTED_CHARS].rstrip() + "…"
    return "\n".join(f"> {line}" for line in cut.splitlines())


class Outbox:
    """Sends the emails of committed comment notifications (see the module's docstring)."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        mailer: Mailer,
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._mailer = mailer
        self.tokens = UnsubscribeTokens.from_settings(settings)

    async def deliver(self, notification_ids: Sequence[int]) -> None:
        async with self._sessionmaker() as session, session.begin():
            emails = await service.claim_emails(session, notification_ids)
        if not emails:
            return
        outcomes: dict[EmailStatus, list[int]] = defaultdict(list)
        async with self._mailer.connected() as sender:
            for email in emails:
                if not email.actor_active:
                    status = EmailStatus.DROPPED
                elif not email.wants_email:
                    status = EmailStatus.SKIPPED
                else:
                    status = await self._send(sender, email)
                outcomes[status].append(email.notification_id)
        async with self._sessionmaker() as session, session.begin():
            await service.settle_emails(session, outcomes)

    async def sweep(self) -> int:
        """Sends the emails still pending NOTIFICATION_EMAIL_STALE_SECONDS after they were
        made, a batch at a time; answers how many were found."""
        created_before = utcnow() - timedelta(
            seconds=self._settings.notification_email_stale_seconds
        )
        found = 0
        while True:
            async with self._sessionmaker() as session:
                ids = await service.stale_pending_emails(
                    session, created_before=created_before, limit=SWEEP_BATCH
                )
            if ids:
                await self.deliver(ids)
            found += len(ids)
            if len(ids) < SWEEP_BATCH:
                return found

    async def _sweep_while_running(self) -> AsyncIterator[None]:
        """Sweeps every NOTIFICATION_EMAIL_SWEEP_SECONDS (unless 0) while the app runs."""
        seconds = self._settings.notification_email_sweep_seconds
        if not seconds:
            yield
            return
        failure = "the sweep of pending notification emails failed"
        async with repeating(self.sweep, every=seconds, logger=logger, failure=failure):
            yield

    # Not @asynccontextmanager: mutmut mutates no decorated function (make mutation).
    sweeping = asynccontextmanager(_sweep_while_running)

    async def _send(self, sender: Sender, email: CommentEmail) -> EmailStatus:
        message = self.compose(email)
        attempts = self._settings.notification_email_attempts
        delay = self._settings.notification_email_retry_seconds
        for attempt in range(1, attempts + 1):
            try:
                await sender.send(message)
            except Exception:
                logger.exception(
                    "could not send the email of notification %d (try %d of %d)",
                    email.notification_id,
                    attempt,
                    attempts,
                )
                if attempt < attempts:
                    await asyncio.sleep(delay * 2 ** (attempt - 1))
            else:
                return EmailStatus.SENT
        return EmailStatus.FAILED

    def unsubscribe_link(self, user_id: int) -> str:
        base = self._settings.public_base_url.rstrip("/")
        return f"{base}/unsubscribe?{urlencode({'token': self.tokens.issue(user_id)})}"

    def compose(self, email: CommentEmail) -> EmailMessage:
        settings = self._settings
        base = settings.public_base_url.rstrip("/")
        title = _one_line(email.post_title)
        if email.kind == Kind.COMMENT:
            subject = f"{email.actor_username} commented on your post “{title}”"
        else:
            subject = f"{email.actor_username} also commented on “{title}”"
        unsubscribe = self.unsubscribe_link(email.recipient_id)
        link = f"{base}{service.comment_link(email.post_id, email.post_slug, email.comment_id)}"
        message = compose(
            sender=settings.mail_from,
            to=email.recipient_email,
            subject=subject,
            body=(
                f"Hello {email.recipient_username},\n\n{subject}:\n\n"
                f"{_quoted(email.comment_body)}\n\n"
                f"Read it and answer: {link}\n\n"
                "--\n"
                "You get this email because comment notifications are on for your Inkwell "
                f"account. To stop them, open this link: {unsubscribe}\n"
            ),
        )
        host = urlsplit(base).hostname or "localhost"
        # The notification is the idempotency key: a relay that sees it twice may drop one.
        message["Message-ID"] = f"<notification-{email.notification_id}@{host}>"
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        return message
