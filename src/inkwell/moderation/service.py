"""Moderation: every query and rule of reports, suspensions and the audit log; nothing here
commits.

Who may do what: anyone signed in reports a post or a comment they can see; admins resolve
reports, suspend and unsuspend users (not admins: demote them first), and delete any post
or comment (posts and comments check it; each records it here). Every admin action is
recorded in the audit log in the transaction that does it."""

from functools import cache
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from inkwell.comments.models import Comment
from inkwell.db import Reader, utcnow
from inkwell.errors import Conflict, ErrorCode, Forbidden, NotFound
from inkwell.follows import service as follows
from inkwell.media import service as media
from inkwell.media.pending import PendingMedia
from inkwell.moderation.models import SUMMARY_MAX_LENGTH, AuditEntry, Report
from inkwell.moderation.rows import AuditRecord, OpenReport, TargetType
from inkwell.notifications import service as notifications
from inkwell.pagination import page_bound
from inkwell.posts import service as posts
from inkwell.posts.models import Post, is_published
from inkwell.users import service as users
from inkwell.users.models import ADMIN, User, is_active

# How much of a reported comment the admin page shows.
EXCERPT_LENGTH = 200


class AdminsOnly(Forbidden):
    code = ErrorCode.ADMINS_ONLY

    def __init__(self) -> None:
        super().__init__("Only admins may do this")


def require_admin(user: User) -> User:
    if not user.is_admin:
        raise AdminsOnly
    return user


def _summary(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX_LENGTH else text[: SUMMARY_MAX_LENGTH - 1] + "…"


def record(
    session: AsyncSession,
    admin: User,
    action: str,
    target: tuple[TargetType, int],
    about: str,
) -> None:
    """Writes what `admin` did into the audit log, in the caller's transaction: it is kept
    if and only if the action is."""
    session.add(
        AuditEntry(
            actor_id=admin.id,
            actor_name=admin.username,
            action=action,
            target_type=target[0],
            target_id=target[1],
            summary=_summary(about),
        )
    )


async def delete_post(
    session: AsyncSession, changes: PendingMedia, user: User, post_id: int
) -> Post:
    """Deletes the post, if `user` wrote it or is an admin (whose deletion the audit log
    records, in this transaction): 404 unknown or someone else's draft, 403 someone else's
    post. An admin also finds a post whose author is suspended. For the API's DELETE and
    the post page's plain form alike; the post deleted is returned."""
    post = await posts.get_post(session, post_id, viewer_id=user.id, suspended=user.is_admin)
    if post.user_id != user.id:
        if not user.is_admin:
            raise Forbidden("You may only change your own posts")
        record(session, user, "delete_post", ("post", post.id), post.title)
    await media.delete_post(session, changes, post, by_admin=user.is_admin)
    return post


async def suspend(session: AsyncSession, admin: User, user_id: int) -> User:
    """Suspends the user: they cannot sign in, every session of theirs ends, their
    posts, comments and likes leave every public read and count, and the emails still
    pending of what they did are dropped (notifications/emails.py). Idempotent: suspending
    a suspended user changes nothing and records nothing."""
    user = await _suspendable(session, user_id)
    if await users.set_suspended(session, user, suspended=True):
        users.end_sessions(user)
        await posts.count_author(session, user.id, counted=False)
        await follows.count_follows(session, user.id, counted=False)
        await notifications.drop_pending_emails(session, user.id)
        record(session, admin, "suspend_user", ("user", user.id), user.username)
        await session.flush()
    return user


async def unsuspend(session: AsyncSession, admin: User, user_id: int) -> User:
    """Lifts a suspension: everything of theirs is back as it was (they sign in again), but
    the emails dropped meanwhile, which stay dropped."""
    user = await _suspendable(session, user_id)
    if await users.set_suspended(session, user, suspended=False):
        await posts.count_author(session, user.id, counted=True)
        await follows.count_follows(session, user.id, counted=True)
        record(session, admin, "unsuspend_user", ("user", user.id), user.username)
        await session.flush()
    return user


async def _suspendable(session: AsyncSession, user_id: int) -> User:
    user = await users.get_user(session, user_id)
    if user.is_admin:
        raise Conflict(
            "An admin cannot be suspended; demote them first",
            code=ErrorCode.ADMIN_NOT_SUSPENDABLE,
        )
    return user


def _post_not_found() -> NotFound:
    return NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)


async def report(
    session: AsyncSession,
    reporter: User,
    *,
    post_id: int | None,
    comment_id: int | None,
    reason: str,
) -> Report:
    """A report of a post or of a comment the reporter can see: a published post, or a
    comment under one, whose authors are not suspended (anything else is a 404)."""
    if post_id is not None:
        visible = select(Post.id).where(Post.id == post_id, is_published, is_active(Post.user_id))
        if await session.scalar(visible) is None:
            raise _post_not_found()
    else:
        visible = (
            select(Comment.id)
            .join(Post, Post.id == Comment.post_id)
            .where(
                Comment.id == comment_id,
                is_published,
                is_active(Comment.user_id),
                is_active(Post.user_id),
            )
        )
        if await session.scalar(visible) is None:
            raise NotFound("Comment not found", code=ErrorCode.COMMENT_NOT_FOUND)
    filed = Report(reporter_id=reporter.id, post_id=post_id, comment_id=comment_id, reason=reason)
    session.add(filed)
    await session.flush()
    return filed


async def resolve(session: AsyncSession, admin: User, report_id: int) -> Report:
    """Closes a report. Idempotent: a resolved report stays as it was resolved, and only
    the first resolution is recorded (one conditional statement decides a race)."""
    resolved = await session.execute(
        update(Report)
        .where(Report.id == report_id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=admin.id)
        .returning(Report.id)
        .execution_options(synchronize_session=False)
    )
    if resolved.one_or_none() is not None:
        record(session, admin, "resolve_report", ("report", report_id), f"report {report_id}")
    found = await session.get(Report, report_id, populate_existing=True)
    if found is None:
        raise NotFound("Report not found", code=ErrorCode.REPORT_NOT_FOUND)
    await session.flush()
    return found


def _open_reports_statement() -> Select[Any]:
    """Open reports, oldest first, each with its post (the one reported, or the one the
    reported comment is under), its reporter and the target's author: one statement,
    whatever the number of reports."""
    reporter, author = aliased(User), aliased(User)
    return (
        select(
            Report.id,
            Report.reason,
            Report.created_at,
            reporter.username,
            Post.id,
            Post.title,
            Post.slug,
            Comment.id,
            func.substr(Comment.body, 1, EXCERPT_LENGTH),
            author.id,
            author.username,
            author.suspended_at.is_not(None),
            author.role == ADMIN,
        )
        .join(reporter, reporter.id == Report.reporter_id)
        .outerjoin(Comment, Comment.id == Report.comment_id)
        .join(Post, Post.id == func.coalesce(Report.post_id, Comment.post_id))
        .join(author, author.id == func.coalesce(Comment.user_id, Post.user_id))
        .where(Report.resolved_at.is_(None))
        .order_by(Report.id)
        .limit(page_bound("limit"))
    )


_open_reports = cache(_open_reports_statement)
_AUDIT_LOG = (
    select(
        AuditEntry.id,
        AuditEntry.actor_id,
        AuditEntry.actor_name,
        AuditEntry.action,
        AuditEntry.target_type,
        AuditEntry.target_id,
        AuditEntry.summary,
        AuditEntry.created_at,
    )
    .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    .limit(page_bound("limit"))
)


async def list_open_reports(reader: Reader, *, limit: int) -> list[OpenReport]:
    async with reader.connect() as connection:
        rows = await connection.execute(_open_reports(), {"limit": limit})
    return [OpenReport(*row) for row in rows]


async def list_audit_log(reader: Reader, *, limit: int) -> list[AuditRecord]:
    """The newest entries first."""
    async with reader.connect() as connection:
        rows = await connection.execute(_AUDIT_LOG, {"limit": limit})
    return [AuditRecord(*row) for row in rows]
