"""Sign-in and password reset; nothing here commits, except the reset link's own session
(send_password_reset), which runs after the response."""

import hashlib
import logging
import secrets
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlencode

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth.models import PasswordResetToken
from inkwell.auth.ratelimit import PasswordGuard
from inkwell.config import Settings
from inkwell.db import utcnow
from inkwell.errors import BadRequest, ErrorCode, Forbidden, Unauthorized
from inkwell.mail.service import Mailer, compose, deliver
from inkwell.security import PasswordHasher
from inkwell.users import service as users
from inkwell.users.identity import lookup_key
from inkwell.users.models import User

logger = logging.getLogger(__name__)


async def authenticate(
    session: AsyncSession, guard: PasswordGuard, login: str, password: str
) -> User:
    """`login` is the username or the email, in any case. A suspended account is refused
    (403) once the password is right.

    An unknown login still costs a full password check, so timing does not tell which
    accounts exist. The account is limited as one whichever name the client gave.
    """
    key = lookup_key(login)
    user = await session.scalar(
        select(User).where(or_(User.username_key == key, User.email_key == key))
    )
    matches = await guard.verify(user or login, password)
    if user is None or not matches:
        raise Unauthorized("Incorrect username or password", code=ErrorCode.INVALID_CREDENTIALS)
    if user.suspended_at is not None:
        # Told only to whoever knows the password: it tells a guesser nothing.
        raise Forbidden(
            "This account is suspended by the moderators", code=ErrorCode.ACCOUNT_SUSPENDED
        )
    return user


async def send_password_reset(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, mailer: Mailer, email: str
) -> None:
    """Runs after the response, in a session of its own: the request does the same work for a
    known and an unknown email (none at all with the database), so its timing tells nothing.

    The token is committed before its link goes out. Nobody waits for this, so a failure is
    only logged.
    """
    try:
        async with sessions.begin() as session:
            message = await password_reset_email(session, settings, email)
    except (SQLAlchemyError, OSError):
        logger.exception("could not issue a password reset link")
        return
    if message is not None:
        await deliver(mailer, message)


async def password_reset_email(
    session: AsyncSession, settings: Settings, email: str
) -> EmailMessage | None:
    """The email with a fresh reset link for the account using `email` (None if there is none).

    Only the token's hash is stored, and it replaces any token issued before.
    """
    user = await session.scalar(select(User).where(User.email_key == lookup_key(email)))
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    await session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    now = utcnow()
    lifetime = settings.password_reset_expire_minutes
    session.add(
        PasswordResetToken(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(minutes=lifetime),
        )
    )
    await session.flush()
    link = f"{settings.public_base_url.rstrip('/')}/reset-password?{urlencode({'token': token})}"
    return compose(
        sender=settings.mail_from,
        to=user.email,
        subject="Reset your Inkwell password",
        body=(
            f"Hello {user.username},\n\n"
            f"To choose a new password, open this link within {lifetime} minutes:\n\n{link}\n\n"
            "If you did not ask for this, ignore this email; your password stays as it is.\n"
        ),
    )


async def reset_password(
    session: AsyncSession, passwords: PasswordHasher, token: str, password: str
) -> None:
    """Consumes the token in one statement, so two racing uses cannot both succeed."""
    consumed = (
        await session.execute(
            delete(PasswordResetToken)
            .where(PasswordResetToken.token_hash == _digest(token))
            .returning(PasswordResetToken.user_id, PasswordResetToken.expires_at)
        )
    ).one_or_none()
    if consumed is None or consumed.expires_at <= utcnow():
        raise BadRequest(
            "This password reset link is invalid, used or expired",
            code=ErrorCode.RESET_LINK_INVALID,
        )
    user = await users.get_user(session, consumed.user_id)
    await users.set_password(session, passwords, user, password)
    await session.flush()


def _digest(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is enough to keep them unusable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()
