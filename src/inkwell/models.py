"""Imports every domain's models so that `Base.metadata` knows all tables (Alembic, tests)."""

from inkwell.auth.models import PasswordResetToken, SignInSession
from inkwell.comments.models import Comment
from inkwell.follows.models import Follow
from inkwell.likes.models import Like
from inkwell.media.models import MediaDeletion, PostPicture, PostPictureUse
from inkwell.moderation.models import AuditEntry, Report
from inkwell.notifications.models import Notification
from inkwell.posts.models import Post
from inkwell.users.models import User

__all__ = [
    "AuditEntry",
    "Comment",
    "Follow",
    "Like",
    "MediaDeletion",
    "Notification",
    "PasswordResetToken",
    "Post",
    "PostPicture",
    "PostPictureUse",
    "Report",
    "SignInSession",
    "User",
]
