from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inkwell.db import Base, utcnow

if TYPE_CHECKING:
    from inkwell.users.models import User

TITLE_MAX_LENGTH = 100
CONTENT_MAX_LENGTH = 50_000


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # Serve newest-first pages, globally and per author, straight from an index.
        Index("ix_posts_date_posted_id", "date_posted", "id"),
        Index("ix_posts_user_id_date_posted_id", "user_id", "date_posted", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    content: Mapped[str] = mapped_column(Text)
    # Rendered from `content` when it is written (posts.markdown), so reads never parse it.
    content_html: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text)
    date_posted: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    author: Mapped[User] = relationship(back_populates="posts", lazy="raise")

    def __repr__(self) -> str:
        return f"Post(id={self.id!r}, title={self.title!r})"


class PostStats(Base):
    """The one row holding how many posts there are, kept by the database's triggers on
    posts (migration 0003): a listing reads it instead of counting the table."""

    __tablename__ = "post_stats"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int]
