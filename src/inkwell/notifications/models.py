from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.db import IDS_NEVER_REUSED, Base, utcnow


class Kind(StrEnum):
    COMMENT = "comment"  # someone commented on your post
    REPLY = "reply"  # someone commented on a post you commented on (not yours)
    FOLLOW = "follow"  # someone followed you


class EmailStatus(StrEnum):
    """Where a notification's email is: each step is taken by one conditional UPDATE, so
    one email at most is sent for one notification, whoever tries to send it."""

    PENDING = "pending"  # to be sent once the transaction that made it has committed
    SENDING = "sending"  # claimed by a sender: no one else sends it
    SENT = "sent"
    FAILED = "failed"  # every attempt failed
    SKIPPED = "skipped"  # the recipient turned emails off before it was sent
    DROPPED = "dropped"  # its actor was suspended before it was sent (emails.py says why)


# Said as a literal, so both planners can prove a query's rows are in the partial index.
PENDING_EMAIL_SQL = f"email_status = '{EmailStatus.PENDING.value}'"


class Notification(Base):
    """Something `actor_id` did that `user_id` is told of; gone with either of them, and
    with the post or comment it is about."""

    __tablename__ = "notifications"
    __table_args__ = (
        # A user's notifications newest first, a page at a time, straight from the index.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        # The unread ones only: the navbar's count reads this small index.
        Index(
            "ix_notifications_unread_user_id",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
        # The quiet period of follow notifications looks up the actor's latest one.
        Index("ix_notifications_actor_id_user_id", "actor_id", "user_id"),
        # The emails still pending: the outbox's sweep finds the stale ones here (rare rows,
        # a small index, however many notifications there are).
        Index(
            "ix_notifications_pending_email_created_at",
            "created_at",
            postgresql_where=text(PENDING_EMAIL_SQL),
            sqlite_where=text(PENDING_EMAIL_SQL),
        ),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    # None: no email for this one (a follow, or the recipient turned emails off).
    email_status: Mapped[str | None] = mapped_column(String(16), default=None)

    def __repr__(self) -> str:
        return f"Notification(id={self.id!r}, kind={self.kind!r}, user_id={self.user_id!r})"


# The sweep filters with this clause, matching the partial index's predicate.
has_pending_email = Notification.email_status == literal_column(f"'{EmailStatus.PENDING.value}'")
