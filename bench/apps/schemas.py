"""The response schemas of the tutorial-style reference apps, written as the tutorial does."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field

DEFAULT_AVATAR_PATH = "/static/img/default-avatar.svg"


class UserResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    image_file: str | None = Field(default=None, exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_path(self) -> str:
        return f"/media/{self.image_file}" if self.image_file else DEFAULT_AVATAR_PATH


class PostResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    content: str
    date_posted: datetime
    updated_at: datetime
    user_id: int
    author: UserResponse


class PaginatedPostsResponse(BaseModel):
    posts: list[PostResponse]
    total: int
    skip: int
    limit: int
    has_more: bool
