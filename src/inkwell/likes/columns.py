"""What other domains' listings read of likes, as columns of their own single statement."""

from typing import Any

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import InstrumentedAttribute

from inkwell.likes.models import Like


def liked_by(
    viewer_id: ColumnElement[Any], post_id: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """Whether the viewer (a bound id, or a subquery naming one) likes the post `post_id`
    names: one primary-key probe a row."""
    return exists().where(Like.user_id == viewer_id, Like.post_id == post_id)
