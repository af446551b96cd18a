"""Likes: a reader likes a post at most once; nothing here commits. Whether a reader likes
the posts of a listing is read by the listing itself (`likes.columns`)."""

from sqlalchemy import delete, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.constraints import insert_once
from inkwell.db import UTCDateTime, utcnow
from inkwell.errors import ErrorCode, NotFound
from inkwell.likes.models import Like
from inkwell.likes.rows import LikeState
from inkwell.posts.models import Post, is_published
from inkwell.users import service as users
from inkwell.users.models import is_active


def _post_not_found() -> NotFound:
    return NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)


async def like(session: AsyncSession, user_id: int, post_id: int) -> LikeState:
    """Idempotent: liking a liked post changes nothing. An unknown post, a draft (which
    no one but its author sees) or a suspended author's post is a 404."""
    await users.hold_writer(session, user_id)
    rows = select(literal(user_id), Post.id, literal(utcnow(), UTCDateTime())).where(
        Post.id == post_id, is_published, is_active(Post.user_id)
    )
    try:
        await insert_once(session, Like, ["user_id", "post_id", "created_at"], rows)
    except IntegrityError as exc:  # the post (or the reader) was deleted meanwhile
        raise _post_not_found() from exc
    return await _state(session, post_id, liked=True)


async def unlike(session: AsyncSession, user_id: int, post_id: int) -> LikeState:
    """Idempotent: unliking a post one does not like changes nothing."""
    await users.hold_writer(session, user_id)
    await session.execute(delete(Like).where(Like.user_id == user_id, Like.post_id == post_id))
    return await _state(session, post_id, liked=False)


async def _state(session: AsyncSession, post_id: int, *, liked: bool) -> LikeState:
    """The count the triggers just kept, read in the same transaction."""
    like_count = await session.scalar(
        select(Post.like_count).where(Post.id == post_id, is_published, is_active(Post.user_id))
    )
    if like_count is None:
        raise _post_not_found()
    return LikeState(post_id=post_id, liked=liked, like_count=like_count)
