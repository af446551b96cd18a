from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.db import Base, utcnow

KEY_MAX_LENGTH = 64


class PostPicture(Base):
    """A picture uploaded for posts, and who uploaded it: no post row points at it (a post's
    Markdown links to it), so this is how the picture goes when its uploader's account does.
    Pictures uploaded before this record (migration 0021) were found in their posts."""

    __tablename__ = "post_pictures"

    key: Mapped[str] = mapped_column(String(KEY_MAX_LENGTH), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
