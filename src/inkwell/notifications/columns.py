"""What other domains' reads take of notifications, as columns of their own statement."""

from sqlalchemy import BindParameter, ScalarSelect, func, select

from inkwell.notifications.models import Notification
from inkwell.users.models import is_active

# The navbar counts unread notifications up to this many and shows "99+" past it: the
# count reads at most this many entries of the unread index, however many there are.
UNREAD_SHOWN_AT_MOST = 99


def unread_count(user_id: BindParameter[int]) -> ScalarSelect[int]:
    """The user's unread notifications, counted up to UNREAD_SHOWN_AT_MOST + 1, from the
    partial index of unread ones: cheap on every page, however many there are. Those told
    by a suspended user are not counted (nor listed) until the suspension is lifted."""
    unread = (
        select(Notification.id)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            is_active(Notification.actor_id),
        )
        .limit(UNREAD_SHOWN_AT_MOST + 1)
        .subquery()
    )
    return select(func.count()).select_from(unread).scalar_subquery()
