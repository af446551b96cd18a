"""The design the tutorial starts from: plain `def` routes, sync SQLAlchemy over psycopg.

FastAPI runs each `def` route and dependency in its thread pool, so a request holds a
thread for as long as it waits on the database or, in the slow-I/O scenario, the upstream.
It counts the posts with `count(*)` on every request, as the tutorial does.
"""

from typing import Annotated

import urllib3
from fastapi import FastAPI, Query
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import selectinload, sessionmaker

from bench.apps import database_url, upstream_url
from bench.apps.schemas import PaginatedPostsResponse
from inkwell.models import Post
from inkwell.posts.models import is_published

# One connection for each of the thread pool's 40 threads, so no thread waits for one.
THREADS = 40


def call_upstream(http: urllib3.PoolManager, url: str) -> None:
    response = http.request("GET", url)
    if response.status != 200:
        raise RuntimeError(f"the upstream answered {response.status}")


def create_app() -> FastAPI:
    engine = create_engine(database_url("psycopg"), pool_size=THREADS, max_overflow=0)
    session_local = sessionmaker(engine, expire_on_commit=False)
    upstream = upstream_url()
    # urllib3 (what `requests` runs on) keeps one connection to the upstream per thread.
    http = urllib3.PoolManager(maxsize=THREADS) if upstream else None

    app = FastAPI(title="Reference: sync")

    # The session lives inside the route, so its connection goes back to the pool before
    # the route returns. With the tutorial's `get_db` dependency it is released only after
    # FastAPI has validated the response, which needs a thread of the same pool: under
    # load every thread waits for a connection that waits for a thread, until the pool
    # times out (seen at 256 connections in the slow-I/O scenario).
    @app.get("/api/posts", response_model=PaginatedPostsResponse)
    def list_posts(
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> dict[str, object]:
        if http is not None and upstream is not None:
            call_upstream(http, upstream)
        query = (
            select(Post)
            .where(is_published)
            .options(selectinload(Post.author))
            .order_by(Post.published_at.desc(), Post.id.desc())
            .offset(skip)
            .limit(limit)
        )
        with session_local() as db:
            posts = db.scalars(query).all()
            total = db.scalar(select(func.count()).select_from(Post).where(is_published)) or 0
        return {
            "posts": posts,
            "total": total,
            "skip": skip,
            "limit": limit,
            "has_more": skip + len(posts) < total,
        }

    return app
