"""Users: every query and rule about accounts lives here; nothing here commits."""

import secrets

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.auth.models import PasswordResetToken
from inkwell.db import Reader
from inkwell.errors import BadRequest, Conflict, NotFound
from inkwell.security import PasswordHasher
from inkwell.users.identity import confusable_skeleton, lookup_key
from inkwell.users.models import User, new_security_stamp
from inkwell.users.schemas import UserCreate, UserPrivate, UserPublic, UserUpdate


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user


_PROFILE = select(User.id, User.username, User.image_file).where(User.id == bindparam("user_id"))


async def get_profile(reader: Reader, user_id: int) -> UserPublic:
    """What anyone may see of a user, read without a session (see DbReader)."""
    async with reader.connect() as connection:
        row = (await connection.execute(_PROFILE, {"user_id": user_id})).one_or_none()
    if row is None:
        raise NotFound("User not found")
    return UserPublic.model_validate(row)


_ACCOUNT = select(
    User.id, User.username, User.email, User.image_file, User.created_at, User.security_stamp
).where(User.id == bindparam("user_id"))


async def get_account(reader: Reader, user_id: int, security_stamp: str) -> UserPrivate | None:
    """The account an access token names, while the token's security stamp still matches."""
    async with reader.connect() as connection:
        row = (await connection.execute(_ACCOUNT, {"user_id": user_id})).one_or_none()
    if row is None or not secrets.compare_digest(row.security_stamp, security_stamp):
        return None
    return UserPrivate.model_validate(row)


async def register(session: AsyncSession, passwords: PasswordHasher, data: UserCreate) -> User:
    await _ensure_available(session, username=data.username, email=data.email)
    user = User(
        username=data.username,
        email=data.email,
        password_hash=await passwords.hash(data.password),
    )
    session.add(user)
    await _flush_unique(session)
    return user


async def update_user(
    session: AsyncSession, passwords: PasswordHasher, user: User, data: UserUpdate
) -> User:
    if data.password is not None:
        # UserUpdate refuses a new password without the current one.
        if not await passwords.verify(data.current_password or "", user.password_hash):
            raise BadRequest("current_password is incorrect")
        await set_password(session, passwords, user, data.password)
    changed_username = data.username if data.username not in (None, user.username) else None
    changed_email = data.email if data.email not in (None, user.email) else None
    await _ensure_available(
        session, username=changed_username, email=changed_email, except_user_id=user.id
    )
    if data.username is not None:
        user.username = data.username
    if data.email is not None:
        user.email = data.email
    await _flush_unique(session)
    return user


async def set_password(
    session: AsyncSession, passwords: PasswordHasher, user: User, password: str
) -> None:
    """A new password ends every session and voids any pending reset link."""
    user.password_hash = await passwords.hash(password)
    end_sessions(user)
    await session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))


def end_sessions(user: User) -> None:
    """Every access token carries the stamp it was issued with; this voids them all."""
    user.security_stamp = new_security_stamp()


async def delete_user(session: AsyncSession, user: User) -> None:
    """The database's ON DELETE CASCADE removes the posts in the same statement."""
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
        raise Conflict("This username is already taken")
    if any(row.username_skeleton == username_skeleton for row in taken):
        raise Conflict("This username looks too much like an existing one")
    if any(row.email_key == email_key for row in taken):
        raise Conflict("This email is already registered")


async def _flush_unique(session: AsyncSession) -> None:
    """Turns the loser of a race for the same username or email into a 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        message = str(exc.orig)
        if "username" in message:
            raise Conflict("This username is already taken") from exc
        if "email" in message:
            raise Conflict("This email is already registered") from exc
        raise
