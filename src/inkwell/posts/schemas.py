from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from inkwell.posts.models import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH
from inkwell.schemas import MAX_ID, Input, NoNul, NotBlank, Patch, Schema
from inkwell.users.schemas import UserPublic

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH),
    NoNul,
]
# Content keeps its whitespace (indentation can matter) but must say something.
Content = Annotated[
    str, StringConstraints(min_length=1, max_length=CONTENT_MAX_LENGTH), NoNul, NotBlank
]


class PostCreate(Input):
    title: Title
    content: Content
    user_id: Annotated[int, Field(ge=1, le=MAX_ID, description="The author (until sign-in lands)")]


class PostReplace(Input):
    title: Title
    content: Content


class PostPatch(Patch):
    title: Title | None = None
    content: Content | None = None


class PostRead(Schema):
    id: int
    title: str
    content: str
    date_posted: datetime
    updated_at: datetime
    user_id: int
    author: UserPublic


class PostPage(Schema):
    posts: list[PostRead]
    total: int
    skip: int
    limit: int
    has_more: bool
