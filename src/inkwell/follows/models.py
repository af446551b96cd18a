from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.db import Base, utcnow


class Follow(Base):
    """`follower_id` follows `followed_id`: at most once (the primary key), never oneself."""

    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("follower_id <> followed_id", name="not_oneself"),
        # A writer's followers, and what a cascade from a deleted user looks up.
        Index("ix_follows_followed_id_follower_id", "followed_id", "follower_id"),
    )

    # follower_id first: a reader's feed starts from whom they follow.
    follower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followed_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
