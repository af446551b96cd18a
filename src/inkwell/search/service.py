"""Search: published posts by their words, users by their names; nothing here writes.

The index is the database's own, kept in the writer's transaction (migrations 0013, 0023):
PostgreSQL's `posts.search_vector` (title A, tags B, content C) read with
`to_tsquery` (`query.to_tsquery`), ranked by `ts_rank`, highlighted by `ts_headline`; SQLite's
FTS5 table `post_search` read with the same parse (`query.to_fts5`), ranked by `bm25`
with the same order of weights, highlighted by `snippet`. Every statement that differs by
dialect is in `_post_hits_statement`; what may be found at all is said once, in `_findable`.

Snippets come from the database with random markers around the words found; the text is
then escaped and only the markers become `<mark>`, so nothing else in a post is markup.
"""

import html
import secrets
from collections.abc import Callable, Sequence
from functools import cache, partial
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    and_,
    bindparam,
    case,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from inkwell.db import Reader
from inkwell.pagination import page_bound
from inkwell.posts.models import Post, is_published
from inkwell.posts.rows import ListedAuthor
from inkwell.search.query import (
    SearchQuery,
    names_asked,
    parse,
    to_fts5,
    to_tsquery,
    words_looked_for,
)
from inkwell.search.rows import Found, PostHit, Ranked, SearchPosition
from inkwell.users.identity import search_key
from inkwell.users.models import User, is_active, not_suspended

Dialect = Literal["postgresql", "sqlite"]
# How many words a snippet holds, about, on both databases.
SNIPPET_WORDS = 30
# FTS5's bm25 weights per column (title, tags, content), in the order of PostgreSQL's
# ts_rank default weights for A, B and C (1.0, 0.4, 0.2).
_BM25_WEIGHTS = (10.0, 4.0, 2.0)
# PostgreSQL's `english` that reads words without their accents (migration 0023).
_CONFIGURATION: ColumnElement[Any] = literal_column("'inkwell_english'::regconfig")
_FTS = table("post_search", column("rowid"))


def _findable() -> list[ColumnElement[bool]]:
    """Who may be found, and whose posts: the one place that says it (statements join the
    post's author as `users`). Not a suspended user; drafts are ruled out by `is_published`."""
    return [not_suspended]


def _posts_where() -> list[ColumnElement[bool]]:
    return [is_published, *_findable()]


def _posts_found_where() -> list[ColumnElement[bool]]:
    """`_posts_where` for a statement that does not join the author: every match is
    ranked and counted, and joining each one's author read the whole users table; the
    few suspended are found through their own index instead."""
    return [is_published, is_active(Post.user_id)]


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


def _after(
    ranked: tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]], prefix: str
) -> ColumnElement[bool]:
    """Past the position bound as `{prefix}_rank`, `{prefix}_at`, `{prefix}_id` in the
    order of `ranked` (each descending): a row-value comparison."""
    rank, at, id_ = ranked
    bound = tuple_(
        bindparam(f"{prefix}_rank", type_=rank.type),
        bindparam(f"{prefix}_at", type_=at.type),
        bindparam(f"{prefix}_id", type_=id_.type),
    )
    return tuple_(rank, at, id_) < bound


def _ranked_page(
    query: Select[Any],
    ranked: tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]],
    prefix: str,
    *,
    after: bool,
) -> Select[Any]:
    """`query` most relevant first, then newest, the id breaking ties: from `skip`, or
    `after` a position (rank, published_at or created_at, id) in that order. The count
    beside each row is taken beneath (a window of a subquery), so it counts every row."""
    query = query.order_by(*(column.desc() for column in ranked)).limit(page_bound("limit"))
    if after:
        return query.where(_after(ranked, prefix))
    return query.offset(page_bound("skip"))


def _post_hits_statement(dialect: Dialect, after: bool = False) -> Select[*tuple[Any, ...]]:
    """A page of posts found, with their snippets, their rank and how many are found, in
    one statement (parameters: the query, `skip` or the position `post_rank`, `post_at`,
    `post_id`, `limit`, and the markers: `start` and `stop` for SQLite, `options` for
    PostgreSQL, which also ranks by what is `ranked`). The rank is higher for a better
    match on both databases (FTS5's bm25 is lower: it is negated)."""
    total = func.count().over().label("total")
    if dialect == "postgresql":
        query = func.to_tsquery(_CONFIGURATION, bindparam("query"))
        vector: ColumnElement[Any] = literal_column("posts.search_vector")
        rank = func.ts_rank(vector, func.to_tsquery(_CONFIGURATION, bindparam("ranked")))
        # Ranked apart (OFFSET 0 keeps PostgreSQL from merging it in), so the count's window
        # holds the narrow rows, not the vectors: on the bench's data the window spilled to
        # disk, and the search took a fifth longer.
        matches = (
            select(Post.id.label("id"), Post.published_at.label("published_at"), rank.label("rank"))
            .where(vector.op("@@")(query), *_posts_found_where())
            .offset(0)
            .subquery("matches")
        )
        counted = select(matches, total).subquery("counted")
        ranked = (counted.c.rank, counted.c.published_at, counted.c.id)
        hits = _ranked_page(
            select(counted.c.id, counted.c.rank, counted.c.total), ranked, "post", after=after
        ).cte("hits")
        snippet = func.ts_headline(_CONFIGURATION, Post.content, query, bindparam("options"))
        return (
            select(*_hit_columns(), snippet.label("snippet"), hits.c.rank, hits.c.total)
            .select_from(hits)
            .join(Post, Post.id == hits.c.id)
            .join(Post.author)
            .order_by(hits.c.rank.desc(), Post.published_at.desc(), Post.id.desc())
        )
    # FTS5's functions cannot run beside a window function: the match is a subquery.
    index: ColumnElement[Any] = literal_column("post_search")
    matches = (
        select(
            _FTS.c.rowid.label("id"),
            (-func.bm25(index, *_BM25_WEIGHTS)).label("rank"),
            func.snippet(index, 2, bindparam("start"), bindparam("stop"), "…", SNIPPET_WORDS).label(
                "snippet"
            ),
        )
        .where(index.op("MATCH")(bindparam("query")))
        .subquery("matches")
    )
    found = (
        select(*_hit_columns(), matches.c.snippet, matches.c.rank, total)
        .select_from(matches)
        .join(Post, Post.id == matches.c.id)
        .join(Post.author)
        .where(*_posts_where())
        .subquery("found")
    )
    ranked = (found.c.rank, found.c.published_at, found.c.id)
    return _ranked_page(select(found), ranked, "post", after=after)


_post_hits = cache(_post_hits_statement)


def _highlighted(snippet: str, start: str, stop: str) -> str:
    return html.escape(snippet).replace(start, "<mark>").replace(stop, "</mark>")


def _users(asked: SearchQuery, after: bool) -> Select[*tuple[Any, ...]]:
    """Users one of whose names (username or display name) holds every word of a phrase of
    each group `asked` (`names_asked`: stop words count in names), accents aside; the
    username matching the words first, then one starting with them, then the newest. Words
    are letters and digits (`query`): no LIKE wildcard is ever in one. From `skip`, or after
    the position `user_rank`, `user_at`, `user_id`."""
    groups = [
        or_(*(and_(*(User.names_key.contains(search_key(w)) for w in phrase)) for phrase in group))
        for group in asked.groups
    ]
    looked_for = words_looked_for(asked)
    # The key starts with the username, which has no spaces: one word may be a username or
    # the start of one, several words are neither.
    closeness: ColumnElement[int] = literal(0)
    if len(looked_for) == 1:
        word = search_key(looked_for[0])
        closeness = case(
            (or_(User.names_key == word, User.names_key.startswith(f"{word} ")), 2),
            (User.names_key.startswith(word), 1),
            else_=0,
        )
    found = (
        select(
            User.id,
            User.username,
            User.image_file,
            User.display_name,
            User.created_at,
            closeness.label("rank"),
            func.count().over().label("total"),
        )
        .where(*groups, *_findable())
        .subquery("found")
    )
    ranked = (found.c.rank, found.c.created_at, found.c.id)
    return _ranked_page(select(found), ranked, "user", after=after)


def _post_hit(row: Any, start: str, stop: str) -> PostHit:
    return {
        "id": row.id,
        "title": row.title,
        "slug": row.slug,
        "excerpt": row.excerpt,
        "published_at": row.published_at,
        "tags": row.search_tags.split(),
        "author": {
            "id": row.user_id,
            "username": row.username,
            "image_file": row.image_file,
            "display_name": row.display_name,
        },
        "snippet": _highlighted(row.snippet, start, stop),
    }


def _next_after(rows: Sequence[Any], limit: int, at: str) -> Ranked | None:
    """Where the next page of these hits starts: the last one's (rank, `at`, id), if more
    follow (the page asked for one row more)."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return (last.rank, getattr(last, at), last.id)


def _position(prefix: str, after: Ranked | None) -> dict[str, Any]:
    rank, at, id_ = after if after is not None else (None, None, None)
    return {f"{prefix}_rank": rank, f"{prefix}_at": at, f"{prefix}_id": id_}


def _found_parameters(
    dialect: Dialect, query: SearchQuery, start: str, stop: str
) -> dict[str, Any]:
    """What `_post_hits` asks the database: the query in its syntax, the snippet's marks."""
    if dialect == "sqlite":
        return {"query": to_fts5(query), "start": start, "stop": stop}
    words = f"MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
    return {
        "query": to_tsquery(query),
        "ranked": to_tsquery(query, exclusions=False),
        "options": f"{words}, StartSel={start}, StopSel={stop}",
    }


async def _rows_and_total(
    connection: AsyncConnection,
    statement: Callable[[bool], Executable],
    found: dict[str, Any],
    page: dict[str, Any],
    *,
    paged: bool,
    fetch: bool,
) -> tuple[Sequence[Any], int]:
    """A page of one kind (`statement(paged)`: by position, or else from `skip`) unless not
    `fetch`ed, and the total its rows carry. Past the last page (one after the first, by
    `skip` or position) no row carries it, so the first row of all is asked for."""
    rows = (await connection.execute(statement(paged), found | page)).all() if fetch else []
    if rows or not (paged or page["skip"]):
        return rows, rows[0].total if rows else 0
    first = (await connection.execute(statement(False), found | {"skip": 0, "limit": 1})).all()
    return rows, first[0].total if first else 0


async def search(
    reader: Reader,
    text: str,
    *,
    skip: int,
    limit: int,
    after: SearchPosition | None = None,
) -> Found:
    """Published posts and users matching `text` (the syntax of `query`), a page of each:
    from `skip`, or `after` a position in each (a kind whose position is None has no more
    to show). The answer says where the next page of each starts (`Found.after`).

    The cursor of a ranked listing is a keyset on (rank, published_at or created_at, id):
    on PostgreSQL `ts_rank` depends on the post and the words alone, so a page after a
    position neither repeats nor skips a post while others are written. FTS5's bm25 weighs
    words by how rare they are in all posts, so on SQLite a post written meanwhile can move
    the ranks of the others: a post may then show twice or not at all. Every page still
    ranks all the matches, however deep (what ranking costs)."""
    query, asked = parse(text), names_asked(text)
    if asked is None:
        return Found([], 0, [], 0, skip, limit)
    marker = secrets.token_hex(8)
    start, stop = f"{marker}s", f"{marker}e"
    posts_after, users_after = after if after is not None else (None, None)
    paged = after is not None
    page = {"skip": skip, "limit": limit + 1}
    posts: Sequence[Any] = []
    total = 0
    async with reader.connect() as connection:
        dialect: Dialect = "postgresql" if connection.dialect.name == "postgresql" else "sqlite"
        if query is not None:
            posts, total = await _rows_and_total(
                connection,
                partial(_post_hits, dialect),
                _found_parameters(dialect, query, start, stop),
                page | _position("post", posts_after),
                paged=paged,
                fetch=not paged or posts_after is not None,
            )
        users, user_total = await _rows_and_total(
            connection,
            partial(_users, asked),
            {},
            page | _position("user", users_after),
            paged=paged,
            fetch=not paged or users_after is not None,
        )
    next_posts, next_users = (
        _next_after(posts, limit, "published_at"),
        _next_after(users, limit, "created_at"),
    )
    return Found(
        posts=[_post_hit(row, start, stop) for row in posts[:limit]],
        total=total,
        users=[
            ListedAuthor(
                id=row.id,
                username=row.username,
                image_file=row.image_file,
                display_name=row.display_name,
            )
            for row in users[:limit]
        ],
        user_total=user_total,
        skip=skip,
        limit=limit,
        after=None if next_posts is None and next_users is None else (next_posts, next_users),
    )
