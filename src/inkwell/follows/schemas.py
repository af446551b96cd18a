from pydantic import Field

from inkwell.schemas import Schema


class FollowRead(Schema):
    """The user's followers after the change: a follow button shows it without asking again."""

    user_id: int
    following: bool = Field(description="Whether the signed-in reader follows the user now")
    follower_count: int = Field(description="How many follow the user now")
