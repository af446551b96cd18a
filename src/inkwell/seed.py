"""Demo data that reads like a blog, in the numbers a benchmark needs: `inkwell seed --users
100000 --posts 1000000` takes minutes, not hours.

Everything is planned first, in arrays (who wrote which post, who likes which), so every
count is known before a row is written; then the rows go in, in one transaction:

- PostgreSQL: `COPY` (asyncpg's `copy_records_to_table`) in large batches, with the tables'
  own triggers switched off for the transaction (`ALTER TABLE ... DISABLE TRIGGER USER`, which
  needs the role that owns the tables: the one that migrates). The rows carry the counts the
  triggers would have kept (a post's likes and comments, an author's posts); the tags' and
  the total's share is added once at the end; `posts.search_tags` is written with the post,
  and the search index is the post's generated column, so it follows. The triggers are back
  on before the commit, and an aborted seed leaves nothing behind.
- SQLite: `executemany` in batches of BATCH_SIZE rows in one transaction; its row triggers
  keep the counts and the search index as for any write.

Names are unique by construction (seed_text.username), and the bodies are a few hundred
distinct posts (DISTINCT_BODIES), each rendered once, shared by all the posts that use it.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from inkwell import seed_text
from inkwell.comments.models import Comment
from inkwell.db import Base, utcnow
from inkwell.likes.models import Like
from inkwell.posts.markdown import COMMENT, MarkdownRenderer, Rendered
from inkwell.posts.models import DRAFT, PUBLISHED, Post, PostTag, Tag
from inkwell.posts.slugs import slugify
from inkwell.security import PasswordHasher
from inkwell.users.identity import names_key, user_keys
from inkwell.users.models import User, new_security_stamp

DEMO_PASSWORD = "inkwell-demo-password"  # noqa: S105  (documented demo credential)
BATCH_SIZE = 10_000
# Seconds a COPY batch, the search index's build or ANALYZE may take on PostgreSQL.
LONG_STATEMENT = 3600.0
# Each post gets up to this many of the demo tags; each user likes this many posts (or all).
TAGS_PER_POST = 3
LIKES_PER_USER = 20
DISTINCT_BODIES = 300
# One post in this many is a draft; one in this many is the first author's (with a million
# posts, an author of 100,000: the deep end of an author's listing).
DRAFT_EVERY = 100
FIRST_AUTHOR_EVERY = 10
# The posts' dates spread over this span, older ids older.
SPAN = timedelta(days=730)
DEMO_TAGS = (
    "python", "async", "databases", "postgresql", "sqlite", "web", "design", "writing",
    "testing", "security", "performance", "markdown", "fastapi", "devops", "career",
    "open-source", "tutorial", "opinion", "news", "books",
)  # fmt: skip

USER_COLUMNS = (
    "id", "username", "username_key", "username_skeleton", "email", "email_key",
    "password_hash", "display_name", "names_key", "bio", "created_at", "security_stamp",
    "post_count",
)  # fmt: skip
POST_COLUMNS = (
    "id", "title", "subtitle", "content", "content_html", "excerpt", "word_count",
    "date_posted", "updated_at", "user_id", "status", "published_at", "slug", "search_tags",
    "like_count", "comment_count",
)  # fmt: skip
POST_TAG_COLUMNS = ("post_id", "tag_id", "status", "published_at")
LIKE_COLUMNS = ("user_id", "post_id", "created_at")
COMMENT_COLUMNS = ("id", "post_id", "user_id", "body", "body_html", "created_at", "updated_at")
# The tables whose triggers the PostgreSQL path switches off while it writes.
TRIGGERED = ("posts", "post_tags", "likes", "comments")
T = TypeVar("T")


def work(users: int, posts: int, comments: int) -> int:
    """How many rows `seed` reports through `advance`: its progress bar's total."""
    return (
        users + posts + users * min(LIKES_PER_USER, _published(posts)) + (comments if posts else 0)
    )


def _published(posts: int) -> int:
    return posts - posts // DRAFT_EVERY


def _post_of_published(index: int) -> int:
    """The index of the `index`-th published post: drafts are every DRAFT_EVERY-th."""
    return index + index // (DRAFT_EVERY - 1)


def is_draft(post: int) -> bool:
    return post % DRAFT_EVERY == DRAFT_EVERY - 1


@dataclass(frozen=True)
class Plan:
    """Who wrote each post and who likes which, by index (0 is the first seeded row), and
    the counts that follow from it."""

    users: int
    posts: int
    comments: int
    authors: array[int]  # per post, the author's index
    likes: array[int]  # per user, LIKES_PER_USER post indices in a row
    likes_per_user: int
    post_counts: array[int]  # per user, their published posts
    like_counts: array[int]  # per post

    @classmethod
    def make(cls, rng: random.Random, users: int, posts: int, comments: int) -> Plan:
        authors = array("l", bytes(8 * posts))
        post_counts = array("l", bytes(8 * users))
        for post in range(posts):
            # A few write much, most a little: the square of a uniform draw favours the first.
            author = 0 if post % FIRST_AUTHOR_EVERY == 0 else int(users * rng.random() ** 2)
            authors[post] = author
            if not is_draft(post):
                post_counts[author] += 1
        published = _published(posts)
        per_user = min(LIKES_PER_USER, published)
        likes = array("l")
        like_counts = array("l", bytes(8 * posts))
        for _ in range(users):
            for index in rng.sample(range(published), per_user):
                post = _post_of_published(index)
                likes.append(post)
                like_counts[post] += 1
        return cls(users, posts, comments, authors, likes, per_user, post_counts, like_counts)


@dataclass(frozen=True)
class Content:
    """The rendered bodies and the tags, made once."""

    bodies: Sequence[tuple[str, Rendered]]
    tags: Sequence[tuple[int, str]]  # (id, name), in name order


async def seed(
    session: AsyncSession,
    passwords: PasswordHasher,
    *,
    users: int,
    posts: int,
    comments: int = 0,
    advance: Callable[[int], None] = lambda _: None,
    rng: random.Random | None = None,
) -> None:
    """Adds `users` users (all with DEMO_PASSWORD) and `posts` posts spread among them (a
    tenth by the first, one in DRAFT_EVERY a draft), each with up to TAGS_PER_POST of
    DEMO_TAGS, each user's likes of LIKES_PER_USER published posts, and `comments` comments
    by them under the first post it writes, a minute apart. Every count the database keeps
    is exact afterwards, as is the search index."""
    rng = rng or random.Random()  # noqa: S311  (demo text, not secrets)
    plan = Plan.make(rng, users, posts, comments)
    password_hash = await passwords.hash(DEMO_PASSWORD)
    markdown = MarkdownRenderer()
    bodies = [(text_, markdown.render(text_)) for text_ in _bodies(rng)]
    connection = await session.connection()
    postgresql = connection.dialect.name == "postgresql"
    rebuilt: list[tuple[str, str]] = []
    if postgresql:
        for table in TRIGGERED:
            await connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        rebuilt = await _drop_inverted_indexes(connection)
    content = Content(bodies, await _tags(connection))
    writer = _Writer(connection, postgresql, advance)
    first_user = await writer.reserve("users", users)
    first_post = await writer.reserve("posts", posts)
    first_comment = await writer.reserve("comments", comments if posts else 0)
    now = utcnow()
    rows = _Rows(
        rng, plan, content, now=now, first_user=first_user, first_post=first_post, kept=postgresql
    )
    await writer.write(User, USER_COLUMNS, rows.users(password_hash))
    for batch in _batched(rows.posts(), BATCH_SIZE):
        posts_batch = [post for post, _ in batch]
        await writer.write(Post, POST_COLUMNS, [posts_batch], report=False)
        tagged = [tag for _, tags in batch for tag in tags]
        await writer.write(PostTag, POST_TAG_COLUMNS, [tagged], report=False)
        advance(len(batch))
    await writer.write(Like, LIKE_COLUMNS, _batched(rows.likes(), BATCH_SIZE))
    if posts:
        await writer.write(Comment, COMMENT_COLUMNS, [rows.comments(first_comment)])
    if postgresql:
        await _add_shares(connection, rows.tag_counts, rows.published)
        for table in TRIGGERED:
            await connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        for _, definition in rebuilt:
            await writer.run(definition)
        await writer.run("ANALYZE")


def _bodies(rng: random.Random) -> list[str]:
    return [seed_text.body(rng) for _ in range(DISTINCT_BODIES)]


async def _tags(connection: AsyncConnection) -> list[tuple[int, str]]:
    """The demo tags, those missing added: (id, name) in name order."""
    existing = set(await connection.scalars(select(Tag.name).where(Tag.name.in_(DEMO_TAGS))))
    if missing := [{"name": name} for name in DEMO_TAGS if name not in existing]:
        await connection.execute(insert(Tag), missing)
    found = await connection.execute(
        select(Tag.id, Tag.name).where(Tag.name.in_(DEMO_TAGS)).order_by(Tag.name)
    )
    return [(tag_id, name) for tag_id, name in found]


async def _drop_inverted_indexes(connection: AsyncConnection) -> list[tuple[str, str]]:
    """The search index (GIN) of posts is dropped, to be built again at the end from its own
    definition: one sorted build costs a tenth of a million inserts into it."""
    found = await connection.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = 'posts' AND indexdef LIKE '% USING gin %'"
        )
    )
    indexes = [(name, definition) for name, definition in found]
    for name, _ in indexes:
        await connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return indexes


async def _add_shares(connection: AsyncConnection, tags: dict[int, int], published: int) -> None:
    """What the triggers would have added to the tags' counts and to the total."""
    for tag_id, count in tags.items():
        await connection.execute(
            text("UPDATE tags SET post_count = post_count + :count WHERE id = :id"),
            {"count": count, "id": tag_id},
        )
    await connection.execute(
        text("UPDATE post_stats SET total = total + :count WHERE id = 1"), {"count": published}
    )


class _Writer:
    """Rows into a table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(
        self, connection: AsyncConnection, postgresql: bool, advance: Callable[[int], None]
    ) -> None:
        self.connection = connection
        self.postgresql = postgresql
        self.advance = advance

    async def reserve(self, table: str, count: int) -> int:
        """The first of `count` consecutive ids no one else will take. PostgreSQL's sequence
        is moved on by `count` (no one else inserts meanwhile: DISABLE TRIGGER holds a lock
        that keeps writers of the tables out until the commit); SQLite's next rowid follows
        the largest, and the transaction holds the write lock."""
        if self.postgresql:
            if not count:
                return 1
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            last = await self.connection.scalar(
                text(f"SELECT setval({sequence}, nextval({sequence}) + :count - 1)"),
                {"count": count},
            )
            return int(last or 0) - count + 1
        largest = await self.connection.scalar(text(f"SELECT max(id) FROM {table}"))  # noqa: S608
        return int(largest or 0) + 1

    async def _driver(self) -> Any:
        """asyncpg's connection, in the transaction SQLAlchemy began on it."""
        raw = await self.connection.get_raw_connection()
        return raw.driver_connection

    async def run(self, statement: str) -> None:
        """A statement that may take minutes (an index built over a million rows): beyond
        the engine's command timeout, meant for requests."""
        driver = await self._driver()
        await driver.execute(statement, timeout=LONG_STATEMENT)

    async def write(
        self,
        model: type[Base],
        columns: Sequence[str],
        batches: Iterator[list[tuple[Any, ...]]] | list[list[tuple[Any, ...]]],
        *,
        report: bool = True,
    ) -> None:
        for batch in batches:
            if not batch:
                continue
            if self.postgresql:
                driver = await self._driver()
                await driver.copy_records_to_table(
                    model.__tablename__, records=batch, columns=columns, timeout=LONG_STATEMENT
                )
            else:
                await self.connection.execute(
                    insert(model), [dict(zip(columns, row, strict=True)) for row in batch]
                )
            if report:
                self.advance(len(batch))


class _Rows:
    """The rows of the plan, in the tables' column orders; `kept`: with the counts the
    triggers would keep (written with them off), else zero (the triggers count)."""

    def __init__(
        self,
        rng: random.Random,
        plan: Plan,
        content: Content,
        *,
        now: datetime,
        first_user: int,
        first_post: int,
        kept: bool,
    ) -> None:
        self.rng, self.plan, self.content, self.now = rng, plan, content, now
        self.first_user, self.first_post, self.kept = first_user, first_post, kept
        self.tag_counts: dict[int, int] = dict.fromkeys((tag for tag, _ in content.tags), 0)
        self.published = 0

    def users(self, password_hash: str) -> Iterator[list[tuple[Any, ...]]]:
        rows = []
        for index in range(self.plan.users):
            name = seed_text.username(self.first_user - 1 + index)
            email = f"{name}@example.com"
            keys = user_keys(name, email)
            display_name = seed_text.display_name(name)
            rows.append(
                (
                    self.first_user + index,
                    name,
                    keys["username_key"],
                    keys["username_skeleton"],
                    email,
                    keys["email_key"],
                    password_hash,
                    display_name,
                    names_key(name, display_name),
                    seed_text.bio(self.rng, index),
                    self.now - SPAN - timedelta(days=1),
                    new_security_stamp(),
                    self.plan.post_counts[index] if self.kept else 0,
                )
            )
            if len(rows) == BATCH_SIZE:
                yield rows
                rows = []
        yield rows

    def posted_at(self, post: int) -> datetime:
        return self.now - SPAN * (self.plan.posts - post - self.rng.random()) / self.plan.posts

    def posts(self) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        """Each post's row with its post_tags rows."""
        rng, plan, tags = self.rng, self.plan, self.content.tags
        comments = plan.comments if self.kept else 0
        for post in range(plan.posts):
            title = seed_text.title(rng)
            content, rendered = rng.choice(self.content.bodies)
            posted = self.posted_at(post)
            draft = is_draft(post)
            status, published_at = (DRAFT, None) if draft else (PUBLISHED, posted)
            chosen = sorted(rng.sample(range(len(tags)), rng.randint(0, TAGS_PER_POST)))
            post_id = self.first_post + post
            row = (
                post_id,
                title,
                rng.choice(seed_text.SUBTITLES),
                content,
                rendered.html,
                rendered.excerpt,
                rendered.word_count,
                posted,
                posted,
                self.first_user + plan.authors[post],
                status,
                published_at,
                _slug(title),
                " ".join(tags[index][1] for index in chosen),
                plan.like_counts[post] if self.kept else 0,
                comments if post == 0 else 0,
            )
            tagged = [(post_id, tags[index][0], status, published_at) for index in chosen]
            if not draft:
                self.published += 1
                for _, tag_id, _, _ in tagged:
                    self.tag_counts[tag_id] += 1
            yield row, tagged

    def likes(self) -> Iterator[tuple[Any, ...]]:
        per_user = self.plan.likes_per_user
        for index, post in enumerate(self.plan.likes):
            yield (self.first_user + index // per_user, self.first_post + post, self.now)

    def comments(self, first_comment: int) -> list[tuple[Any, ...]]:
        """Rendered as a comment is, under the first post, a minute apart."""
        count = self.plan.comments
        rows = []
        for index in range(count):
            body = seed_text.comment(self.rng)
            written = self.now - timedelta(minutes=count - index)
            author = self.first_user + index % self.plan.users
            html = _comment_html(body)
            rows.append(
                (first_comment + index, self.first_post, author, body, html, written, written)
            )
        return rows


@cache
def _slug(title: str) -> str:
    return slugify(title)


@cache
def _comment_html(body: str) -> str:
    return MarkdownRenderer(COMMENT).render(body).html


def _batched(rows: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
