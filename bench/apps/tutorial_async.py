"""The tutorial's async design, written the straightforward way.

Async SQLAlchemy ORM with `selectinload`, a session per request, and FastAPI's
`response_model` turning the ORM objects into JSON.
It counts the published posts with `count(*)` on every request, as the tutorial does.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import selectinload

from bench.apps import MAX_OVERFLOW, POOL_SIZE, database_url
from bench.apps.schemas import PaginatedPostsResponse
from inkwell.models import Post
from inkwell.posts.models import is_published


def create_app() -> FastAPI:
    engine = create_async_engine(
        database_url("asyncpg"), pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW
    )
    session_local = async_sessionmaker(engine, expire_on_commit=False)

    async def get_db() -> AsyncIterator[AsyncSession]:
        async with session_local() as db:
            yield db

    app = FastAPI(title="Reference: tutorial async")

    @app.get("/api/posts", response_model=PaginatedPostsResponse)
    async def list_posts(
        db: Annotated[AsyncSession, Depends(get_db)],
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> dict[str, object]:
        query = (
            select(Post)
            .where(is_published)
            .options(selectinload(Post.author))
            .order_by(Post.published_at.desc(), Post.id.desc())
            .offset(skip)
            .limit(limit)
        )
        posts = (await db.scalars(query)).all()
        total = await db.scalar(select(func.count()).select_from(Post).where(is_published)) or 0
        return {
            "posts": posts,
            "total": total,
            "skip": skip,
            "limit": limit,
            "has_more": skip + len(posts) < total,
        }

    return app
