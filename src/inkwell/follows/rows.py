"""What the follows service answers."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FollowState:
    """Whether the reader follows the user now, and how many do."""

    user_id: int
    following: bool
    follower_count: int
