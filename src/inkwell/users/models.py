from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inkwell.db import Base, utcnow

if TYPE_CHECKING:
    from inkwell.posts.models import Post

USERNAME_MAX_LENGTH = 50
EMAIL_MAX_LENGTH = 254
SECURITY_STAMP_LENGTH = 32


def new_security_stamp() -> str:
    return secrets.token_hex(SECURITY_STAMP_LENGTH // 2)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    image_file: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Every access token carries the stamp it was issued with; a new stamp (logout, new
    # password) voids all older tokens, and a new user reusing a deleted user's id (SQLite
    # reuses the highest rowid) gets a different stamp, so the old tokens stay void.
    security_stamp: Mapped[str] = mapped_column(
        String(SECURITY_STAMP_LENGTH), default=new_security_stamp
    )
    # Kept by the database's triggers on posts (migration 0003), so a loaded User's copy
    # would go stale as soon as they write: it is read by queries only, never loaded.
    post_count: Mapped[int] = mapped_column(
        server_default="0", deferred=True, deferred_raiseload=True
    )

    posts: Mapped[list[Post]] = relationship(
        back_populates="author",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r})"


# Usernames are unique regardless of case, so "Alice" cannot pass for "alice".
Index("uq_users_username_lower", func.lower(User.username), unique=True)
