"""Search: published posts by their words, users by their names; nothing here writes.

The index is the database's own, kept in the writer's transaction (migration 0013):
PostgreSQL's `posts.search_vector` (title A, tags B, content C) read with
`to_tsquery` (`query.to_tsquery`), ranked by `ts_rank`, highlighted by `ts_headline`; SQLite's
FTS5 table `post_search` read with the same parse (`query.to_fts5`), ranked by `bm25`
with the same order of weights, highlighted by `snippet`. Every statement that differs by
dialect is in `_post_hits`; what may be found at all is said once, in `_findable`.

Snippets come from the database with random markers around the words found; the text is
then escaped and only the markers become `<mark>`, so nothing else in a post is markup.
"""

import html
import secrets
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)

from inkwell.db import Reader
from inkwell.posts.models import Post, is_published
from inkwell.posts.rows import ListedAuthor
from inkwell.search.query import SearchQuery, looked_for, parse, to_fts5, to_tsquery
from inkwell.search.rows import Found, PostHit
from inkwell.users.identity import lookup_key
from inkwell.users.models import User, not_suspended

Dialect = Literal["postgresql", "sqlite"]
# How many words a snippet holds, about, on both databases.
SNIPPET_WORDS = 30
# FTS5's bm25 weights per column (title, tags, content), in the order of PostgreSQL's
# ts_rank default weights for A, B and C (1.0, 0.4, 0.2).
_BM25_WEIGHTS = (10.0, 4.0, 2.0)
_ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")
_FTS = table("post_search", column("rowid"))


def _findable() -> list[ColumnElement[bool]]:
    """Who may be found, and whose posts: the one place that says it (statements join the
    post's author as `users`). Not a suspended user; drafts are ruled out by `is_published`."""
    return [not_suspended]


def _posts_where() -> list[ColumnElement[bool]]:
    return [is_published, *_findable()]


def _hit_columns() -> Sequence[Any]:
    return (
        Post.id,
        Post.title,
        Post.slug,
        Post.excerpt,
        Post.published_at,
        Post.search_tags,
        Post.user_id,
        User.username,
        User.image_file,
        User.display_name,
    )


def _order(rank: ColumnElement[Any]) -> tuple[ColumnElement[Any], ...]:
    """Most relevant first, then newest; the id breaks ties so pages never overlap."""
    return (rank, Post.published_at.desc(), Post.id.desc())


@cache
def _post_hits(dialect: Dialect) -> Select[*tuple[Any, ...]]:
    """A page of posts found, with their snippets and how many are found, in one statement
    (parameters: the query, `skip`, `limit`, and the markers: `start` and `stop` for
    SQLite, `options` for PostgreSQL, which also ranks by what is `ranked`)."""
    total = func.count().over().label("total")
    if dialect == "postgresql":
        query = func.to_tsquery(_ENGLISH, bindparam("query"))
        vector: ColumnElement[Any] = literal_column("posts.search_vector")
        rank = func.ts_rank(vector, func.to_tsquery(_ENGLISH, bindparam("ranked")))
        # Ranked apart (OFFSET 0 keeps PostgreSQL from merging it in), so the count's window
        # holds the narrow rows, not the vectors: on the bench's data the window spilled to
        # disk, and the search took a fifth longer.
        matches = (
            select(Post.id.label("id"), Post.published_at.label("published_at"), rank.label("rank"))
            .join(Post.author)
            .where(vector.op("@@")(query), *_posts_where())
            .offset(0)
            .subquery("matches")
        )
        hits = (
            select(matches.c.id, matches.c.rank, total)
            .order_by(matches.c.rank.desc(), matches.c.published_at.desc(), matches.c.id.desc())
            .limit(bindparam("limit"))
            .offset(bindparam("skip"))
            .cte("hits")
        )
        snippet = func.ts_headline(_ENGLISH, Post.content, query, bindparam("options"))
        return (
            select(*_hit_columns(), snippet.label("snippet"), hits.c.total)
            .select_from(hits)
            .join(Post, Post.id == hits.c.id)
            .join(Post.author)
            .order_by(*_order(hits.c.rank.desc()))
        )
    # FTS5's functions cannot run beside a window function: the match is a subquery.
    index: ColumnElement[Any] = literal_column("post_search")
    matches = (
        select(
            _FTS.c.rowid.label("id"),
            func.bm25(index, *_BM25_WEIGHTS).label("rank"),
            func.snippet(index, 2, bindparam("start"), bindparam("stop"), "…", SNIPPET_WORDS).label(
                "snippet"
            ),
        )
        .where(index.op("MATCH")(bindparam("query")))
        .subquery("matches")
    )
    return (
        select(*_hit_columns(), matches.c.snippet, total)
        .select_from(matches)
        .join(Post, Post.id == matches.c.id)
        .join(Post.author)
        .where(*_posts_where())
        .order_by(*_order(matches.c.rank))
        .limit(bindparam("limit"))
        .offset(bindparam("skip"))
    )


def _highlighted(snippet: str, start: str, stop: str) -> str:
    return html.escape(snippet).replace(start, "<mark>").replace(stop, "</mark>")


def _users(query: SearchQuery) -> Select[*tuple[Any, ...]]:
    """Users one of whose names (username or display name) holds every word of a phrase of
    each group; the username matching the words first, then one starting with them, then
    the newest. Words are letters and digits (`query`): no LIKE wildcard is ever in one."""
    names = func.lower(func.coalesce(User.display_name, "")) + " " + User.username_key
    groups = [
        or_(
            *(
                and_(*(names.contains(lookup_key(word)) for word in looked_for(phrase)))
                for phrase in group
            )
        )
        for group in query.groups
    ]
    words = lookup_key(" ".join(query.words))
    closeness = case(
        (User.username_key == words, 0),
        (User.username_key.startswith(words, autoescape=True), 1),
        else_=2,
    )
    return (
        select(User.id, User.username, User.image_file, User.display_name, func.count().over())
        .where(*groups, *_findable())
        .order_by(closeness, User.created_at.desc(), User.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("skip"))
    )


def _post_hit(row: Any, start: str, stop: str) -> PostHit:
    return {
        "id": row.id,
        "title": row.title,
        "slug": row.slug,
        "excerpt": row.excerpt,
        "published_at": row.published_at,
        "tags": row.search_tags.split() if row.search_tags else [],
        "author": {
            "id": row.user_id,
            "username": row.username,
            "image_file": row.image_file,
            "display_name": row.display_name,
        },
        "snippet": _highlighted(row.snippet, start, stop),
    }


async def search(reader: Reader, text: str, *, skip: int, limit: int) -> Found:
    """Published posts and users matching `text` (the syntax of `query`), a page of each."""
    query = parse(text)
    if query is None:
        return Found([], 0, [], 0, skip, limit)
    marker = secrets.token_hex(8)
    start, stop = f"{marker}s", f"{marker}e"
    async with reader.connect() as connection:
        dialect: Dialect = "postgresql" if connection.dialect.name == "postgresql" else "sqlite"
        page = {"skip": skip, "limit": limit}
        found = {"query": to_fts5(query), "start": start, "stop": stop}
        if dialect == "postgresql":
            words = f"MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
            found = {
                "query": to_tsquery(query),
                "ranked": to_tsquery(query, exclusions=False),
                "options": f"{words}, StartSel={start}, StopSel={stop}",
            }
        posts = (await connection.execute(_post_hits(dialect), found | page)).all()
        users = (await connection.execute(_users(query), page)).all()
        # Past the last page no row carries the totals, so the first row is asked for.
        first = {"skip": 0, "limit": 1}
        if not posts and skip:
            totals = (await connection.execute(_post_hits(dialect), found | first)).all()
            total = totals[0].total if totals else 0
        else:
            total = posts[0].total if posts else 0
        if not users and skip:
            user_total = (await connection.execute(_users(query), first)).all()
        else:
            user_total = users
    return Found(
        posts=[_post_hit(row, start, stop) for row in posts],
        total=total,
        users=[
            ListedAuthor(id=id_, username=username, image_file=image, display_name=display)
            for id_, username, image, display, _ in users
        ],
        user_total=user_total[0][4] if user_total else 0,
        skip=skip,
        limit=limit,
    )
