"""Which article a Conduit slug names, and whether the caller may change it: a post is an
article only while published, and only under its own words (a slug with another post's
words, or a draft's, is 404, as an unknown one is)."""

from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.conduit.errors import ConduitError, article_not_found
from inkwell.conduit.shapes import parse_slug
from inkwell.db import Reader
from inkwell.posts import service as posts
from inkwell.posts.models import PUBLISHED, Post
from inkwell.posts.rows import ListedPost
from inkwell.users.models import User


async def listed_article(
    reader: Reader, slug: str, viewer_id: int | None, *, whole: bool = True
) -> ListedPost:
    """The published post a Conduit slug names, as listings show it (one statement); not
    `whole`, without its body and its author's profile, for the routes that only find it."""
    prefix, post_id = parse_slug(slug)
    post = await posts.get_listed_post(reader, post_id, viewer_id, profiles=whole, bodies=whole)
    if post["slug"] != prefix or post["status"] != PUBLISHED:
        raise article_not_found()
    return post


async def own_article(session: AsyncSession, slug: str, user: User) -> Post:
    """The published post a Conduit slug names, if the caller wrote it (else 403). Found as
    anyone would find it, so a draft is not found even by its author."""
    prefix, post_id = parse_slug(slug)
    post = await posts.get_post(session, post_id)
    if post.slug != prefix:
        raise article_not_found()
    if post.user_id != user.id:
        raise ConduitError(403, "article", "forbidden")
    return post
