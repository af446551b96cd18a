from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from inkwell.comments.models import BODY_MAX_LENGTH
from inkwell.comments.rows import CommentListing
from inkwell.pagination import NextCursor, PageSkip, page_fields
from inkwell.schemas import Input, SaysSomething, Schema, ShowsSomething
from inkwell.users.schemas import UserPublic

# Like a post's content: whitespace kept (Markdown may need it), but something must be said.
Body = Annotated[
    str,
    StringConstraints(min_length=1, max_length=BODY_MAX_LENGTH),
    SaysSomething,
    ShowsSomething,
    Field(description="Markdown, without headings or images; raw HTML is shown as text"),
]


class CommentWrite(Input):
    """A new comment, or the new text of one: the author is the signed-in user."""

    body: Body


class CommentRead(Schema):
    id: int
    post_id: int
    body: str
    body_html: str = Field(description="The body rendered to safe HTML when it was written")
    created_at: datetime
    updated_at: datetime
    author: UserPublic


class CommentPage(Schema):
    comments: list[CommentRead]
    total: int
    skip: PageSkip
    limit: int
    has_more: bool
    next_cursor: NextCursor

    @classmethod
    def of(cls, listing: CommentListing, next_cursor: str | None) -> "CommentPage":
        return cls.model_validate(
            {"comments": listing.comments, **page_fields(listing, next_cursor)}
        )
