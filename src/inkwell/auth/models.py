from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.db import Base, utcnow

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
