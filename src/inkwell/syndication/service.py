"""What the sitemap reads: published posts and their authors, by ranges of ids; nothing of
a suspended user.

A sitemap file holds at most 50,000 addresses (sitemaps.org). File n of posts lists the
published posts whose id falls in the n-th range of 50,000 ids, so a file's contents never
move to another file as posts come and go. The index lists the files that hold at least one
address (the protocol's schema wants one), found by skipping from one to the next: a
statement per listed file, each one seek of the primary key. Each file is read in batches by
keyset (one short statement each, the connection given back in between), so a million posts
never sit in memory at once.
"""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from inkwell.db import Reader
from inkwell.posts.models import Post, is_published
from inkwell.users.models import User, is_active, not_suspended

URLS_PER_FILE = 50_000
BATCH = 1_000
# What the files list; the index finds its files by the same rows, so that none it lists is
# left empty by deleted or unpublished posts, or by a suspended author.
_LISTED_POSTS = and_(is_published, is_active(Post.user_id))
_LISTED_AUTHORS = and_(User.post_count > 0, not_suspended)


@dataclass(frozen=True, slots=True)
class SitemapFiles:
    """The numbers of the files of each kind the sitemap index lists, in order."""

    posts: tuple[int, ...]
    authors: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SitemapPost:
    id: int
    slug: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SitemapAuthor:
    id: int
    username: str
    last_published_at: datetime | None


async def _filled_files(
    connection: AsyncConnection, id_column: Any, listed: ColumnElement[bool]
) -> tuple[int, ...]:
    """The files with at least one listed row: the first listed id after each file found
    names the next one, whatever empty ranges lie between. The first by ORDER BY and LIMIT,
    not min(): PostgreSQL reads min() of a join (the suspended authors') from every row
    after `after`, 1.2 s on a million posts, and this from the first, 0.09 ms."""
    files: list[int] = []
    after = 0
    while True:
        first = select(id_column).where(listed, id_column > after).order_by(id_column).limit(1)
        first_id = (await connection.execute(first)).scalar()
        if first_id is None:
            return tuple(files)
        files.append(-(-first_id // URLS_PER_FILE))
        after = files[-1] * URLS_PER_FILE


async def _lists_any(
    reader: Reader, id_column: Any, listed: ColumnElement[bool], number: int
) -> bool:
    """Whether file `number` holds an address: one seek, not the index's walk of every file."""
    in_file = select(id_column).where(listed, _in_file(id_column, number))
    first = in_file.order_by(id_column).limit(1)
    async with reader.connect() as connection:
        return (await connection.execute(first)).first() is not None


async def lists_posts(reader: Reader, number: int) -> bool:
    return await _lists_any(reader, Post.id, _LISTED_POSTS, number)


async def lists_authors(reader: Reader, number: int) -> bool:
    return await _lists_any(reader, User.id, _LISTED_AUTHORS, number)


async def sitemap_files(reader: Reader) -> SitemapFiles:
    async with reader.connect() as connection:
        return SitemapFiles(
            posts=await _filled_files(connection, Post.id, _LISTED_POSTS),
            authors=await _filled_files(connection, User.id, _LISTED_AUTHORS),
        )


def _in_file(column: Any, number: int) -> Any:
    return column.between((number - 1) * URLS_PER_FILE + 1, number * URLS_PER_FILE)


async def _batches(
    reader: Reader, query: Select[*tuple[Any, ...]], id_column: Any
) -> AsyncIterator[Sequence[Any]]:
    """`query`'s rows in id order, BATCH at a time."""
    after = 0
    while True:
        async with reader.connect() as connection:
            rows = (
                await connection.execute(
                    query.where(id_column > after).order_by(id_column).limit(BATCH)
                )
            ).all()
        if rows:
            yield rows
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


async def sitemap_posts(reader: Reader, number: int) -> AsyncIterator[list[SitemapPost]]:
    """The published posts of file `number` (from 1), in batches."""
    query = select(Post.id, Post.slug, Post.updated_at).where(
        _LISTED_POSTS, _in_file(Post.id, number)
    )
    async for rows in _batches(reader, query, Post.id):
        yield [SitemapPost(*row) for row in rows]


async def sitemap_authors(reader: Reader, number: int) -> AsyncIterator[list[SitemapAuthor]]:
    """The authors of file `number` who have published, with their latest publication (read
    from the end of their own index of published posts)."""
    last_published = (
        select(func.max(Post.published_at))
        .where(Post.user_id == User.id, is_published)
        .scalar_subquery()
    )
    query = select(User.id, User.username, last_published).where(
        _LISTED_AUTHORS, _in_file(User.id, number)
    )
    async for rows in _batches(reader, query, User.id):
        yield [SitemapAuthor(*row) for row in rows]
