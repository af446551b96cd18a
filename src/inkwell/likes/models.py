from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.db import Base, utcnow


class Like(Base):
    """A reader's like of a post: at most one each (the primary key), gone with either."""

    __tablename__ = "likes"
    __table_args__ = (
        # The post's likers, and what a cascade from a deleted post looks up.
        Index("ix_likes_post_id_user_id", "post_id", "user_id"),
    )

    # user_id first: "did this reader like these posts" is the listing's EXISTS.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
