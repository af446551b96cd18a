"""Rows a test needs but does not test, inserted straight into the test database.

Registering through the API costs a request and an argon2 hash, signing in another request
and a check: setup that is not what a test is about goes through `Factory` instead (the
`factory` fixture). A user gets a precomputed hash of `PASSWORD` (so they can still sign in
through the API) and a token issued as the sign-in route issues it; the rows and the
answers are shaped as the API shapes them, so a test may mix both ways.

What a factory skips is what the API tests test: input validation beyond the schema's,
the look-alike username check, rate limits, emails.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from inkwell.auth.tokens import AccessTokens
from inkwell.comments import service as comments
from inkwell.config import Settings
from inkwell.db import Reader, create_sessionmaker, reads_through, utcnow
from inkwell.follows import service as follows
from inkwell.likes import service as likes
from inkwell.notifications.models import Notification
from inkwell.posts import service as posts
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import Post
from inkwell.posts.schemas import PostRead
from inkwell.users.models import User
from inkwell.users.schemas import UserCreate, UserPrivate

PASSWORD = "correct horse battery staple"


@cache
def password_hash(password: str, time_cost: int, memory_cost_kib: int) -> str:
    """One hash per password and cost for the whole run: argon2 is the slow part of a user."""
    hasher = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost_kib),))
    return hasher.hash(password)


@dataclass(frozen=True)
class Account:
    """A registered, signed-in user: the private profile and the headers that authenticate."""

    user: dict[str, object]
    headers: dict[str, str]

    @property
    def id(self) -> int:
        return _int(self.user["id"])


# Whom a factory method takes: a row, an account or a user's id.
Someone = User | Account | int


def _user_id(who: Someone) -> int:
    return who if isinstance(who, int) else who.id


def _post_id(post: dict[str, object]) -> int:
    return _int(post["id"])


def _int(value: object) -> int:
    assert isinstance(value, int), value
    return value


# Shared by every test's factory: building its parser and sanitizer costs some 3 ms.
MARKDOWN = MarkdownRenderer()


class Factory:
    """Inserts users, posts, comments, likes, follows and notifications on the test's
    database, each in a transaction of its own."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.settings = settings
        self._sessions = create_sessionmaker(engine)
        self._tokens = AccessTokens.from_settings(settings)
        # Never connects: the posts' read goes through the factory's own session.
        self._reader = Reader.from_settings(settings)
        self._count = 0

    def _next(self) -> int:
        self._count += 1
        return self._count

    async def user(
        self,
        username: str | None = None,
        *,
        email: str | None = None,
        password: str = PASSWORD,
        **columns: Any,
    ) -> User:
        """A user as registering makes one: username and email normalised by the schema."""
        username = username or f"user{self._next()}"
        data = UserCreate(
            username=username, email=email or f"{username}@example.com", password=password
        )
        user = User(
            username=data.username,
            email=data.email,
            password_hash=password_hash(
                password, self.settings.argon2_time_cost, self.settings.argon2_memory_cost_kib
            ),
            **columns,
        )
        async with self._sessions.begin() as session:
            session.add(user)
        return user

    def headers(self, user: User) -> dict[str, str]:
        """Bearer headers with a token as signing in issues it."""
        return {"Authorization": f"Bearer {self._tokens.issue(user)}"}

    async def account(self, username: str | None = None, **fields: Any) -> Account:
        """A signed-up, signed-in user, as `Api.sign_up` returns it."""
        user = await self.user(username, **fields)
        profile = UserPrivate.model_validate(user).model_dump(mode="json")
        return Account(profile, self.headers(user))

    async def post(
        self,
        author: Someone,
        *,
        title: str | None = None,
        content: str = "Some words.",
        **fields: Any,
    ) -> dict[str, object]:
        """A post by `author` (rendered, tagged, published unless `status` says otherwise),
        written by the posts service and answered as the API answers its creation."""
        title = title or f"Post {self._next()}"
        async with self._sessions.begin() as session:
            user = await session.get_one(User, _user_id(author))
            post = await posts.create_post(
                session, user, title, content, markdown=MARKDOWN, **fields
            )
            with reads_through(session):
                listed = await posts.get_listed_post(self._reader, post.id, user.id)
        return PostRead.model_validate(listed).model_dump(mode="json")

    async def renumber(self, post: dict[str, object], new_id: int) -> None:
        """Give a post another id. Its title is set too, to itself: SQLite's search index
        follows a post through the trigger on an UPDATE OF its words, which an id alone does
        not fire, and an entry left at the old id corrupts the index for the tests after."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(Post).where(Post.id == _post_id(post)).values(id=new_id, title=Post.title)
            )

    async def posts(self, author: Someone, count: int) -> list[dict[str, object]]:
        """`count` posts by `author`, oldest first."""
        return [await self.post(author) for _ in range(count)]

    async def comment(self, author: Someone, post: dict[str, object], body: str) -> None:
        """A comment under `post` written by the comments service: its notifications made,
        its emails never sent."""
        async with self._sessions.begin() as session:
            user = await session.get_one(User, _user_id(author))
            await comments.add_comment(session, user, _post_id(post), body)

    async def like(self, user: Someone, post: dict[str, object]) -> None:
        async with self._sessions.begin() as session:
            await likes.like(session, _user_id(user), _post_id(post))

    async def follow(self, follower: Someone, followed: Someone) -> None:
        async with self._sessions.begin() as session:
            await follows.follow(session, _user_id(follower), _user_id(followed))

    async def follow_notifications(self, user: Someone, actor: Someone, count: int) -> None:
        """`count` notifications telling `user` that `actor` followed them, in one insert."""
        rows = [
            {
                "user_id": _user_id(user),
                "actor_id": _user_id(actor),
                "kind": "follow",
                "created_at": utcnow(),
            }
            for _ in range(count)
        ]
        async with self._sessions.begin() as session:
            await session.execute(insert(Notification), rows)
