"""The personal feed: the posts of the writers a reader follows, newest first. A read model
of its own (ARCHITECTURE.md, rule 2) over posts, users and follows, in one statement, with
the columns and order every listing of posts has."""

from functools import cache

from sqlalchemy import BindParameter, bindparam, func, select

from inkwell.db import Reader
from inkwell.follows.columns import followed_ids
from inkwell.pagination import page_parameters
from inkwell.posts import service as posts
from inkwell.posts.models import Post
from inkwell.posts.rows import PostListing
from inkwell.users.models import User, not_suspended


def _feed_statements(profiles: bool, bodies: bool, after: bool) -> posts.ListingStatements:
    """The reader's follows (a range of their primary key) pick the authors; each author's
    newest published posts come from the (user_id, published_at, id) index of published
    posts, or PostgreSQL walks the (published_at, id) one filtering by the followed set,
    whichever it judges cheaper.
    The total is the sum of the followed authors' kept post counts: it grows with how many
    one follows, never with how many posts they wrote. Suspended authors are left out. (Of
    no one it is NULL, which read_listing, asking for it past the last page, reads as 0.)"""
    viewer: BindParameter[int] = bindparam("viewer_id")
    total = select(func.sum(User.post_count)).where(
        User.id.in_(followed_ids(viewer)), not_suspended
    )
    page = posts.newest_first(
        posts.listed_columns(
            total.scalar_subquery(), signed_in=True, profiles=profiles, bodies=bodies
        )
        .join(Post.author)
        .where(Post.user_id.in_(followed_ids(viewer)), not_suspended),
        after=after,
    )
    return posts.ListingStatements.of(page, total)


# Not @cache: mutmut mutates no decorated function (make mutation).
_feed = cache(_feed_statements)


async def list_feed(
    reader: Reader,
    viewer_id: int,
    *,
    skip: int,
    limit: int,
    profiles: bool = False,
    bodies: bool = True,
    after: posts.Position | None = None,
) -> PostListing:
    """`profiles`: each author with their bio and whether the reader follows them; without
    `bodies`, each post without its `content` and `content_html`. From `skip`, or `after` a
    post's (published_at, id), as every listing of posts."""
    statements = _feed(profiles, bodies, after is not None)
    parameters = {"viewer_id": viewer_id, **page_parameters(skip, limit, after)}
    return await posts.read_listing(reader, statements, parameters)
