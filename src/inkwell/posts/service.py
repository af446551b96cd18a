"""Posts: every query and rule about posts lives here; nothing here commits."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from inkwell.db import Reader
from inkwell.errors import ErrorCode, NotFound
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import Post, PostStats
from inkwell.posts.rows import ListedPost, PostListing
from inkwell.users.models import User


def _with_author() -> Select[Post]:
    """Every read of posts as objects returns them with their author, in the same query."""
    return select(Post).options(joinedload(Post.author, innerjoin=True))


def _total(*, by_author: bool) -> Select[Any]:
    """The count the database keeps (migration 0003): one row read, however many posts."""
    if by_author:
        return select(User.post_count).where(User.id == bindparam("author_id"))
    return select(PostStats.total)


def _page(*, by_author: bool) -> Select[*tuple[Any, ...]]:
    """Newest first; the id breaks ties so pages never overlap or skip a post.

    Columns, not ORM objects: rows become plain dicts, with no session or identity map on
    the way. The total rides along (the author's count from the joined row, or the total as
    a scalar subquery): one round trip, one snapshot. What a reader adds (whether they liked
    a post, follow its author) joins as `EXISTS` columns, aggregates (tags) as correlated
    subqueries: still one statement, whatever the page holds.
    """
    total = User.post_count if by_author else _total(by_author=False).scalar_subquery()
    query = select(
        Post.id,
        Post.title,
        Post.content,
        Post.content_html,
        Post.excerpt,
        Post.date_posted,
        Post.updated_at,
        Post.user_id,
        User.username,
        User.image_file,
        total.label("total"),
    ).join(Post.author)
    if by_author:
        query = query.where(Post.user_id == bindparam("author_id"))
    return (
        query.order_by(Post.date_posted.desc(), Post.id.desc())
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )


@cache
def _listing(by_author: bool) -> tuple[Select[Any], Select[Any]]:
    """The page and the total-only statements, built once, with the page as parameters:
    composing a statement costs more CPU than running it, and SQLAlchemy compiles each of
    these once, then takes it from its cache. Built at first use rather than at import, so
    `make mutation` reaches the builders' mutants (mutmut switches a mutant on per call).
    """
    return _page(by_author=by_author), _total(by_author=by_author)


def _listed(row: Sequence[Any]) -> ListedPost:
    """A page's row, the author's columns nested under `author`."""
    (
        post_id,
        title,
        content,
        content_html,
        excerpt,
        date_posted,
        updated_at,
        user_id,
        username,
        image_file,
        _,
    ) = row
    return {
        "id": post_id,
        "title": title,
        "content": content,
        "content_html": content_html,
        "excerpt": excerpt,
        "date_posted": date_posted,
        "updated_at": updated_at,
        "user_id": user_id,
        "author": {"id": user_id, "username": username, "image_file": image_file},
    }


async def list_posts(
    reader: Reader, *, skip: int, limit: int, author_id: int | None = None
) -> PostListing:
    page, total_only = _listing(author_id is not None)
    parameters = {"skip": skip, "limit": limit, "author_id": author_id}
    async with reader.connect() as connection:
        rows = (await connection.execute(page, parameters)).all()
        # Past the last page no row carries the total, so it is asked for on its own.
        total = rows[0].total if rows else await connection.scalar(total_only, parameters) or 0
    return PostListing([_listed(row) for row in rows], total, skip, limit)


async def get_post(session: AsyncSession, post_id: int) -> Post:
    post = await session.scalar(_with_author().where(Post.id == post_id))
    if post is None:
        raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)
    return post


async def create_post(
    session: AsyncSession, author: User, title: str, content: str, *, markdown: MarkdownRenderer
) -> Post:
    post = Post(title=title, author=author)
    await _write_content(post, content, markdown)
    session.add(post)
    await session.flush()
    return post


async def update_post(
    session: AsyncSession,
    post: Post,
    *,
    markdown: MarkdownRenderer,
    title: str | None = None,
    content: str | None = None,
) -> Post:
    """Changes what is given; None leaves a field as it is."""
    if title is not None:
        post.title = title
    if content is not None:
        await _write_content(post, content, markdown)
    await session.flush()
    return post


async def _write_content(post: Post, content: str, markdown: MarkdownRenderer) -> None:
    """The source and what it renders to, stored together: reads never parse Markdown."""
    rendered = await markdown.render_in_thread(content)
    post.content, post.content_html, post.excerpt = content, rendered.html, rendered.excerpt


async def delete_post(session: AsyncSession, post: Post) -> None:
    await session.delete(post)
    await session.flush()
