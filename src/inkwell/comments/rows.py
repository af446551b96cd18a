"""What the comments service answers besides its model: rows no façade has shaped."""

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from inkwell.posts.rows import ListedAuthor


class ListedComment(TypedDict):
    id: int
    post_id: int
    body: str
    body_html: str
    created_at: datetime
    updated_at: datetime
    author: ListedAuthor


@dataclass(frozen=True, slots=True)
class CommentListing:
    """One page of a post's comments, oldest first, and how many the post has."""

    comments: list[ListedComment]
    total: int
    skip: int
    limit: int
    # Where the next page starts (the last comment's created_at and id), while one follows.
    after: tuple[datetime, int] | None = None

    @property
    def has_more(self) -> bool:
        return self.after is not None
