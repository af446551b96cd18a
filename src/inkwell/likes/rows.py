"""What the likes service answers."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LikeState:
    """Whether the reader likes the post now, and how many do."""

    post_id: int
    liked: bool
    like_count: int
