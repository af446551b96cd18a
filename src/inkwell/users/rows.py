"""What the users service answers: plain rows that no façade has shaped yet. The Inkwell API
turns them into its schemas, the pages render them, and a second API builds its own."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from inkwell.notifications.columns import UNREAD_SHOWN_AT_MOST
from inkwell.users.models import ADMIN, USER

DEFAULT_AVATAR_PATH = "/static/img/default-avatar.svg"
MEDIA_URL_PREFIX = "/media/"


def picture_path(image_file: str | None) -> str:
    """Where a user's picture is served from: their upload, or the default avatar."""
    return DEFAULT_AVATAR_PATH if image_file is None else MEDIA_URL_PREFIX + image_file


def author_path(username: str) -> str:
    """A user's page: `/@name`, every character outside ASCII's unreserved ones
    percent-encoded (UTF-8), so `/@ΟΔΟΣ` is a valid link in any page or header."""
    return "/@" + quote(username, safe="")


@dataclass(frozen=True, slots=True)
class Profile:
    """What anyone may see of a user wherever their name appears (a post's byline)."""

    id: int
    username: str
    image_file: str | None
    display_name: str | None


@dataclass(frozen=True, slots=True)
class AuthorProfile(Profile):
    """What their own page shows: the bio (plain text), when they joined, the counts the
    database keeps (published posts, followers, follows), and whether the reader follows
    them (False for an anonymous reader)."""

    bio: str | None
    created_at: datetime
    post_count: int
    follower_count: int
    following_count: int
    following: bool
    # Set while an admin has suspended them (only admins ever read a suspended profile).
    suspended_at: datetime | None = None
    # A picture elsewhere, set through the Conduit API (users.models.User.image_url).
    image_url: str | None = None
    # An admin, whom no admin may suspend (their page offers no Suspend button).
    admin: bool = False


@dataclass(frozen=True, slots=True)
class Account(Profile):
    """What the user themselves may see: a read-only snapshot, detached from any session."""

    email: str
    created_at: datetime
    bio: str | None
    # Whether comment notifications are emailed; how many notifications are unread, counted
    # up to notifications.columns.UNREAD_SHOWN_AT_MOST + 1 (what the navbar shows).
    email_notifications: bool = True
    role: str = USER
    unread_notifications: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def unread_badge(self) -> str:
        """The navbar's badge: the count, or "99+" past what it counts."""
        if self.unread_notifications > UNREAD_SHOWN_AT_MOST:
            return f"{UNREAD_SHOWN_AT_MOST}+"
        return str(self.unread_notifications)
