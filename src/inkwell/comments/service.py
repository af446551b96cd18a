"""Comments: every query and rule about comments lives here; nothing here commits.

Who may do what: a comment's author may edit and delete it; the author of the post it is
under may delete it (moderating their own conversation), not edit it; so may an admin.
While its author (or the post's) is suspended, a comment does not exist to anyone."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from inkwell.comments.markdown import render
from inkwell.comments.models import Comment
from inkwell.comments.rows import CommentListing, ListedComment
from inkwell.db import Reader, utcnow
from inkwell.errors import ErrorCode, Forbidden, NotFound
from inkwell.moderation import service as moderation
from inkwell.notifications import service as notifications
from inkwell.pagination import keyset_page, page_parameters
from inkwell.posts import service as posts
from inkwell.posts.models import Post, is_published
from inkwell.users import service as users
from inkwell.users.models import User, is_active, not_suspended


def _post_not_found() -> NotFound:
    return NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)


def _listing_statements(after: bool) -> tuple[Select[*tuple[Any, ...]], Select[Any]]:
    """Oldest first from the (post_id, created_at, id) index, each comment with its author
    and the post's kept comment count: one statement, whatever the page holds. Past the
    last page (or on a post with none) the count alone says whether the post exists.
    Suspended users' comments are left out (and out of the count), and a suspended user's
    post has no comments to show: to the public it does not exist. From `skip`, or `after`
    a comment's (created_at, id)."""
    comments = (
        select(
            Comment.id,
            Comment.post_id,
            Comment.body,
            Comment.body_html,
            Comment.created_at,
            Comment.updated_at,
            Comment.user_id,
            User.username,
            User.image_file,
            User.display_name,
            Post.comment_count.label("total"),
        )
        .join(User, User.id == Comment.user_id)
        .join(Post, Post.id == Comment.post_id)
        .where(
            Comment.post_id == bindparam("post_id"),
            is_published,
            not_suspended,
            is_active(Post.user_id),
        )
    )
    page = keyset_page(comments, Comment.created_at, Comment.id, after=after, newest_first=False)
    total_only = select(Post.comment_count).where(
        Post.id == bindparam("post_id"), is_published, is_active(Post.user_id)
    )
    return page, total_only


# Not @cache: mutmut mutates no decorated function (make mutation).
_listing = cache(_listing_statements)


def _listed(row: Sequence[Any]) -> ListedComment:
    comment_id, post_id, body, body_html, created_at, updated_at = row[:6]
    user_id, username, image_file, display_name = row[6:10]
    return {
        "id": comment_id,
        "post_id": post_id,
        "body": body,
        "body_html": body_html,
        "created_at": created_at,
        "updated_at": updated_at,
        "author": {
            "id": user_id,
            "username": username,
            "image_file": image_file,
            "display_name": display_name,
        },
    }


async def list_comments(
    reader: Reader,
    post_id: int,
    *,
    skip: int,
    limit: int,
    after: tuple[datetime, int] | None = None,
) -> CommentListing:
    """A page of the post's comments, from `skip` or `after` a comment's (created_at, id);
    the listing says where the next page starts (`after`), None on the last."""
    page, total_only = _listing(after is not None)
    parameters = {"post_id": post_id, **page_parameters(skip, limit, after)}
    async with reader.connect() as connection:
        rows = (await connection.execute(page, parameters)).all()
        total = rows[0].total if rows else await connection.scalar(total_only, parameters)
    if total is None:
        raise _post_not_found()
    comments = [_listed(row) for row in rows[:limit]]
    last = comments[-1] if len(rows) > limit else None
    next_after = None if last is None else (last["created_at"], last["id"])
    return CommentListing(comments, total, skip, limit, next_after)


def _comments_before_statement() -> Select[Any]:
    """How many of the post's comments come before the one `comment_id` names, as its pages
    list them (oldest first, suspended users' left out): 0 when it is not under the post.
    Counted from the (post_id, created_at, id) index."""
    target = aliased(Comment)
    earlier = or_(
        Comment.created_at < target.created_at,
        and_(Comment.created_at == target.created_at, Comment.id < target.id),
    )
    return (
        select(func.count())
        .select_from(Comment)
        .join(target, and_(target.id == bindparam("comment_id"), target.post_id == Comment.post_id))
        .where(Comment.post_id == bindparam("post_id"), earlier, is_active(Comment.user_id))
    )


# Not @cache: mutmut mutates no decorated function (make mutation).
_comments_before = cache(_comments_before_statement)


async def comments_before(session: AsyncSession, comment: Comment) -> int:
    """Which page of the post's comments shows `comment` (see _comments_before_statement)."""
    parameters = {"post_id": comment.post_id, "comment_id": comment.id}
    return int(await session.scalar(_comments_before(), parameters))


async def page_showing(reader: Reader, post_id: int, comment_id: int, *, per_page: int) -> int:
    """Where the page of the post's comments that shows the comment `comment_id` starts (the
    `skip` of its listing): 0, the first page, for a comment not under this post."""
    parameters = {"post_id": post_id, "comment_id": comment_id}
    async with reader.connect() as connection:
        before = int(await connection.scalar(_comments_before(), parameters))
    return before // per_page * per_page


async def position_before(session: AsyncSession, comment: Comment) -> tuple[datetime, int]:
    """Where the page that starts with `comment` starts: the (created_at, id) of the comment
    before it, from the (post_id, created_at, id) index (a comment with none before it
    is on the first page, which needs no position)."""
    row = (
        await session.execute(
            select(Comment.created_at, Comment.id)
            .where(
                Comment.post_id == comment.post_id,
                tuple_(Comment.created_at, Comment.id) < (comment.created_at, comment.id),
            )
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(1)
        )
    ).one()
    return (row.created_at, row.id)


async def add_comment(
    session: AsyncSession,
    author: User,
    post_id: int,
    body: str,
    *,
    outbox: notifications.Outbox | None = None,
) -> Comment:
    """Only under a published post: a draft has no readers to answer it. The post's author
    and its other commenters are notified in the same transaction; the emails go through
    `outbox` once it has committed."""
    await users.hold_writer(session, author.id)
    visible = (Post.id == post_id, is_published, is_active(Post.user_id))
    if await session.scalar(select(Post.id).where(*visible)) is None:
        raise _post_not_found()
    now = utcnow()  # one time for both: a comment never edited was updated when written
    comment = Comment(
        post_id=post_id,
        author=author,
        body=body,
        body_html=await render(body),
        created_at=now,
        updated_at=now,
    )
    session.add(comment)
    try:
        await session.flush()
    except IntegrityError as exc:  # the post was deleted meanwhile
        raise _post_not_found() from exc
    await notifications.comment_added(session, comment, outbox)
    return comment


async def _comment_and_post_author(
    session: AsyncSession, comment_id: int, *, hidden: bool = False
) -> tuple[Comment, int]:
    """The comment and its post's author, while anyone may see it; `hidden`: also while its
    author or the post's is suspended (for the admins who moderate it alone)."""
    query = (
        select(Comment, Post.user_id)
        .join(Post, Post.id == Comment.post_id)
        .options(joinedload(Comment.author, innerjoin=True))
        .where(Comment.id == comment_id)
    )
    if not hidden:
        query = query.where(is_active(Comment.user_id), is_active(Post.user_id))
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise NotFound("Comment not found", code=ErrorCode.COMMENT_NOT_FOUND)
    return row[0], row[1]


async def post_of(reader: Reader, comment_id: int) -> int:
    """The id of the post a comment is under, while anyone may see it."""
    visible = (Comment.id == comment_id, is_active(Comment.user_id), is_active(Post.user_id))
    statement = select(Comment.post_id).join(Post, Post.id == Comment.post_id).where(*visible)
    async with reader.connect() as connection:
        post_id = await connection.scalar(statement)
    if post_id is None:
        raise NotFound("Comment not found", code=ErrorCode.COMMENT_NOT_FOUND)
    return int(post_id)


async def edit_comment(session: AsyncSession, user: User, comment_id: int, body: str) -> Comment:
    """Only its author may change what a comment says."""
    comment, _ = await _comment_and_post_author(session, comment_id)
    if comment.user_id != user.id:
        raise Forbidden("You may only edit your own comments")
    comment.body, comment.body_html = body, await render(body)
    await session.flush()
    return comment


async def delete_comment(
    session: AsyncSession, user: User, comment_id: int, *, post_id: int | None = None
) -> None:
    """Its author may delete a comment, and so may the author of the post it is under, and
    any admin (which the audit log records). With `post_id`, a comment under another post
    is not found (an address naming both); so is one another request deleted meanwhile, as
    for posts (posts.delete_post). While its author or the post's is suspended, an admin
    alone finds it: a suspended author's comment is first put back into its post's count
    (posts.count_author took it out), so that the deletion takes it out once."""
    comment, post_author_id = await _comment_and_post_author(
        session, comment_id, hidden=user.is_admin
    )
    gone = NotFound("Comment not found", code=ErrorCode.COMMENT_NOT_FOUND)
    if post_id is not None and comment.post_id != post_id:
        raise gone
    if user.id not in (comment.user_id, post_author_id):
        if not user.is_admin:
            raise Forbidden("You may only delete your own comments or those under your posts")
        moderation.record(session, user, "delete_comment", ("comment", comment.id), comment.body)
    suspended = (await users.hold(session, comment.user_id)).get(comment.user_id)
    if suspended:
        if not user.is_admin:  # suspended meanwhile
            raise gone
        await posts.count_reactions(session, Comment, Comment.id == comment.id, counted=True)
    deleted = delete(Comment).where(Comment.id == comment.id).returning(Comment.id)
    if await session.scalar(deleted) is None:
        raise gone
    session.expunge(comment)
