"""What the sitemap reads: published posts and their authors, by ranges of ids; nothing of
a suspended user.

A sitemap file holds at most 50,000 addresses (sitemaps.org). File n of posts lists the
published posts whose id falls in the n-th range of 50,000 ids, so a file's contents never
move to another file as posts come and go, and the index needs only the largest ids. Each
file is read in batches by keyset (one short statement each, the connection given back in
between), so a million posts never sit in memory at once.
"""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select

from inkwell.db import Reader
from inkwell.posts.models import Post, is_published
from inkwell.users.models import User, is_active, not_suspended

URLS_PER_FILE = 50_000
BATCH = 1_000
# What the files list; the index counts its files by the same rows, so that none it lists
# is left empty (the protocol's schema wants at least one address) by a suspended author.
_LISTED_POSTS = and_(is_published, is_active(Post.user_id))
_LISTED_AUTHORS = and_(User.post_count > 0, not_suspended)


@dataclass(frozen=True, slots=True)
class SitemapFiles:
    """How many files of each kind the sitemap index lists."""

    posts: int
    authors: int


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


def _files(largest_id: int | None) -> int:
    return 0 if largest_id is None else -(-largest_id // URLS_PER_FILE)


async def sitemap_files(reader: Reader) -> SitemapFiles:
    largest_post = select(func.max(Post.id)).where(_LISTED_POSTS).scalar_subquery()
    largest_author = select(func.max(User.id)).where(_LISTED_AUTHORS).scalar_subquery()
    async with reader.connect() as connection:
        posts, authors = (await connection.execute(select(largest_post, largest_author))).one()
    return SitemapFiles(posts=_files(posts), authors=_files(authors))


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
