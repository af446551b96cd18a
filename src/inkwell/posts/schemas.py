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
    content: str = Field(description="The Markdown the author wrote")
    content_html: str = Field(description="`content` rendered to sanitized HTML when written")
    excerpt: str = Field(description="The start of the rendered text, about 200 characters")
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


class MarkdownSource(Input):
    """What a post's content may be."""

    content: Content


class RenderedMarkdown(Schema):
    html: str = Field(description="The sanitized HTML a post with this content would show")
