from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from inkwell.posts.models import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH
from inkwell.schemas import Input, Patch, SaysSomething, Schema
from inkwell.users.schemas import UserPublic

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH),
    SaysSomething,
]
# Content keeps its whitespace (indentation can matter) but must say something.
Content = Annotated[
    str, StringConstraints(min_length=1, max_length=CONTENT_MAX_LENGTH), SaysSomething
]


class PostCreate(Input):
    """The author is the signed-in user."""

    title: Title
    content: Content


class PostReplace(PostCreate):
    pass


class PostPatch(Patch):
    title: Title | SkipJsonSchema[None] = None
    content: Content | SkipJsonSchema[None] = None


class PostRead(Schema):
    id: int
    title: str
    content: str
    date_posted: datetime
    updated_at: datetime
    user_id: int
    author: UserPublic
    like_count: int = Field(description="How many readers like the post")
    comment_count: int = Field(description="How many comments the post has")
    liked: bool = Field(
        description="Whether the signed-in reader likes the post; false for anonymous readers"
    )


class PostPage(Schema):
    posts: list[PostRead]
    total: int
    skip: int
    limit: int
    has_more: bool
