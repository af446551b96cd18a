from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from inkwell.db import Base, utcnow
from inkwell.media.storage import MAX_KEY_LENGTH

KEY_MAX_LENGTH = 64


class PostPicture(Base):
    """A picture uploaded for posts, and who uploaded it: no post row points at it (a post's
    Markdown links to it), so this is how the picture goes when its uploader's account does.
    Pictures uploaded before this record (migration 0021) were found in their posts."""

    __tablename__ = "post_pictures"

    key: Mapped[str] = mapped_column(String(KEY_MAX_LENGTH), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the last post linking it stopped (an edit; a deletion of someone else's post): the
    # sweep's grace runs from then, or from the upload for a picture never linked.
    unlinked_at: Mapped[datetime | None]


class PostPictureUse(Base):
    """A post linking a picture uploaded for posts (media.uses keeps them as posts are
    written): a picture with none is no longer shown anywhere."""

    __tablename__ = "post_picture_uses"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(
        ForeignKey("post_pictures.key", ondelete="CASCADE"), primary_key=True, index=True
    )


class MediaDeletion(Base):
    """A stored object no row names any more, recorded in the transaction that stopped naming
    it, and removed once the object is deleted: an object the store failed to delete stays
    recorded for `inkwell media sweep` to try again, instead of staying online forgotten."""

    __tablename__ = "media_deletions"

    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    # For whoever looks at what is left: how long the store has been failing it.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
