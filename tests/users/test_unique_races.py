"""The loser of a race for a username or email learns which one was taken: the unique index
it broke says so by name, on both databases, whatever the values look like."""

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.constraints import violated_unique
from inkwell.errors import Conflict, ErrorCode
from inkwell.users.models import User
from inkwell.users.service import _flush_unique

USERS = User.metadata.tables[User.__tablename__]


@pytest.fixture
async def first(session: AsyncSession) -> User:
    """Its email has "username" in it: the driver's message quotes it on PostgreSQL."""
    user = User(username="émile", email="username@example.com", password_hash="x")
    session.add(user)
    await session.commit()
    return user


@pytest.mark.parametrize(
    ("username", "email", "index"),
    [
        ("ÉMILE", "other@example.com", "uq_users_username_key"),
        ("other", "USERNAME@example.com", "uq_users_email_key"),
    ],
    ids=["username", "email"],
)
@pytest.mark.usefixtures("first")
async def test_a_broken_unique_key_is_named_by_its_index(
    session: AsyncSession, username: str, email: str, index: str
) -> None:
    session.add(User(username=username, email=email, password_hash="x"))
    with pytest.raises(IntegrityError) as raised:
        await session.flush()
    assert violated_unique(raised.value, USERS) == index


@pytest.mark.parametrize(
    ("username", "email", "code"),
    [
        ("ÉMILE", "other@example.com", ErrorCode.USERNAME_TAKEN),
        ("other", "USERNAME@example.com", ErrorCode.EMAIL_TAKEN),
        ("other", "username@example.com", ErrorCode.EMAIL_TAKEN),
    ],
    ids=["username", "email key", "same email"],
)
@pytest.mark.usefixtures("first")
async def test_the_loser_of_a_race_learns_which_name_was_taken(
    session: AsyncSession, username: str, email: str, code: ErrorCode
) -> None:
    session.add(User(username=username, email=email, password_hash="x"))
    with pytest.raises(Conflict) as raised:
        await _flush_unique(session)
    assert raised.value.code == code


async def test_a_write_that_breaks_no_unique_key_is_not_taken_for_a_race(
    session: AsyncSession,
) -> None:
    """A missing email key names the column as a taken email would, but takes no email."""
    user = User(username="someone", email="someone@example.com", password_hash="x")
    user.email_key = None  # type: ignore[assignment]
    session.add(user)
    with pytest.raises(IntegrityError):
        await _flush_unique(session)
