from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.db import IDS_NEVER_REUSED, Base, utcnow
from inkwell.users.models import USERNAME_MAX_LENGTH

REASON_MIN_LENGTH = 3
REASON_MAX_LENGTH = 500
ACTION_MAX_LENGTH = 32
TARGET_TYPE_MAX_LENGTH = 16
SUMMARY_MAX_LENGTH = 200

# An open report is one no admin has resolved yet: the admin page lists them from an index
# of their own (partial, on both databases).
_OPEN = text("resolved_at IS NULL")


class Report(Base):
    """A signed-in reader's report of a post or of a comment (exactly one of the two); gone
    with what it reports and with its reporter."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint("(post_id IS NULL) <> (comment_id IS NULL)", name="one_target"),
        Index("ix_reports_open_id", "id", postgresql_where=_OPEN, sqlite_where=_OPEN),
        Index("ix_reports_post_id", "post_id"),
        Index("ix_reports_comment_id", "comment_id"),
        Index("ix_reports_reporter_id", "reporter_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(REASON_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    def __repr__(self) -> str:
        return f"Report(id={self.id!r}, post_id={self.post_id!r}, comment_id={self.comment_id!r})"


class AuditEntry(Base):
    """One thing an admin did: who (`actor_id`; the name is kept in case they are deleted),
    what (`action`), when, and to what (`target_type`, `target_id`, and `summary`, a few
    words that stay readable once the target is deleted). Never changed nor deleted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    action: Mapped[str] = mapped_column(String(ACTION_MAX_LENGTH))
    target_type: Mapped[str] = mapped_column(String(TARGET_TYPE_MAX_LENGTH))
    target_id: Mapped[int]
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"AuditEntry(id={self.id!r}, action={self.action!r})"
