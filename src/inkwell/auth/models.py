from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.db import Base, utcnow
from inkwell.users.models import SECURITY_STAMP_LENGTH

TOKEN_HASH_LENGTH = 64


class PasswordResetToken(Base):
    """Only the SHA-256 of a reset token is kept: a copy of the table opens no account.

    A user has at most one row: issuing a token replaces the older one, and using it, or any
    change of password, deletes it.
    """

    __tablename__ = "password_reset_tokens"

    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


# A session's id and its refresh secret: random bytes, base64url without padding.
SESSION_ID_BYTES = 16
SESSION_ID_LENGTH = 22
REFRESH_SECRET_BYTES = 32
REFRESH_SECRET_LENGTH = 43
DEVICE_MAX_LENGTH = 100


class SignInSession(Base):
    """A cookie sign-in: what renews its short access token for SESSION_DAYS after each use.

    The row is the session's whole family of refresh secrets: each renewal replaces the
    secret (rotation) and keeps the hash of the one it replaced, which still renews for a
    grace period (two requests renewing at once) and afterwards proves a copy: presenting
    it, or any older secret, ends the session (reuse detection). Only SHA-256 hashes of the
    secrets are kept. The id is random, so that no one can name another's session.

    `security_stamp` is the user's when they signed in: a new stamp (logout with a bearer
    token, a new password or email, a suspension) voids every row issued before it.
    """

    __tablename__ = "sign_in_sessions"

    id: Mapped[str] = mapped_column(String(SESSION_ID_LENGTH), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    security_stamp: Mapped[str] = mapped_column(String(SECURITY_STAMP_LENGTH))
    secret_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(TOKEN_HASH_LENGTH))
    rotated_at: Mapped[datetime | None]
    device: Mapped[str] = mapped_column(String(DEVICE_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
