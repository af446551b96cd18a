from pydantic import Field

from inkwell.schemas import Schema


class LikeRead(Schema):
    """The post's likes after the change: a heart button shows it without asking again."""

    post_id: int
    liked: bool = Field(description="Whether the signed-in reader likes the post now")
    like_count: int = Field(description="How many readers like the post now")
