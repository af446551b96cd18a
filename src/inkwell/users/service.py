"""Users: every query and rule about accounts lives here; nothing here commits."""

import secrets
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, Literal

from sqlalchemy import Row, Select, bindparam, delete, false, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.auth.columns import session_exists
from inkwell.auth.models import PasswordResetToken
from inkwell.auth.ratelimit import PasswordGuard
from inkwell.constraints import violated_unique
from inkwell.db import Reader, utcnow
from inkwell.errors import BadRequest, Conflict, ErrorCode, Forbidden, NotFound
from inkwell.follows.columns import followed_by
from inkwell.notifications.columns import unread_count
from inkwell.security import PasswordHasher
from inkwell.users.email_change import EmailChangeClaims, InvalidConfirmation
from inkwell.users.identity import confusable_skeleton, lookup_key
from inkwell.users.models import ADMIN, User, new_security_stamp
from inkwell.users.rows import Account, AuthorProfile


class UsernameTaken(Conflict):
    code = ErrorCode.USERNAME_TAKEN

    def __init__(self) -> None:
        super().__init__("This username is already taken")


class EmailTaken(Conflict):
    code = ErrorCode.EMAIL_TAKEN

    def __init__(self) -> None:
        super().__init__("This email is already registered")


# The unique keys of `users` a race for the same name can break, by the names the migrations
# give them; `uq_users_email` is the email column's own older constraint.
_TAKEN_BY_CONSTRAINT: dict[str, type[Conflict]] = {
    "uq_users_username_key": UsernameTaken,
    "uq_users_email_key": EmailTaken,
    "uq_users_email": EmailTaken,
}


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("User not found", code=ErrorCode.USER_NOT_FOUND)
    return user


async def get_signed_in_user(
    session: AsyncSession, user_id: int, security_stamp: str, session_id: str | None
) -> User | None:
    """The user an access token names, loaded into the session, on get_account's terms."""
    if session_id is None:
        user = await session.get(User, user_id)
    else:
        user = await session.scalar(
            select(User).where(User.id == user_id, session_exists(User.id, literal(session_id)))
        )
    if user is None or not secrets.compare_digest(user.security_stamp, security_stamp):
        return None
    return user


def _profile_statement(
    by: Literal["id", "ids", "username"], signed_in: bool, suspended: bool = False
) -> Select[*tuple[Any, ...]]:
    """An AuthorProfile's fields, in its order. Follows: the counts the database keeps on the
    row, and whether the reader follows them, an `EXISTS` column (a primary-key probe)
    bound to `viewer_id`. A suspended user is not found, unless `suspended` (for admins)."""
    following = followed_by(bindparam("viewer_id"), User.id) if signed_in else false()
    query = select(
        User.id,
        User.username,
        User.image_file,
        User.display_name,
        User.bio,
        User.created_at,
        User.post_count,
        User.follower_count,
        User.following_count,
        following.label("following"),
        User.suspended_at,
        User.image_url,
        (User.role == ADMIN).label("admin"),
    )
    if not suspended:
        query = query.where(User.suspended_at.is_(None))
    if by == "id":
        return query.where(User.id == bindparam("user_id"))
    if by == "ids":
        return query.where(User.id.in_(bindparam("user_ids", expanding=True)))
    return query.where(User.username_key == bindparam("username_key"))


_profile = cache(_profile_statement)


async def get_profile(reader: Reader, user_id: int, viewer_id: int | None = None) -> AuthorProfile:
    """What anyone may see of a user, read without a session (see DbReader)."""
    parameters = {"user_id": user_id, "viewer_id": viewer_id}
    return await _read_profile(reader, _profile("id", viewer_id is not None), parameters)


async def get_profile_by_username(
    reader: Reader, username: str, viewer_id: int | None = None, *, suspended: bool = False
) -> AuthorProfile:
    """The user whose name is `username` by the rules names are compared by (case and
    Unicode's ways to write it aside): their page answers `/@Alice` as well as `/@alice`.
    A suspended user is found only with `suspended` (their page, for admins)."""
    parameters = {"username_key": lookup_key(username), "viewer_id": viewer_id}
    query = _profile("username", viewer_id is not None, suspended)
    return await _read_profile(reader, query, parameters)


async def list_profiles(
    reader: Reader, user_ids: Collection[int], viewer_id: int | None = None
) -> dict[int, AuthorProfile]:
    """The profiles of several users at once, by id: one statement, however many."""
    if not user_ids:
        return {}
    parameters = {"user_ids": sorted(user_ids), "viewer_id": viewer_id}
    async with reader.connect() as connection:
        rows = (await connection.execute(_profile("ids", viewer_id is not None), parameters)).all()
    return {row.id: _author_profile(row) for row in rows}


async def _read_profile(
    reader: Reader, query: Select[*tuple[Any, ...]], parameters: dict[str, Any]
) -> AuthorProfile:
    async with reader.connect() as connection:
        row = (await connection.execute(query, parameters)).one_or_none()
    if row is None:
        raise NotFound("User not found", code=ErrorCode.USER_NOT_FOUND)
    return _author_profile(row)


def _author_profile(row: Row[Any]) -> AuthorProfile:
    return AuthorProfile(
        id=row.id,
        username=row.username,
        image_file=row.image_file,
        display_name=row.display_name,
        bio=row.bio,
        created_at=row.created_at,
        post_count=row.post_count,
        follower_count=row.follower_count,
        following_count=row.following_count,
        following=bool(row.following),
        suspended_at=row.suspended_at,
        image_url=row.image_url,
        admin=bool(row.admin),
    )


# An Account's fields, in its order.
_ACCOUNT_COLUMNS = (
    User.id,
    User.username,
    User.image_file,
    User.display_name,
    User.email,
    User.created_at,
    User.bio,
    User.email_notifications,
    User.role,
)
# Every page reads it for its navbar, with the unread notifications' badge: one statement.
_ACCOUNT = select(
    *_ACCOUNT_COLUMNS,
    unread_count(bindparam("user_id")).label("unread_notifications"),
    User.security_stamp,
).where(User.id == bindparam("user_id"), User.suspended_at.is_(None))
# The same for a cookie's token: only while its sign-in session exists.
_ACCOUNT_IN_SESSION = _ACCOUNT.where(session_exists(User.id, bindparam("session_id")))


async def get_account(
    reader: Reader, user_id: int, security_stamp: str, session_id: str | None = None
) -> Account | None:
    """The account an access token names, while the token's security stamp still matches,
    the account is not suspended and, for a cookie's token, its sign-in session exists (in
    the same statement)."""
    query, parameters = _ACCOUNT, dict[str, object](user_id=user_id)
    if session_id is not None:
        query, parameters = _ACCOUNT_IN_SESSION, {**parameters, "session_id": session_id}
    async with reader.connect() as connection:
        row = (await connection.execute(query, parameters)).one_or_none()
    if row is None or not secrets.compare_digest(row.security_stamp, security_stamp):
        return None
    return Account(
        id=row.id,
        username=row.username,
        image_file=row.image_file,
        display_name=row.display_name,
        email=row.email,
        created_at=row.created_at,
        bio=row.bio,
        email_notifications=row.email_notifications,
        role=row.role,
        unread_notifications=row.unread_notifications,
    )


async def register(
    session: AsyncSession, passwords: PasswordHasher, *, username: str, email: str, password: str
) -> User:
    await _ensure_available(session, username=username, email=email)
    user = User(username=username, email=email, password_hash=await passwords.hash(password))
    session.add(user)
    await _flush_unique(session)
    return user


async def update_user(
    session: AsyncSession,
    passwords: PasswordHasher,
    guard: PasswordGuard,
    user: User,
    *,
    username: str | None = None,
    email: str | None = None,
    password: str | None = None,
    current_password: str | None = None,
    display_name: str | None = None,
    bio: str | None = None,
    email_notifications: bool | None = None,
) -> str | None:
    """Changes the username and the password at once; a new email only once confirmed
    (confirm_email), so it is returned, checked, for a confirmation link to be sent.

    The username needs no password: it is no way into the account, whereas the email
    receives the password reset links: a new email or password without the right
    current_password is refused. An empty display name or bio clears it.
    """
    if password is not None or email is not None:
        await _check_current_password(guard, user, current_password)
    if password is not None:
        await set_password(session, passwords, user, password)
    changed_username = username if username not in (None, user.username) else None
    new_email = email if email not in (None, user.email) else None
    await _ensure_available(
        session, username=changed_username, email=new_email, except_user_id=user.id
    )
    if username is not None:
        user.username = username
    if display_name is not None:
        user.display_name = display_name or None
    if bio is not None:
        user.bio = bio or None
    if email_notifications is not None:
        user.email_notifications = email_notifications
    await _flush_unique(session)
    return new_email


async def stop_notification_emails(session: AsyncSession, user_id: int) -> bool:
    """What an unsubscribe link does: idempotent; False when the user no longer exists."""
    stopped = await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(email_notifications=False)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    )
    return stopped.one_or_none() is not None


async def confirm_email(session: AsyncSession, claims: EmailChangeClaims) -> tuple[User, str]:
    """Applies a confirmed email change; answers the user and the email they had before.

    One conditional statement consumes the token (its stamp must still be the user's), so
    two racing uses cannot both succeed. It ends every session and voids any reset link
    that was sent to the old address.
    """
    user = await session.get(User, claims.user_id)
    if user is None:
        raise InvalidConfirmation
    old_email = user.email
    await _ensure_available(session, username=None, email=claims.new_email, except_user_id=user.id)
    with _taken_names_conflict():
        consumed = await session.execute(
            update(User)
            .where(User.id == user.id, User.security_stamp == claims.security_stamp)
            .values(
                email=claims.new_email,
                email_key=lookup_key(claims.new_email),
                security_stamp=new_security_stamp(),
            )
            .returning(User.id)
            .execution_options(synchronize_session=False)
        )
    if consumed.one_or_none() is None:
        raise InvalidConfirmation
    await session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    await session.refresh(user)
    return user, old_email


async def _check_current_password(
    guard: PasswordGuard, user: User, current_password: str | None
) -> None:
    """What a stolen session lacks: asked before the password or the email changes, and
    guessed only within the sign-in limits, like any password a client sends."""
    if not await guard.verify(user, current_password or ""):
        # In plain words: the account page shows it at its Current password field.
        raise BadRequest(
            "This is not your current password.", code=ErrorCode.CURRENT_PASSWORD_INCORRECT
        )


async def swap_picture(
    session: AsyncSession, user_id: int, *, current: str | None, new: str | None
) -> Account | None:
    """Points the account at picture `new` if it still has `current` (compare-and-swap): the
    account as it now is, or None when another change came first. A picture set elsewhere
    (through Conduit) goes too: the newest picture is the one shown."""
    swapped = (
        await session.execute(
            update(User)
            .where(User.id == user_id, User.image_file.is_not_distinct_from(current))
            .values(image_file=new, image_url=None)
            .returning(*_ACCOUNT_COLUMNS)
            .execution_options(synchronize_session=False)
        )
    ).one_or_none()
    return None if swapped is None else Account(*swapped)


async def set_password(
    session: AsyncSession, passwords: PasswordHasher, user: User, password: str
) -> None:
    """A new password ends every session and voids any pending reset link."""
    user.password_hash = await passwords.hash(password)
    end_sessions(user)
    await session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))


async def get_user_by_username(session: AsyncSession, username: str) -> User:
    """The user whose name is `username`, compared as names are (case and Unicode aside)."""
    user = await session.scalar(select(User).where(User.username_key == lookup_key(username)))
    if user is None:
        raise NotFound(f"No user is named {username!r}", code=ErrorCode.USER_NOT_FOUND)
    return user


async def set_suspended(session: AsyncSession, user: User, *, suspended: bool) -> bool:
    """Suspends the user (or lifts it); False when they already were (or were not), so that
    a repeated or concurrent request changes nothing twice: one conditional statement, which
    a concurrent one waits for and then finds already done."""
    if suspended:
        condition, value = User.suspended_at.is_(None), utcnow()
    else:
        condition, value = User.suspended_at.is_not(None), None
    # FOR UPDATE, the one lock a writer's `hold_active` (FOR KEY SHARE) waits for: a write
    # of theirs under way is counted before the suspension counts them out, and one that
    # comes after it is refused (SQLite: the UPDATE holds the database's write lock).
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    changed = await session.execute(
        update(User)
        .where(User.id == user.id, condition)
        .values(suspended_at=value)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    )
    if changed.one_or_none() is None:
        return False
    await session.refresh(user, ["suspended_at"])
    return True


class AccountSuspended(Forbidden):
    code = ErrorCode.ACCOUNT_SUSPENDED

    def __init__(self) -> None:
        super().__init__("This account is suspended by the moderators")


async def hold_writer(session: AsyncSession, user_id: int) -> None:
    """`hold_active` for the one who writes: suspended meanwhile, they write nothing (403)."""
    if not await hold_active(session, user_id):
        raise AccountSuspended


async def hold_active(session: AsyncSession, *user_ids: int) -> frozenset[int]:
    """Which of these users are not suspended, held so until the transaction ends: called
    before a write of rows the suspension of these users would count out (posts, comments,
    likes, follows), so that such a write is counted exactly once. A suspension waits for
    the writes under way to commit before it counts (it sees them), and a write waits for a
    suspension under way, then finds the user suspended (and writes nothing)."""
    held = await hold(session, *user_ids)
    return frozenset(user_id for user_id, suspended in held.items() if not suspended)


async def hold(session: AsyncSession, *user_ids: int) -> dict[int, bool]:
    """Whether each of these users (those that exist) is suspended, held so until the
    transaction ends: a suspension, or its lifting, waits for this transaction, and this
    waits for one under way and then reads its outcome.

    PostgreSQL: FOR KEY SHARE on the rows, in id order, the lock a foreign key check takes:
    writers never wait for each other, nor for the kept counts' updates, only for
    `set_suspended`'s FOR UPDATE. SQLite: a no-op UPDATE takes the database's write lock
    first (a SELECT would not begin the transaction), so the check and the write are one
    turn of the single writer."""
    ids = sorted(set(user_ids))
    if (await session.connection()).dialect.name == "sqlite":
        held = await session.execute(
            update(User)
            .where(User.id.in_(ids))
            .values(suspended_at=User.suspended_at)
            .returning(User.id, User.suspended_at)
            .execution_options(synchronize_session=False)
        )
    else:
        held = await session.execute(
            select(User.id, User.suspended_at)
            .where(User.id.in_(ids))
            .order_by(User.id)
            .with_for_update(read=True, key_share=True)
        )
    return {user_id: suspended_at is not None for user_id, suspended_at in held}


def end_sessions(user: User) -> None:
    """Every access token carries the stamp it was issued with, and every sign-in session
    the stamp it was started with (auth/models.SignInSession): this voids them all."""
    user.security_stamp = new_security_stamp()


async def delete_user(session: AsyncSession, user: User) -> None:
    """The database's ON DELETE CASCADE removes the posts in the same statement (the counts
    of their rows follow, so a suspension under way waits: `hold_active`)."""
    await hold_active(session, user.id)
    await session.delete(user)
    await session.flush()


async def _ensure_available(
    session: AsyncSession,
    *,
    username: str | None,
    email: str | None,
    except_user_id: int | None = None,
) -> None:
    """Answers which name is taken, or too like a taken one; the unique indexes still decide
    races for the same key (see _flush_unique)."""
    username_key = username_skeleton = email_key = None
    clauses = []
    if username is not None:
        username_key, username_skeleton = lookup_key(username), confusable_skeleton(username)
        clauses.append(User.username_key == username_key)
        clauses.append(User.username_skeleton == username_skeleton)
    if email is not None:
        email_key = lookup_key(email)
        clauses.append(User.email_key == email_key)
    if not clauses:
        return
    query = select(User.username_key, User.username_skeleton, User.email_key).where(or_(*clauses))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    taken = (await session.execute(query)).all()
    if any(row.username_key == username_key for row in taken):
        raise UsernameTaken
    if any(row.username_skeleton == username_skeleton for row in taken):
        raise Conflict(
            "This username looks too much like an existing one",
            code=ErrorCode.USERNAME_TOO_SIMILAR,
        )
    if any(row.email_key == email_key for row in taken):
        raise EmailTaken


def _convert_taken_names() -> Iterator[None]:
    """Turns the loser of a race for the same username or email into a 409."""
    try:
        yield
    except IntegrityError as exc:
        constraint = violated_unique(exc, User.metadata.tables[User.__tablename__])
        if constraint not in _TAKEN_BY_CONSTRAINT:
            raise
        raise _TAKEN_BY_CONSTRAINT[constraint] from exc


_taken_names_conflict = contextmanager(_convert_taken_names)


async def _flush_unique(session: AsyncSession) -> None:
    with _taken_names_conflict():
        await session.flush()
