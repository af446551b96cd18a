"""The design the tutorial starts from: plain `def` routes, sync SQLAlchemy over psycopg.

FastAPI runs each `def` route and dependency in its thread pool, so a request holds a
thread for as long as it waits on the database or, in the slow-I/O scenario, the upstream.
"""

from collections.abc import Iterator
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Query
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bench.apps import POOL_SIZE, database_url, upstream_url
from bench.apps.schemas import PaginatedPostsResponse
from inkwell.models import Post

# One connection for each of the thread pool's 40 threads, so no thread waits for one.
THREADS = 40


def create_app() -> FastAPI:
    engine = create_engine(
        database_url("psycopg"), pool_size=POOL_SIZE, max_overflow=THREADS - POOL_SIZE
    )
    session_local = sessionmaker(engine, expire_on_commit=False)
    upstream = upstream_url()
    http = httpx.Client(limits=httpx.Limits(max_connections=None)) if upstream else None

    def get_db() -> Iterator[Session]:
        with session_local() as db:
            yield db

    app = FastAPI(title="Reference: sync")

    # scope="function" closes the session as soon as the route returns. With the default,
    # the connection stays checked out until the response is sent, and the response's
    # validation waits for a thread: once every thread waits for a connection held that way,
    # nothing moves until the pool times out.
    @app.get("/api/posts", response_model=PaginatedPostsResponse)
    def list_posts(
        db: Annotated[Session, Depends(get_db, scope="function")],
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> dict[str, object]:
        if http is not None and upstream is not None:
            http.get(upstream).raise_for_status()
        query = (
            select(Post)
            .options(selectinload(Post.author))
            .order_by(Post.date_posted.desc(), Post.id.desc())
            .offset(skip)
            .limit(limit)
        )
        posts = db.scalars(query).all()
        total = db.scalar(select(func.count()).select_from(Post)) or 0
        return {
            "posts": posts,
            "total": total,
            "skip": skip,
            "limit": limit,
            "has_more": skip + len(posts) < total,
        }

    return app
