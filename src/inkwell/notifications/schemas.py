from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from inkwell.notifications.rows import NotificationListing
from inkwell.pagination import NextCursor, PageSkip, page_fields
from inkwell.schemas import MAX_ID, Input, NeverNull, Schema
from inkwell.users.schemas import UserPublic

# A page of notifications holds at most 100: marking more at once is marking all.
MAX_IDS = 100


class NotificationRead(Schema):
    id: int
    kind: Literal["comment", "reply", "follow"] = Field(
        description="`comment`: on your post; `reply`: on a post you commented on; "
        "`follow`: a new follower"
    )
    read: bool
    created_at: datetime
    actor: UserPublic = Field(description="Who commented or followed")
    post_id: int | None = Field(description="The post commented on; null for a follow")
    comment_id: int | None = Field(description="The comment; null for a follow")
    link: str = Field(description="The page it is about, as a path on this site")


class NotificationPage(Schema):
    notifications: list[NotificationRead]
    total: int
    unread: int = Field(description="How many of all the user's notifications are unread")
    skip: PageSkip
    limit: int
    has_more: bool
    next_cursor: NextCursor

    @classmethod
    def of(cls, listing: NotificationListing, next_cursor: str | None) -> "NotificationPage":
        return cls.model_validate(
            {
                "notifications": listing.notifications,
                "unread": listing.unread,
                **page_fields(listing, next_cursor),
            }
        )


class MarkRead(Input):
    """Which notifications to mark read: `ids`, or all of them when it is left out (a null
    sent is refused: a client's bug would otherwise mark every one read)."""

    ids: NeverNull[
        Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(max_length=MAX_IDS)]
    ] = None


class UnreadCount(Schema):
    unread: int = Field(description="How many of the user's notifications are unread")
