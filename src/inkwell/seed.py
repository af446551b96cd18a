"""Demo data: many users and posts, with tags and likes, inserted in batches so thousands
take seconds, and a conversation under the first post (the post page's benchmark)."""

import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.comments.models import Comment
from inkwell.db import utcnow
from inkwell.likes.models import Like
from inkwell.posts.markdown import COMMENT, MarkdownRenderer
from inkwell.posts.models import PUBLISHED, Post, PostTag, Tag
from inkwell.security import PasswordHasher
from inkwell.users.identity import user_keys
from inkwell.users.models import User

DEMO_PASSWORD = "inkwell-demo-password"  # noqa: S105  (documented demo credential)
BATCH_SIZE = 1_000
# Each post gets up to this many of the demo tags; each user likes this many posts (or all).
TAGS_PER_POST = 3
LIKES_PER_USER = 20
DEMO_TAGS = (
    "python", "async", "databases", "postgresql", "sqlite", "web", "design", "writing",
    "testing", "security", "performance", "markdown", "fastapi", "devops", "career",
    "open-source", "tutorial", "opinion", "news", "books",
)  # fmt: skip

_WORDS = (
    "async",
    "await",
    "event",
    "loop",
    "socket",
    "database",
    "query",
    "index",
    "page",
    "cursor",
    "engine",
    "session",
    "token",
    "python",
    "fastapi",
    "pydantic",
    "starlette",
    "uvicorn",
    "postgres",
    "sqlite",
    "schema",
    "migration",
    "benchmark",
    "latency",
    "throughput",
    "worker",
    "thread",
    "picture",
    "upload",
    "storage",
    "cache",
    "header",
    "deploy",
    "nginx",
    "",
)


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()


def _content(rng: random.Random) -> str:
    return "\n\n".join(_sentence(rng, rng.randint(20, 60)) + "." for _ in range(3))


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
    """Adds `users` users (all with DEMO_PASSWORD) and `posts` posts spread among them, each
    with up to TAGS_PER_POST of DEMO_TAGS, each user's likes of LIKES_PER_USER posts (the
    database's triggers keep the counts, as for any write), and `comments` comments by them
    under the first post, a minute apart."""
    rng = rng or random.Random()  # noqa: S311  (demo text, not secrets)
    password_hash = await passwords.hash(DEMO_PASSWORD)
    now = utcnow()
    user_rows = []
    for _ in range(users):
        name = f"writer-{secrets.token_hex(4)}"
        email = f"{name}@example.com"
        user_rows.append(
            {"username": name, "email": email, "password_hash": password_hash}
            | user_keys(name, email)
        )
    user_ids = list(await session.scalars(insert(User).returning(User.id), user_rows))
    advance(users)
    tag_ids = list(
        await session.scalars(insert(Tag).returning(Tag.id), [{"name": n} for n in DEMO_TAGS])
    )
    post_ids: list[int] = []
    markdown = MarkdownRenderer()
    for start in range(0, posts, BATCH_SIZE):
        batch = [
            {
                "title": _sentence(rng, rng.randint(3, 8)),
                "content": (content := _content(rng)),
                "content_html": (rendered := markdown.render(content)).html,
                "excerpt": rendered.excerpt,
                "date_posted": (posted := now - timedelta(minutes=rng.randint(0, 525_600))),
                "updated_at": posted,
                "user_id": rng.choice(user_ids),
            }
            for _ in range(min(BATCH_SIZE, posts - start))
        ]
        rows = (
            await session.execute(insert(Post).returning(Post.id, Post.published_at), batch)
        ).all()
        post_ids += [post_id for post_id, _ in rows]
        tagged = [
            {"post_id": post_id, "tag_id": tag_id, "status": PUBLISHED, "published_at": published}
            for post_id, published in rows
            for tag_id in rng.sample(tag_ids, rng.randint(0, TAGS_PER_POST))
        ]
        if tagged:
            await session.execute(insert(PostTag), tagged)
        advance(len(batch))
    likes = [
        {"user_id": user_id, "post_id": post_id, "created_at": now}
        for user_id in user_ids
        for post_id in rng.sample(post_ids, min(LIKES_PER_USER, len(post_ids)))
    ]
    for start in range(0, len(likes), BATCH_SIZE):
        await session.execute(insert(Like), likes[start : start + BATCH_SIZE])
    if comments and posts:
        await _seed_comments(session, rng, user_ids, comments, now)
        advance(comments)


async def _seed_comments(
    session: AsyncSession, rng: random.Random, user_ids: list[int], count: int, now: datetime
) -> None:
    """Rendered as a comment is, counted by the post's kept count (the triggers)."""
    post_id = await session.scalar(select(func.min(Post.id)))
    markdown = MarkdownRenderer(COMMENT)
    rows = []
    for index in range(count):
        body = _sentence(rng, rng.randint(8, 40)) + "."
        written = now - timedelta(minutes=count - index)
        rows.append(
            {
                "post_id": post_id,
                "user_id": user_ids[index % len(user_ids)],
                "body": body,
                "body_html": markdown.render(body).html,
                "created_at": written,
                "updated_at": written,
            }
        )
    await session.execute(insert(Comment), rows)
