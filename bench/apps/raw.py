"""The raw ceiling: a bare Starlette route, hand-written SQL through an asyncpg pool, orjson.

It produces the document Inkwell's `GET /api/posts` does for an anonymous reader (posts with
their rendered HTML, excerpt, tags, kept like and comment counts and authors; total,
has_more) in one round trip to the database, with nothing between the socket and the SQL.
Like Inkwell, it reads the total from the count the database keeps (migrations 0003, 0014:
slots summed).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.apps import MAX_OVERFLOW, POOL_SIZE, database_url
from bench.apps.schemas import DEFAULT_AVATAR_PATH

PAGE_SQL = """
SELECT p.id, p.title, p.content, p.content_html, p.excerpt, p.date_posted, p.updated_at,
       p.user_id, p.status, p.published_at, p.slug, p.like_count, p.comment_count,
       (SELECT string_agg(t.name, ',') FROM post_tags AS pt JOIN tags AS t ON t.id = pt.tag_id
        WHERE pt.post_id = p.id) AS tags,
       u.username, u.display_name, u.image_file,
       (SELECT sum(total) FROM post_stats) AS total
FROM posts AS p JOIN users AS u ON u.id = p.user_id
WHERE p.status = 'published'
ORDER BY p.published_at DESC, p.id DESC
LIMIT $1 OFFSET $2
"""
COUNT_SQL = "SELECT sum(total) FROM post_stats"
MAX_LIMIT = 100
INVALID_PAGE = b'{"detail":"skip must be >= 0 and limit within 1..100"}'


def _bounded_int(request: Request, name: str, default: int, low: int, high: int) -> int | None:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError:
        return None
    return value if low <= value <= high else None


def create_app() -> Starlette:
    dsn = database_url("asyncpg").set(drivername="postgresql").render_as_string(False)
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE + MAX_OVERFLOW)
        pools.append(pool)
        try:
            yield
        finally:
            await pool.close()

    async def list_posts(request: Request) -> Response:
        skip = _bounded_int(request, "skip", 0, 0, 2**31 - 1)
        limit = _bounded_int(request, "limit", 10, 1, MAX_LIMIT)
        if skip is None or limit is None:
            return Response(INVALID_PAGE, 422, media_type="application/json")
        rows = await pools[0].fetch(PAGE_SQL, limit, skip)
        total = rows[0]["total"] if rows else await pools[0].fetchval(COUNT_SQL)
        posts = [
            {
                "id": row["id"],
                "title": row["title"],
                "content": row["content"],
                "content_html": row["content_html"],
                "excerpt": row["excerpt"],
                "date_posted": row["date_posted"],
                "updated_at": row["updated_at"],
                "user_id": row["user_id"],
                "author": {
                    "id": row["user_id"],
                    "username": row["username"],
                    "display_name": row["display_name"],
                    "image_path": f"/media/{row['image_file']}"
                    if row["image_file"]
                    else DEFAULT_AVATAR_PATH,
                    "url": "/@" + quote(row["username"], safe=""),
                },
                "like_count": row["like_count"],
                "comment_count": row["comment_count"],
                "liked": False,
                "status": row["status"],
                "published_at": row["published_at"],
                "slug": row["slug"],
                "tags": sorted(row["tags"].split(",")) if row["tags"] else [],
                "url": f"/posts/{row['id']}-{row['slug']}",
            }
            for row in rows
        ]
        document = {
            "posts": posts,
            "total": total,
            "skip": skip,
            "limit": limit,
            "has_more": skip + len(posts) < total,
        }
        return Response(orjson.dumps(document), media_type="application/json")

    return Starlette(routes=[Route("/api/posts", list_posts)], lifespan=lifespan)
