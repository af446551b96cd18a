"""Posts: every query and rule about posts lives here; nothing here commits."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from inkwell.errors import NotFound
from inkwell.posts.models import Post
from inkwell.posts.schemas import PostPatch, PostReplace
from inkwell.users.models import User


@dataclass(frozen=True, slots=True)
class PostSlice:
    posts: list[Post]
    total: int
    skip: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.skip + len(self.posts) < self.total


def _with_author() -> Select[Post]:
    """Every read returns posts with their author, loaded in the same query."""
    return select(Post).options(joinedload(Post.author, innerjoin=True))


async def list_posts(
    session: AsyncSession, *, skip: int, limit: int, author_id: int | None = None
) -> PostSlice:
    """Newest first; the id breaks ties so pages never overlap or skip a post.

    The total rides along with the page as a scalar subquery: one round trip, one snapshot.
    """
    count = select(func.count()).select_from(Post)
    query = _with_author()
    if author_id is not None:
        count = count.where(Post.user_id == author_id)
        query = query.where(Post.user_id == author_id)
    page = query.add_columns(count.scalar_subquery()).order_by(
        Post.date_posted.desc(), Post.id.desc()
    )
    rows = (await session.execute(page.offset(skip).limit(limit))).all()
    # Past the last page no row carries the total, so it is asked for on its own.
    total = rows[0][1] if rows else await session.scalar(count) or 0
    return PostSlice(posts=[post for post, _ in rows], total=total, skip=skip, limit=limit)


async def get_post(session: AsyncSession, post_id: int) -> Post:
    post = await session.scalar(_with_author().where(Post.id == post_id))
    if post is None:
        raise NotFound("Post not found")
    return post


async def create_post(session: AsyncSession, author: User, title: str, content: str) -> Post:
    post = Post(title=title, content=content, author=author)
    session.add(post)
    await session.flush()
    return post


async def update_post(session: AsyncSession, post: Post, changes: PostReplace | PostPatch) -> Post:
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(post, field, value)
    await session.flush()
    return post


async def delete_post(session: AsyncSession, post: Post) -> None:
    await session.delete(post)
    await session.flush()
