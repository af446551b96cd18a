"""Sign-in, sign-in sessions and password reset; nothing here commits, except the reset
link's own session (send_password_reset), which runs after the response."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlencode

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from inkwell.auth.models import (
    REFRESH_SECRET_BYTES,
    SESSION_ID_BYTES,
    PasswordResetToken,
    SignInSession,
)
from inkwell.auth.ratelimit import Action, PasswordGuard, RateLimiter
from inkwell.auth.rows import ActiveSession, SessionGrant
from inkwell.config import Settings
from inkwell.db import Reader, utcnow
from inkwell.errors import BadRequest, ErrorCode, NotFound, Unauthorized
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
        raise users.AccountSuspended
    return user


async def may_send_password_reset(limiter: RateLimiter, *, address: str, email: str) -> bool:
    """Spends a forgot-password request from `address` (429 past its budget), and answers
    whether the account named by `email` may be sent a link.

    Past the account's budget a stranger must not deny its owner: nothing is sent, silently,
    and the link last sent stays valid (see Settings).
    """
    await limiter.spend(Action.FORGOT_PASSWORD, address=address)
    return await limiter.spend_quietly(Action.FORGOT_PASSWORD, account=email)


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


async def reset_token_is_valid(reader: Reader, token: str) -> bool:
    """Whether a reset link still works (unused, unexpired), so its page can say so before
    the new password is typed; reset_password decides, when it consumes the token."""
    query = select(PasswordResetToken.expires_at).where(
        PasswordResetToken.token_hash == _digest(token)
    )
    async with reader.connect() as connection:
        expires_at = await connection.scalar(query)
    return expires_at is not None and expires_at > utcnow()


def _digest(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is enough to keep them unusable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionTerms:
    """How long a session lasts after each renewal, how long a replaced refresh secret still
    renews, how many sessions a user keeps, and how long after its start a session ends
    however it is used (auth/config.py)."""

    lifetime: timedelta
    grace: timedelta
    per_user: int
    max_age: timedelta = timedelta(days=90)

    def expiry(self, started: datetime, now: datetime) -> datetime:
        """When a session started at `started` and renewed `now` ends."""
        return min(now + self.lifetime, started + self.max_age)

    @classmethod
    def from_settings(cls, settings: Settings) -> "SessionTerms":
        return cls(
            lifetime=timedelta(days=settings.session_days),
            grace=timedelta(seconds=settings.session_renewal_grace_seconds),
            per_user=settings.sessions_per_user,
            max_age=timedelta(days=settings.session_max_days),
        )


async def start_session(
    session: AsyncSession, user: User, device: str, terms: SessionTerms
) -> SessionGrant:
    """A cookie sign-in. The user's sessions that can no longer renew go (expired, or voided
    by a new security stamp), and the least recently used past `terms.per_user`."""
    now = utcnow()
    await session.execute(
        delete(SignInSession).where(
            SignInSession.user_id == user.id,
            or_(
                SignInSession.expires_at <= now,
                SignInSession.security_stamp != user.security_stamp,
                SignInSession.id.not_in(
                    select(SignInSession.id)
                    .where(SignInSession.user_id == user.id)
                    .order_by(SignInSession.last_seen_at.desc(), SignInSession.id)
                    .limit(terms.per_user - 1)
                ),
            ),
        )
    )
    secret = secrets.token_urlsafe(REFRESH_SECRET_BYTES)
    started = SignInSession(
        id=secrets.token_urlsafe(SESSION_ID_BYTES),
        user_id=user.id,
        security_stamp=user.security_stamp,
        secret_hash=_digest(secret),
        device=device,
        created_at=now,
        last_seen_at=now,
        expires_at=terms.expiry(now, now),
    )
    session.add(started)
    await session.flush()
    return SessionGrant(started.id, user.id, user.security_stamp, secret)


async def renew_session(
    session: AsyncSession, session_id: str, secret: str, terms: SessionTerms
) -> SessionGrant | None:
    """Rotates the session's refresh secret: the one presented must be its current one, the
    session unexpired and the user's stamp still the one it was started with. It is seen
    now and lasts `terms.lifetime` from now, but never past `terms.max_age` after it started:
    then it no longer renews (and the access token it last issued lives out its minutes).
    Only a renewal within `terms.lifetime` of that end costs a second statement, its cap.

    The compare-and-swap is one statement, so of two requests renewing with one secret only
    one rotates it; the other, within the grace period, is granted the session without a
    new secret (the client keeps the one the first was given). Any other secret of the
    session, the replaced one after the grace period included, was copied: the session
    ends, for whoever holds it (reuse detection). None when the session does not renew.
    """
    now, digest = utcnow(), _digest(secret)
    new_secret = secrets.token_urlsafe(REFRESH_SECRET_BYTES)
    user_stamp = select(User.security_stamp).where(User.id == SignInSession.user_id)
    rotated = (
        await session.execute(
            update(SignInSession)
            .where(
                SignInSession.id == session_id,
                SignInSession.secret_hash == digest,
                SignInSession.expires_at > now,
                SignInSession.created_at > now - terms.max_age,
                SignInSession.security_stamp == user_stamp.scalar_subquery(),
            )
            .values(
                secret_hash=_digest(new_secret),
                previous_secret_hash=digest,
                rotated_at=now,
                last_seen_at=now,
                expires_at=now + terms.lifetime,
            )
            .returning(
                SignInSession.user_id, SignInSession.security_stamp, SignInSession.created_at
            )
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    if rotated is not None:
        if (capped := terms.expiry(rotated.created_at, now)) < now + terms.lifetime:
            await session.execute(
                update(SignInSession)
                .where(SignInSession.id == session_id)
                .values(expires_at=capped)
                .execution_options(synchronize_session=False)
            )
        return SessionGrant(session_id, rotated.user_id, rotated.security_stamp, new_secret)
    found = (
        await session.execute(
            select(SignInSession, user_stamp.label("user_stamp")).where(
                SignInSession.id == session_id
            )
        )
    ).one_or_none()
    if found is None:
        return None
    record: SignInSession = found[0]
    if (
        record.previous_secret_hash is not None
        and secrets.compare_digest(record.previous_secret_hash, digest)
        and record.rotated_at is not None
        and now - record.rotated_at <= terms.grace
        and record.expires_at > now
        and record.security_stamp == found.user_stamp
    ):
        return SessionGrant(session_id, record.user_id, record.security_stamp, None)
    await session.delete(record)
    await session.flush()
    return None


async def list_sessions(reader: Reader, user_id: int) -> list[ActiveSession]:
    """The user's sessions that may still renew, the most recently seen first."""
    user_stamp = select(User.security_stamp).where(User.id == user_id).scalar_subquery()
    query = (
        select(
            SignInSession.id,
            SignInSession.device,
            SignInSession.created_at,
            SignInSession.last_seen_at,
            SignInSession.expires_at,
        )
        .where(
            SignInSession.user_id == user_id,
            SignInSession.security_stamp == user_stamp,
            SignInSession.expires_at > utcnow(),
        )
        .order_by(SignInSession.last_seen_at.desc(), SignInSession.id)
    )
    async with reader.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [ActiveSession(*row) for row in rows]


async def end_session(session: AsyncSession, user_id: int, session_id: str) -> None:
    """Ends one of the user's sessions: its refresh secret and access token stop working at
    once. Another user's session is answered as one that does not exist."""
    ended = await session.execute(
        delete(SignInSession)
        .where(SignInSession.id == session_id, SignInSession.user_id == user_id)
        .returning(SignInSession.id)
        .execution_options(synchronize_session=False)
    )
    if ended.one_or_none() is None:
        raise NotFound("Session not found", code=ErrorCode.SESSION_NOT_FOUND)


async def end_every_session(session: AsyncSession, user: User) -> None:
    """Sign out everywhere: a new security stamp voids every token and session (this one's
    too); the sessions' rows go with it."""
    users.end_sessions(user)
    await session.execute(delete(SignInSession).where(SignInSession.user_id == user.id))
    await session.flush()
