"""Follows: a reader follows a writer at most once, never themselves; nothing here commits.
Whether a reader follows someone is read by the reads that show it (`follows.columns`)."""

from datetime import timedelta

from sqlalchemy import delete, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.constraints import insert_once
from inkwell.db import UTCDateTime, utcnow
from inkwell.errors import BadRequest, ErrorCode, NotFound
from inkwell.follows.models import Follow
from inkwell.follows.rows import FollowState
from inkwell.notifications import service as notifications
from inkwell.users import service as users
from inkwell.users.models import User


class CannotFollowYourself(BadRequest):
    code = ErrorCode.CANNOT_FOLLOW_YOURSELF

    def __init__(self) -> None:
        super().__init__("You cannot follow yourself")


DEFAULT_NOTIFICATION_QUIET = timedelta(hours=24)


def _user_not_found() -> NotFound:
    return NotFound("User not found", code=ErrorCode.USER_NOT_FOUND)


async def follow(
    session: AsyncSession,
    follower_id: int,
    followed_id: int,
    *,
    notification_quiet: timedelta = DEFAULT_NOTIFICATION_QUIET,
) -> FollowState:
    """Idempotent: following someone again changes nothing. An unknown user is a 404. A new
    follow notifies the one followed (not again within `notification_quiet`, see
    notifications.service)."""
    await _hold(session, follower_id, followed_id)
    rows = select(literal(follower_id), User.id, literal(utcnow(), UTCDateTime())).where(
        User.id == followed_id
    )
    try:
        inserted = await insert_once(
            session, Follow, ["follower_id", "followed_id", "created_at"], rows
        )
    except IntegrityError as exc:  # one of the two was deleted meanwhile
        raise _user_not_found() from exc
    if inserted:
        await notifications.followed(session, follower_id, followed_id, quiet=notification_quiet)
    return await _state(session, followed_id, following=True)


async def unfollow(session: AsyncSession, follower_id: int, followed_id: int) -> FollowState:
    """Idempotent: unfollowing someone one does not follow changes nothing. A suspended
    user, who does not exist to anyone meanwhile, is a 404 (their counts stay as they were
    taken out: see count_follows)."""
    await _hold(session, follower_id, followed_id)
    await session.execute(
        delete(Follow).where(Follow.follower_id == follower_id, Follow.followed_id == followed_id)
    )
    return await _state(session, followed_id, following=False)


async def _hold(session: AsyncSession, follower_id: int, followed_id: int) -> None:
    """Both users held active while the follow is written (users.hold_active): a follow
    with a suspended user is never counted, nor taken out twice."""
    if follower_id == followed_id:
        raise CannotFollowYourself
    held = await users.hold_active(session, follower_id, followed_id)
    if follower_id not in held:
        raise users.AccountSuspended
    if followed_id not in held:
        raise _user_not_found()


async def count_follows(session: AsyncSession, user_id: int, *, counted: bool) -> None:
    """Takes a user's follows out of the others' counts (`counted=False`, when they are
    suspended: out of the follower counts of whom they follow and the following counts of
    who follows them) or puts them back (`counted=True`). Their own counts stay, like
    their post count: no one reads them meanwhile. Relative, like posts.count_author, and
    exact: no follow with a suspended user is written or deleted meanwhile (`_hold`), and
    one under way when the suspension begins is counted before it (set_suspended's lock).
    The rows changed are locked in id order first, the order the follows' triggers take."""
    sign = 1 if counted else -1
    followed = select(Follow.followed_id).where(Follow.follower_id == user_id)
    following = select(Follow.follower_id).where(Follow.followed_id == user_id)
    await session.execute(
        select(User.id)
        .where(or_(User.id.in_(followed), User.id.in_(following)))
        .order_by(User.id)
        .with_for_update(key_share=True)
    )
    for ids, count in ((followed, User.follower_count), (following, User.following_count)):
        await session.execute(
            update(User)
            .where(User.id.in_(ids))
            .values({count: count + sign})
            .execution_options(synchronize_session=False)
        )


async def _state(session: AsyncSession, user_id: int, *, following: bool) -> FollowState:
    """The count the triggers just kept, read in the same transaction."""
    follower_count = await session.scalar(select(User.follower_count).where(User.id == user_id))
    if follower_count is None:
        raise _user_not_found()
    return FollowState(user_id=user_id, following=following, follower_count=follower_count)
