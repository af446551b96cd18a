"""Notifications: who is told of what, their pages and what is read; nothing here commits.

The domains where things happen call in here, in their own transaction, so a notification
exists exactly when what it tells of was stored:

- a comment tells the post's author ("comment") and everyone else who commented on the
  post before ("reply"), never its own author;
- a follow tells the one followed ("follow"). Unfollowing and following again within the
  quiet period (FOLLOW_NOTIFICATION_QUIET_HOURS, a day) makes no new notification: the one
  already there tells it, read or not, so a follow button pressed on and off spams no one.

A comment's notifications whose recipient wants email are created `pending`; the outbox
given sends them once the transaction has committed (notifications/emails.py).
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any, Protocol

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inkwell.comments.models import Comment
from inkwell.db import Reader, UTCDateTime, utcnow
from inkwell.notifications.models import EmailStatus, Kind, Notification, has_pending_email
from inkwell.notifications.rows import CommentEmail, ListedNotification, NotificationListing
from inkwell.pagination import page_bound
from inkwell.posts.models import Post, is_published, post_path
from inkwell.transactions import after_commit
from inkwell.users.models import User, is_active, not_suspended
from inkwell.users.rows import author_path


class Outbox(Protocol):
    """What sends the emails of notifications once they are committed (emails.Outbox)."""

    async def deliver(self, notification_ids: Sequence[int]) -> None: ...


def comment_link(post_id: int, slug: str, comment_id: int) -> str:
    """The comment under the post, at the post's canonical address (no redirect on the way):
    `?comment=` opens the page of comments that shows it, the fragment scrolls to it."""
    return f"{post_path(post_id, slug)}?comment={comment_id}#comment-{comment_id}"


def link(actor_username: str, post_id: int | None, slug: str | None, comment_id: int | None) -> str:
    """Where a notification takes its reader: the comment under the post, or the follower's
    page."""
    if post_id is None or slug is None or comment_id is None:
        return author_path(actor_username)
    return comment_link(post_id, slug, comment_id)


def _wants_email() -> Any:
    return case((User.email_notifications, literal(EmailStatus.PENDING.value)), else_=null())


async def comment_added(
    session: AsyncSession, comment: Comment, outbox: Outbox | None
) -> list[int]:
    """Tells the post's author and the thread's other commenters of `comment`, in one
    statement whatever their number; their emails follow the COMMIT through `outbox`.
    Answers the new notifications' ids."""
    actor, post_id, now = comment.user_id, comment.post_id, utcnow()
    common = (
        literal(actor),
        literal(post_id),
        literal(comment.id),
        literal(now, UTCDateTime()),
        _wants_email(),
    )
    to_author = (
        select(Post.user_id, literal(Kind.COMMENT.value), *common)
        .join(User, User.id == Post.user_id)
        .where(Post.id == post_id, Post.user_id != actor)
    )
    to_thread = (
        select(Comment.user_id, literal(Kind.REPLY.value), *common)
        .distinct()
        .join(Post, Post.id == Comment.post_id)
        .join(User, User.id == Comment.user_id)
        .where(
            Comment.post_id == post_id,
            Comment.user_id != actor,
            Comment.user_id != Post.user_id,
        )
    )
    columns = ["user_id", "kind", "actor_id", "post_id", "comment_id", "created_at", "email_status"]
    created = await session.execute(
        insert(Notification)
        .from_select(columns, union_all(to_author, to_thread))
        .returning(Notification.id, Notification.email_status)
    )
    rows = created.all()
    to_email = [row.id for row in rows if row.email_status == EmailStatus.PENDING]
    if to_email and outbox is not None:
        after_commit(session, partial(outbox.deliver, to_email))
    return [row.id for row in rows]


async def followed(
    session: AsyncSession, follower_id: int, followed_id: int, *, quiet: timedelta
) -> None:
    """Tells `followed_id` of a new follower, unless this follower already did within the
    quiet period (see the module's docstring)."""
    now = utcnow()
    recent = exists().where(
        Notification.user_id == followed_id,
        Notification.actor_id == follower_id,
        Notification.kind == Kind.FOLLOW.value,
        Notification.created_at > now - quiet,
    )
    rows = select(
        literal(followed_id), literal(follower_id), literal(Kind.FOLLOW.value),
        literal(now, UTCDateTime()),
    ).where(~recent)  # fmt: skip
    await session.execute(
        insert(Notification).from_select(["user_id", "actor_id", "kind", "created_at"], rows)
    )


def _count_columns() -> tuple[Any, Any]:
    """The user's notifications and unread ones, less those told by a suspended user."""
    mine = aliased(Notification)
    shown = (mine.user_id == bindparam("user_id"), is_active(mine.actor_id))
    total = (select(func.count()).select_from(mine).where(*shown)).scalar_subquery()
    unread = (
        select(func.count()).select_from(mine).where(*shown, mine.read_at.is_(None))
    ).scalar_subquery()
    return total.label("total"), unread.label("unread")


# Made once: an alias costs more to make than its count takes to run (every page a signed-in
# reader opens shows the unread count). Not @cache: mutmut mutates no decorated function.
_counts = cache(_count_columns)


def _listing_statements(after: bool) -> tuple[Select[*tuple[Any, ...]], Select[Any]]:
    """Newest first from the (user_id, id) index, each with its actor and the user's two
    counts: one statement, whatever the page holds. Past the last page the counts alone.
    From `skip`, or `after` a notification's id (newest first is by id: ids grow with
    time, and no two share one). While their actor is suspended, notifications are neither
    listed nor counted; lifting the suspension brings them back as they were (read or not)."""
    total, unread = _counts()
    page = (
        select(
            Notification.id,
            Notification.kind,
            Notification.read_at,
            Notification.created_at,
            Notification.post_id,
            Notification.comment_id,
            User.id.label("actor_id"),
            User.username,
            User.image_file,
            User.display_name,
            Post.slug,
            Post.title,
            total,
            unread,
        )
        .join(User, User.id == Notification.actor_id)
        # A post taken back to draft keeps its link for its author only: its slug is its
        # new title, which no one else may read.
        .outerjoin(
            Post,
            and_(
                Post.id == Notification.post_id,
                or_(is_published, Post.user_id == Notification.user_id),
            ),
        )
        .where(Notification.user_id == bindparam("user_id"), not_suspended)
        .order_by(Notification.id.desc())
        .limit(page_bound("limit"))
    )
    if after:
        page = page.where(Notification.id < bindparam("after_id"))
    else:
        page = page.offset(page_bound("skip"))
    return page, select(total, unread)


# Not @cache: mutmut mutates no decorated function (make mutation).
_listing = cache(_listing_statements)


def _listed(row: Any) -> ListedNotification:
    return {
        "id": row.id,
        "kind": row.kind,
        "read": row.read_at is not None,
        "created_at": row.created_at,
        "actor": {
            "id": row.actor_id,
            "username": row.username,
            "image_file": row.image_file,
            "display_name": row.display_name,
        },
        "post_id": row.post_id,
        "comment_id": row.comment_id,
        "link": link(row.username, row.post_id, row.slug, row.comment_id),
        "post_title": row.title,
    }


async def list_notifications(
    reader: Reader, user_id: int, *, skip: int, limit: int, after: int | None = None
) -> NotificationListing:
    """A page of the user's notifications, from `skip` or `after` a notification's id; the
    listing says where the next page starts (`after`), None on the last."""
    page, counts_only = _listing(after is not None)
    parameters = {"user_id": user_id, "skip": skip, "limit": limit + 1, "after_id": after}
    async with reader.connect() as connection:
        rows = (await connection.execute(page, parameters)).all()
        counts = rows[0] if rows else (await connection.execute(counts_only, parameters)).one()
    listed = [_listed(row) for row in rows[:limit]]
    next_after = listed[-1]["id"] if len(rows) > limit else None
    return NotificationListing(listed, counts.total, counts.unread, skip, limit, next_after)


async def unread_count(reader: Reader, user_id: int) -> int:
    """Exact, from the unread index."""
    _, unread = _counts()
    async with reader.connect() as connection:
        count = await connection.scalar(select(unread), {"user_id": user_id})
    return int(count or 0)


async def mark_read(session: AsyncSession, user_id: int, ids: Sequence[int] | None) -> int:
    """Marks the user's notifications read: all of them, or those of `ids` (others' ids and
    unknown ones are passed over, and so are those of suspended users, which no one sees
    meanwhile). Idempotent. Answers how many are still unread."""
    condition = [
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
        is_active(Notification.actor_id),
    ]
    if ids is not None:
        condition.append(Notification.id.in_(ids))
    await session.execute(
        update(Notification)
        .where(*condition)
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    _, unread = _counts()
    return int(await session.scalar(select(unread), {"user_id": user_id}) or 0)


async def stale_pending_emails(
    session: AsyncSession, *, created_before: datetime, limit: int
) -> list[int]:
    """The emails still pending that were created before `created_before`, oldest first:
    their after-commit send never began (a send claims its emails first), so the process
    that should have sent them stopped between the COMMIT and the send."""
    ids = await session.scalars(
        select(Notification.id)
        .where(has_pending_email, Notification.created_at < created_before)
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
    )
    return list(ids)


def _emails_statement() -> Select[*tuple[Any, ...]]:
    """What the claimed emails of `ids` say, in their order."""
    recipient, actor = aliased(User), aliased(User)
    return (
        select(
            Notification.id,
            Notification.kind,
            recipient.id,
            recipient.email,
            recipient.username,
            recipient.email_notifications,
            actor.suspended_at.is_(None),
            actor.username,
            Post.id,
            Post.title,
            Post.slug,
            Comment.id,
            Comment.body,
        )
        .join(recipient, recipient.id == Notification.user_id)
        .join(actor, actor.id == Notification.actor_id)
        .join(Post, Post.id == Notification.post_id)
        .join(Comment, Comment.id == Notification.comment_id)
        .where(Notification.id.in_(bindparam("ids")))  # in_ makes it expanding
        .order_by(Notification.id)
    )


# Made once: two aliases of users cost more to make than the statement takes to run, at
# every comment. Not @cache: mutmut mutates no decorated function (make mutation).
_emails = cache(_emails_statement)


async def claim_emails(session: AsyncSession, ids: Sequence[int]) -> list[CommentEmail]:
    """Takes the pending emails of `ids` for this sender, in one conditional UPDATE: an
    email another sender (or an earlier try) already took is not answered, so it is sent
    once at most. Answers what each email says, read now."""
    claimed = (
        (
            await session.execute(
                update(Notification)
                .where(Notification.id.in_(ids), Notification.email_status == EmailStatus.PENDING)
                .values(email_status=EmailStatus.SENDING.value)
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
        )
        .scalars()
        .all()
    )
    if not claimed:
        return []
    rows = await session.execute(_emails(), {"ids": claimed})
    return [CommentEmail(*tuple(row)) for row in rows]


async def drop_pending_emails(session: AsyncSession, actor_id: int) -> None:
    """The emails still pending of what `actor_id` did are never sent (`EmailStatus.DROPPED`):
    called by their suspension, in its transaction (see emails.py for why they are dropped,
    not held)."""
    await session.execute(
        update(Notification)
        .where(has_pending_email, Notification.actor_id == actor_id)
        .values(email_status=EmailStatus.DROPPED.value)
        .execution_options(synchronize_session=False)
    )


async def settle_emails(session: AsyncSession, outcomes: Mapping[EmailStatus, list[int]]) -> None:
    """Where claimed emails ended (sent, failed, skipped): one statement per outcome."""
    for status, ids in outcomes.items():
        if ids:
            await session.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(email_status=status.value)
                .execution_options(synchronize_session=False)
            )
