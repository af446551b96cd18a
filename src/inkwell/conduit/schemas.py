"""Conduit's bodies, as the RealWorld spec names them (camelCase, wrapped in `user`,
`article`, `comment`...). Fields reuse Inkwell's types, so both APIs refuse the same input.
Unknown fields are ignored: frontends send back whole objects (a user with its token)."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from inkwell.comments.schemas import Body as CommentBody
from inkwell.posts.schemas import Content, Subtitle, Tags, Title
from inkwell.schemas import Omittable
from inkwell.users.fields import (
    PASSWORD_MAX_LENGTH,
    Bio,
    Email,
    Password,
    PictureAddress,
    Username,
)
from inkwell.users.models import EMAIL_MAX_LENGTH


class ConduitInput(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _refuse_null(value: Any) -> Any:
    """Runs only on fields that were sent: left out is "unchanged", null is refused."""
    if value is None:
        raise ValueError("can't be null")
    return value


class LoginUser(ConduitInput):
    email: Annotated[str, StringConstraints(min_length=1, max_length=EMAIL_MAX_LENGTH)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX_LENGTH)]


class LoginRequest(ConduitInput):
    user: LoginUser


class NewUser(ConduitInput):
    username: Username
    email: Email
    password: Password


class NewUserRequest(ConduitInput):
    user: NewUser


def _blank_is_null(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class UpdateUser(ConduitInput):
    """`bio` and `image`: null or "" clear them. The email and the password change only in
    Inkwell's account settings (with the current password, the email once confirmed):
    frontends send the whole user back, so `email` and an empty `password` are taken
    unchanged, and left out of this schema."""

    email: SkipJsonSchema[Email | None] = None
    password: SkipJsonSchema[
        Annotated[str, StringConstraints(max_length=PASSWORD_MAX_LENGTH)] | None
    ] = None
    username: Omittable[Username] = None
    bio: Bio | None = None
    image: Annotated[PictureAddress | None, BeforeValidator(_blank_is_null)] = None

    _not_null = field_validator("username", "email", mode="before")(_refuse_null)


class UpdateUserRequest(ConduitInput):
    user: UpdateUser


Description = Annotated[Subtitle, StringConstraints(min_length=1)]


class NewArticle(ConduitInput):
    title: Title
    description: Description
    body: Content
    tagList: Tags = Field(default_factory=list)  # noqa: N815  (the spec's name)


class NewArticleRequest(ConduitInput):
    article: NewArticle


class UpdateArticle(ConduitInput):
    """Any field may be left out, none may be null; `tagList: []` removes every tag."""

    title: Omittable[Title] = None
    description: Omittable[Description] = None
    body: Omittable[Content] = None
    tagList: Omittable[Tags] = None  # noqa: N815  (the spec's name)

    _not_null = field_validator("title", "description", "body", "tagList", mode="before")(
        _refuse_null
    )


class UpdateArticleRequest(ConduitInput):
    article: UpdateArticle


class NewComment(ConduitInput):
    body: CommentBody


class NewCommentRequest(ConduitInput):
    comment: NewComment


class User(BaseModel):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(BaseModel):
    user: User


class Profile(BaseModel):
    username: str
    bio: str | None
    image: str | None
    following: bool


class ProfileResponse(BaseModel):
    profile: Profile


class ListedArticle(BaseModel):
    """An article as lists show it: without its body."""

    slug: str
    title: str
    description: str
    tagList: list[str]  # noqa: N815  (the spec's name)
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815
    favorited: bool
    favoritesCount: int  # noqa: N815
    author: Profile


class Article(ListedArticle):
    body: str


class SingleArticleResponse(BaseModel):
    article: Article


class MultipleArticlesResponse(BaseModel):
    articles: list[ListedArticle]
    articlesCount: int  # noqa: N815


class Comment(BaseModel):
    id: int
    createdAt: datetime  # noqa: N815
    updatedAt: datetime  # noqa: N815
    body: str
    author: Profile


class SingleCommentResponse(BaseModel):
    comment: Comment


class MultipleCommentsResponse(BaseModel):
    comments: list[Comment]


class TagsResponse(BaseModel):
    tags: list[str]
