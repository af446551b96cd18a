from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Index, String, exists, text, true
from sqlalchemy.orm import (
    InstrumentedAttribute,
    Mapped,
    mapped_column,
    relationship,
    validates,
)

from inkwell.db import IDS_NEVER_REUSED, Base, utcnow
from inkwell.users.identity import confusable_skeleton, lookup_key, names_key

if TYPE_CHECKING:
    from inkwell.posts.models import Post

USERNAME_MAX_LENGTH = 50
DISPLAY_NAME_MAX_LENGTH = 50
BIO_MAX_LENGTH = 300
EMAIL_MAX_LENGTH = 254
PICTURE_ADDRESS_MAX_LENGTH = 2048
SECURITY_STAMP_LENGTH = 32
# What a user may do: every user writes and reports; an admin also deletes anyone's posts
# and comments, suspends users and resolves reports (moderation/). Set by `inkwell users
# promote` and `demote`.
USER, ADMIN = "user", "admin"
ROLES = (USER, ADMIN)
ROLE_MAX_LENGTH = 5


def new_security_stamp() -> str:
    return secrets.token_hex(SECURITY_STAMP_LENGTH // 2)


class User(Base):
    __tablename__ = "users"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the user typed (NFKC), shown as is; every comparison uses the keys below,
    # which follow whatever username and email are set to (see `_derive_keys`).
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    username_key: Mapped[str] = mapped_column(String())
    username_skeleton: Mapped[str] = mapped_column(String(), index=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    email_key: Mapped[str] = mapped_column(String())
    password_hash: Mapped[str] = mapped_column(String(255))
    image_file: Mapped[str | None] = mapped_column(String(255), default=None)
    # A picture elsewhere (an http(s) address), set through the Conduit API, whose frontends
    # show it; Inkwell's pages never load it (their CSP allows pictures of the site only).
    # Whichever was set last is the picture: uploading or removing one here clears it.
    image_url: Mapped[str | None] = mapped_column(String(PICTURE_ADDRESS_MAX_LENGTH), default=None)
    # Shown instead of the username where set; the bio is plain text (pages escape it and
    # make its links clickable).
    display_name: Mapped[str | None] = mapped_column(String(DISPLAY_NAME_MAX_LENGTH), default=None)
    # What the user search matches (identity.names_key), following both names. Its default
    # is for rows written by SQL alone, as migrations' tests write them: found by no name.
    names_key: Mapped[str] = mapped_column(String(), server_default="")
    bio: Mapped[str | None] = mapped_column(String(BIO_MAX_LENGTH), default=None)
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

    # Kept by the triggers on follows (follows/counters.py, migration 0007), the same way.
    follower_count: Mapped[int] = mapped_column(
        server_default="0", deferred=True, deferred_raiseload=True
    )
    following_count: Mapped[int] = mapped_column(
        server_default="0", deferred=True, deferred_raiseload=True
    )

    # Whether comment notifications are also emailed (notifications/emails.py); every email
    # carries a link that turns it off.
    email_notifications: Mapped[bool] = mapped_column(default=True, server_default=true())

    role: Mapped[str] = mapped_column(String(ROLE_MAX_LENGTH), default=USER, server_default=USER)
    # Set while an admin has suspended the user: they cannot sign in, and their posts,
    # comments and likes are out of every public read and count (moderation/service.py).
    suspended_at: Mapped[datetime | None] = mapped_column(default=None)

    posts: Mapped[list[Post]] = relationship(
        back_populates="author",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @validates("username", "email")
    def _derive_keys(self, field: str, value: str) -> str:
        if field == "username":
            self.username_key = lookup_key(value)
            self.username_skeleton = confusable_skeleton(value)
            self.names_key = names_key(value, self.display_name)
        else:
            self.email_key = lookup_key(value)
        return value

    @validates("display_name")
    def _derive_names_key(self, _field: str, value: str | None) -> str | None:
        """A new user given a display name before a username gets theirs from the username."""
        self.names_key = names_key(self.username or "", value)
        return value

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r})"


# For a statement that joins the user: they are not suspended.
not_suspended = User.suspended_at.is_(None)


# An alias of the table, never correlated with a statement's own users, if any (of the
# table, not the class: usable at import time, before every mapper is configured). One for
# every statement: a new alias cost 250 µs a call (its columns proxied again at first use),
# several a write; two EXISTS of one statement may share it, each in its own scope.
_suspended = User.__table__.alias()


def is_active(user_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """The user `user_id` names is not suspended: for a statement that does not join them
    (one that does reads `User.suspended_at` from the joined row)."""
    return ~exists().where(_suspended.c.id == user_id, _suspended.c.suspended_at.is_not(None))


# Unique regardless of case and of Unicode's ways to write one text, so "Alice" cannot pass
# for "alice". Look-alike names (same skeleton) are refused when a name is chosen rather
# than by an index, so accounts that predate the rule keep their names.
Index("uq_users_username_key", User.username_key, unique=True)
Index("uq_users_email_key", User.email_key, unique=True)
# The few suspended users (migration 0014): `is_active` probes this, not the whole table.
_SUSPENDED = text("suspended_at IS NOT NULL")
Index("ix_users_suspended_id", User.id, postgresql_where=_SUSPENDED, sqlite_where=_SUSPENDED)
