"""What other domains' reads take of follows, as columns or filters of their own statement."""

from sqlalchemy import BindParameter, ColumnElement, Select, exists, select
from sqlalchemy.orm import InstrumentedAttribute

from inkwell.follows.models import Follow


def followed_by(
    viewer_id: BindParameter[int], user_id: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """Whether the viewer follows the user `user_id` names: one primary-key probe."""
    return exists().where(Follow.follower_id == viewer_id, Follow.followed_id == user_id)


def followed_ids(viewer_id: BindParameter[int]) -> Select[int]:
    """Whom the viewer follows: a range of the primary key."""
    return select(Follow.followed_id).where(Follow.follower_id == viewer_id)
