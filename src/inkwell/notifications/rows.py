"""What the notifications service answers: rows no façade has shaped."""

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from inkwell.posts.rows import ListedAuthor


class ListedNotification(TypedDict):
    id: int
    kind: str
    read: bool
    created_at: datetime
    actor: ListedAuthor
    post_id: int | None
    comment_id: int | None
    link: str
    # What the page names the post by; None for a follow, and for a post taken back to
    # draft, to anyone but its author (as its slug).
    post_title: str | None


@dataclass(frozen=True, slots=True)
class NotificationListing:
    """One page of a user's notifications, newest first, how many they have and how many
    of them are unread."""

    notifications: list[ListedNotification]
    total: int
    unread: int
    skip: int
    limit: int
    # Where the next page starts (the last notification's id), while one follows.
    after: int | None = None

    @property
    def has_more(self) -> bool:
        return self.after is not None


@dataclass(frozen=True, slots=True)
class CommentEmail:
    """What the email of one comment notification says, read when it is sent."""

    notification_id: int
    kind: str
    recipient_id: int
    recipient_email: str
    recipient_username: str
    wants_email: bool
    actor_active: bool
    actor_username: str
    post_id: int
    post_title: str
    post_slug: str
    comment_id: int
    comment_body: str
