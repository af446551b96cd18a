"""Posts: every query and rule about posts lives here; nothing here commits."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from inkwell.db import Reader
from inkwell.errors import ErrorCode, NotFound
from inkwell.likes.columns import liked_by
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


def listed_columns(
    total: ColumnElement[Any] | InstrumentedAttribute[int] | None, *, signed_in: bool
) -> Select[Any]:
    """A listed post's columns, its author's, and the total a page is part of, for every
    listing of posts (these, the feed). Columns, not ORM objects: rows become plain dicts,
    with no session or identity map on the way.

    Conversation: the like and comment counts are the ones the database keeps on the row;
    whether the reader likes the post is an `EXISTS` column (one primary-key probe a row),
    bound to `viewer_id`. Still one statement, whatever the page holds.
    """
    liked = liked_by(bindparam("viewer_id"), Post.id) if signed_in else false()
    totals = [] if total is None else [total.label("total")]
    columns: list[Any] = [
        Post.id,
        Post.title,
        Post.content,
        Post.date_posted,
        Post.updated_at,
        Post.user_id,
        User.username,
        User.image_file,
        Post.like_count,
        Post.comment_count,
        liked.label("liked"),
        *totals,
    ]
    return select(*columns).join(Post.author)


def newest_first(query: Select[Any]) -> Select[Any]:
    """Newest first; the id breaks ties so pages never overlap or skip a post."""
    return (
        query.order_by(Post.date_posted.desc(), Post.id.desc())
        .offset(bindparam("skip"))
        .limit(bindparam("limit"))
    )


def _page(*, by_author: bool, signed_in: bool) -> Select[Any]:
    """The total rides along (the author's count from the joined row, or the total as a
    scalar subquery): one round trip, one snapshot. What a reader adds (whether they liked
    a post, follow its author) joins as `EXISTS` columns, aggregates (tags) as correlated
    subqueries: still one statement, whatever the page holds.
    """
    total = User.post_count if by_author else _total(by_author=False).scalar_subquery()
    query = listed_columns(total, signed_in=signed_in)
    if by_author:
        query = query.where(Post.user_id == bindparam("author_id"))
    return newest_first(query)


@cache
def _listing(by_author: bool, signed_in: bool) -> tuple[Select[Any], Select[Any]]:
    """The page and the total-only statements, built once, with the page as parameters:
    composing a statement costs more CPU than running it, and SQLAlchemy compiles each of
    these once, then takes it from its cache. Built at first use rather than at import, so
    `make mutation` reaches the builders' mutants (mutmut switches a mutant on per call).
    """
    return _page(by_author=by_author, signed_in=signed_in), _total(by_author=by_author)


def _listed(row: Sequence[Any]) -> ListedPost:
    """A page's row, the author's columns nested under `author`."""
    post_id, title, content, date_posted, updated_at, user_id, username, image_file = row[:8]
    like_count, comment_count, liked = row[8:11]
    return {
        "id": post_id,
        "title": title,
        "content": content,
        "date_posted": date_posted,
        "updated_at": updated_at,
        "user_id": user_id,
        "author": {"id": user_id, "username": username, "image_file": image_file},
        "like_count": like_count,
        "comment_count": comment_count,
        "liked": bool(liked),
    }


async def read_listing(
    reader: Reader, page: Select[Any], total_only: Select[Any], parameters: dict[str, Any]
) -> PostListing:
    """Runs a listing's page (`listed_columns` with a total, `newest_first`) for `parameters`
    (skip, limit and what the statements name)."""
    async with reader.connect() as connection:
        rows = (await connection.execute(page, parameters)).all()
        # Past the last page no row carries the total, so it is asked for on its own.
        total = rows[0].total if rows else await connection.scalar(total_only, parameters) or 0
    skip, limit = parameters["skip"], parameters["limit"]
    return PostListing([_listed(row) for row in rows], total, skip, limit)


async def list_posts(
    reader: Reader,
    *,
    skip: int,
    limit: int,
    author_id: int | None = None,
    viewer_id: int | None = None,
) -> PostListing:
    page, total_only = _listing(author_id is not None, viewer_id is not None)
    parameters = {"skip": skip, "limit": limit, "author_id": author_id, "viewer_id": viewer_id}
    return await read_listing(reader, page, total_only, parameters)


@cache
def _one(signed_in: bool) -> Select[Any]:
    return listed_columns(None, signed_in=signed_in).where(Post.id == bindparam("post_id"))


async def get_listed_post(reader: Reader, post_id: int, viewer_id: int | None) -> ListedPost:
    """One post as listings show it (its counts, whether the viewer likes it): one statement."""
    parameters = {"post_id": post_id, "viewer_id": viewer_id}
    async with reader.connect() as connection:
        row = (await connection.execute(_one(viewer_id is not None), parameters)).one_or_none()
    if row is None:
        raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)
    return _listed(row)


async def get_post(session: AsyncSession, post_id: int) -> Post:
    post = await session.scalar(_with_author().where(Post.id == post_id))
    if post is None:
        raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)
    return post


async def create_post(session: AsyncSession, author: User, title: str, content: str) -> Post:
    post = Post(title=title, content=content, author=author)
    session.add(post)
    await session.flush()
    return post


async def update_post(
    session: AsyncSession, post: Post, *, title: str | None = None, content: str | None = None
) -> Post:
    """Changes what is given; None leaves a field as it is."""
    if title is not None:
        post.title = title
    if content is not None:
        post.content = content
    await session.flush()
    return post


async def delete_post(session: AsyncSession, post: Post) -> None:
    await session.delete(post)
    await session.flush()
