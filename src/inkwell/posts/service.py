"""Posts: every query and rule about posts lives here; nothing here commits."""

import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Literal, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    cast,
    delete,
    exists,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, joinedload
from sqlalchemy.orm.exc import StaleDataError

from inkwell.comments.models import Comment
from inkwell.db import Reader, dialect_insert, utcnow
from inkwell.errors import Conflict, ErrorCode, NotFound
from inkwell.follows.columns import followed_by
from inkwell.likes.columns import liked_by
from inkwell.likes.models import Like
from inkwell.media.uses import link_pictures
from inkwell.pagination import keyset_page, page_bound, page_parameters
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import (
    DRAFT,
    PUBLISHED,
    Post,
    PostStats,
    PostTag,
    Tag,
    is_published,
)
from inkwell.posts.rows import ListedAuthor, ListedPost, ListedTag, PostListing
from inkwell.users import service as users
from inkwell.users.identity import lookup_key
from inkwell.users.models import User, not_suspended

# Which posts a listing reads: everyone's, one author's, one tag's (all published, newest
# published first), or one author's drafts (last edited first).
Listing = Literal["all", "author", "tag", "drafts"]
# A listing's rows as they say it, matching the partial indexes' predicates (literals).
_TAG_PUBLISHED = PostTag.status == literal_column(f"'{PUBLISHED}'")
_IS_DRAFT = Post.status == literal_column(f"'{DRAFT}'")
TAG_SEPARATOR = ","  # never in a tag's name (a slug)
# Where a post stands in a listing's order: its published_at (a draft's updated_at) and id.
Position = tuple[datetime, int]


def _with_author() -> Select[Post]:
    """Every read of posts as objects (for a write) returns them with their author, in the
    same query."""
    return select(Post).options(joinedload(Post.author, innerjoin=True))


def _drafts_count() -> Any:
    return (
        select(func.count())
        .select_from(Post)
        .where(Post.user_id == bindparam("author_id"), _IS_DRAFT)
        .scalar_subquery()
    )


def _total(listing: Listing) -> Select[Any]:
    """The count the database keeps: one row read, however many posts (drafts, an author's
    few, are counted); the total is the sum of post_stats' few slots (kept_counts.Total)."""
    if listing == "author":
        return select(User.post_count).where(User.id == bindparam("author_id"))
    if listing == "tag":
        return select(Tag.post_count).where(Tag.name == bindparam("tag"))
    if listing == "drafts":
        return select(_drafts_count())
    return select(func.coalesce(func.sum(PostStats.total), 0))


def _tag_names() -> Any:
    """The post's tags, one string per row: an aggregate in the page's own statement."""
    return (
        select(func.aggregate_strings(Tag.name, TAG_SEPARATOR))
        .select_from(PostTag)
        .join(Tag, Tag.id == PostTag.tag_id)
        .where(PostTag.post_id == Post.id)
        .scalar_subquery()
    )


def listed_columns(
    total: ColumnElement[Any] | Any | None,
    *,
    signed_in: bool,
    profiles: bool,
    bodies: bool,
) -> Select[*tuple[Any, ...]]:
    """A listed post's columns, its author's, and the total a page is part of, for every
    listing of posts (these, the feed); the caller joins the author (`Post.author`).

    Columns, not ORM objects: rows become plain dicts, with no session or identity map on
    the way. Aggregates (the tags) are correlated subqueries; whether the reader likes the
    post is an `EXISTS` column (one primary-key probe a row) bound to `viewer_id`; the like
    and comment counts are those the database keeps on the row. One statement, whatever
    the page holds. With `profiles`, the author also comes with their bio, whether the
    reader follows them (another primary-key probe a row) and their picture set elsewhere:
    what a Conduit profile shows.
    Without `bodies`, the post's `content` and `content_html` are not read: a listing
    that does not answer them (Conduit's) spares PostgreSQL reading (detoasting) and
    sending the largest columns of each row.

    The order is `_shape`'s: the columns every listing reads, the bodies, the profile's.
    """
    liked = liked_by(bindparam("viewer_id"), Post.id) if signed_in else false()
    totals = [] if total is None else [total.label("total")]
    following = followed_by(bindparam("viewer_id"), User.id) if signed_in else false()
    authors: list[ColumnElement[Any]] = (
        [
            User.bio.label("author_bio"),
            following.label("author_following"),
            User.image_url.label("author_image_url"),
        ]
        if profiles
        else []
    )
    texts: list[InstrumentedAttribute[str]] = [Post.content, Post.content_html] if bodies else []
    return select(
        Post.id,
        Post.title,
        Post.subtitle,
        Post.excerpt,
        Post.date_posted,
        Post.updated_at,
        Post.user_id,
        Post.status,
        Post.published_at,
        Post.slug,
        Post.word_count,
        _tag_names().label("tags"),
        User.username,
        User.image_file,
        User.display_name,
        Post.like_count,
        Post.comment_count,
        liked.label("liked"),
        *texts,
        *authors,
        *totals,
    )


# The columns every listed row starts with (listed_columns), before the bodies and the
# author's profile, when the statement selects them.
_COMMON = 18
# A listed row made a ListedPost.
Shape = Callable[[Sequence[Any]], ListedPost]


def _shape_of(bodies: bool, profiles: bool) -> Shape:
    """How the rows of a statement with (or without) the bodies and the profile columns
    become ListedPosts: the author's columns nested under `author`, the tags a sorted
    list. Chosen once per statement (`row_shape`), so a row is only unpacked by position."""
    bio = _COMMON + 2 if bodies else _COMMON

    def listed(row: Sequence[Any]) -> ListedPost:
        (post_id, title, subtitle, excerpt, date_posted, updated_at, user_id, status) = row[:8]
        (published_at, slug, word_count, tags, username, image_file, display_name) = row[8:15]
        like_count, comment_count, liked = row[15:_COMMON]
        author: ListedAuthor = {
            "id": user_id,
            "username": username,
            "image_file": image_file,
            "display_name": display_name,
        }
        if profiles:
            author["bio"], author["following"] = row[bio], bool(row[bio + 1])
            author["image_url"] = row[bio + 2]
        post: ListedPost = {
            "id": post_id,
            "title": title,
            "subtitle": subtitle,
            "excerpt": excerpt,
            "date_posted": date_posted,
            "updated_at": updated_at,
            "user_id": user_id,
            "status": status,
            "published_at": published_at,
            "slug": slug,
            "word_count": word_count,
            "tags": sorted(tags.split(TAG_SEPARATOR)) if tags else [],
            "author": author,
            "like_count": like_count,
            "comment_count": comment_count,
            "liked": bool(liked),
        }
        if bodies:
            post["content"], post["content_html"] = row[_COMMON], row[_COMMON + 1]
        return post

    return listed


# Not @cache: mutmut mutates no decorated function (make mutation).
_shape = cache(_shape_of)


def row_shape(statement: Select[Any]) -> Shape:
    """The shape of a `listed_columns` statement's rows, read from the columns it selects."""
    names = statement.selected_columns.keys()
    return _shape("content" in names, "author_bio" in names)


class ListingStatements(NamedTuple):
    """A listing's page and total-only statements, the shape of the page's rows, and
    whether they carry the popular tags (`_page`'s `popular`)."""

    page: Select[Any]
    total_only: Select[Any]
    shape: Shape
    popular: bool

    @classmethod
    def of(cls, page: Select[Any], total_only: Select[Any]) -> "ListingStatements":
        names = page.selected_columns.keys()
        return cls(page, total_only, row_shape(page), "popular_tags" in names)


def newest_first(query: Select[Any], *, after: bool = False) -> Select[Any]:
    """Newest published first; the id breaks ties so pages never overlap or skip a post.
    From `skip`, or `after` a position (pagination.keyset_page)."""
    return keyset_page(query.where(is_published), Post.published_at, Post.id, after=after)


def _page(
    listing: Listing,
    *,
    signed_in: bool,
    profiles: bool,
    bodies: bool,
    after: bool,
    popular: bool,
    suspended: bool,
) -> Select[Any]:
    """The total rides along (the author's or the tag's count from the joined row, or the
    total as a scalar subquery): one round trip, one snapshot. So do, with `popular`, the
    most used tags (`_popular_tags`). `suspended`: a suspended author's posts too."""
    total: Any = {
        "all": _total("all").scalar_subquery(),
        "author": User.post_count,
        "tag": Tag.post_count,
        "drafts": _drafts_count(),
    }[listing]
    query = listed_columns(total, signed_in=signed_in, profiles=profiles, bodies=bodies)
    if popular:
        query = query.add_columns(_popular_tags().label("popular_tags"))
    if listing == "tag":
        # The tag's own index, in the listings' order, from post_tags' copy of the dates:
        # the tag's id is found first (a subquery, not a join), so the index is walked for
        # that one id, already in order.
        tag_id = select(Tag.id).where(Tag.name == bindparam("tag")).scalar_subquery()
        tagged = (
            query.select_from(PostTag)
            .join(Tag, Tag.id == PostTag.tag_id)
            .join(Post, Post.id == PostTag.post_id)
            .join(Post.author)
            .where(PostTag.tag_id == tag_id, _TAG_PUBLISHED, not_suspended)
        )
        return keyset_page(tagged, PostTag.published_at, PostTag.post_id, after=after)
    query = query.join(Post.author)
    if not suspended:
        query = query.where(not_suspended)
    if listing == "drafts":
        drafts = query.where(Post.user_id == bindparam("author_id"), _IS_DRAFT)
        return keyset_page(drafts, Post.updated_at, Post.id, after=after)
    if listing == "author":
        query = query.where(Post.user_id == bindparam("author_id"))
    return newest_first(query, after=after)


def _listing_statements(
    listing: Listing,
    *,
    signed_in: bool,
    profiles: bool,
    bodies: bool,
    after: bool,
    popular: bool,
    suspended: bool,
) -> ListingStatements:
    """The page and the total-only statements, built once, with the page as parameters:
    composing a statement costs more CPU than running it, and SQLAlchemy compiles each of
    these once, then takes it from its cache. Built at first use rather than at import, so
    `make mutation` reaches the builders' mutants (mutmut switches a mutant on per call).
    A page from `skip` and a page `after` a cursor's position are two statements.
    """
    page = _page(
        listing,
        signed_in=signed_in,
        profiles=profiles,
        bodies=bodies,
        after=after,
        popular=popular,
        suspended=suspended,
    )
    return ListingStatements.of(page, _total(listing))


# Not @cache: mutmut mutates no decorated function (make mutation).
_listing = cache(_listing_statements)


class Filters(NamedTuple):
    """Which filters a listing by names combines: the author's username, a tag, and the
    username of a reader who likes the posts."""

    author: bool
    tag: bool
    liked_by: bool


def _user_named(parameter: str) -> Any:
    """The id of the user whose name's lookup key is bound to `parameter`; NULL if none, or
    while they are suspended: neither their posts nor what they like are listed."""
    return (
        select(User.id)
        .where(User.username_key == bindparam(parameter), not_suspended)
        .scalar_subquery()
    )


def _filtered_statements(
    filters: Filters, signed_in: bool, profiles: bool, bodies: bool
) -> ListingStatements:
    """Published posts matching every filter given, newest first; the total counts the same
    rows (a scalar subquery riding along, as the other listings' do). A name no user has
    lists nothing; a suspended author's posts are not listed."""
    clauses: list[ColumnElement[bool]] = []
    if filters.author:
        clauses.append(Post.user_id == _user_named("author_key"))
    if filters.tag:
        tag_id = select(Tag.id).where(Tag.name == bindparam("tag")).scalar_subquery()
        clauses.append(exists().where(PostTag.post_id == Post.id, PostTag.tag_id == tag_id))
    if filters.liked_by:
        clauses.append(liked_by(_user_named("liked_by_key"), Post.id))
    clauses.append(not_suspended)
    total = select(func.count()).select_from(Post).join(Post.author).where(is_published, *clauses)
    page = newest_first(
        listed_columns(
            total.scalar_subquery(), signed_in=signed_in, profiles=profiles, bodies=bodies
        )
        .join(Post.author)
        .where(*clauses)
    )
    return ListingStatements.of(page, total)


# Not @cache: mutmut mutates no decorated function (make mutation).
_filtered = cache(_filtered_statements)


def _published_position(post: ListedPost) -> Position:
    return (post["published_at"], post["id"])  # type: ignore[return-value]


def _edited_position(post: ListedPost) -> Position:
    return (post["updated_at"], post["id"])


async def read_listing(
    reader: Reader,
    statements: ListingStatements,
    parameters: dict[str, Any],
    position: Callable[[ListedPost], Position] = _published_position,
) -> PostListing:
    """Runs a listing's page (`listed_columns` with a total, in the listing's order) for
    `parameters` (`page_parameters`: one row more than the page, and what the statements
    name). `position` is where a post stands in the listing's order. The popular tags
    come with the page's rows when its statement reads them (`tags_limit` of them)."""
    popular_tags: list[ListedTag] = []
    async with reader.connect() as connection:
        rows = (await connection.execute(statements.page, parameters)).all()
        # Past the last page no row carries the total, so it is asked for on its own;
        # so are the popular tags.
        total = (
            rows[0].total
            if rows
            else await connection.scalar(statements.total_only, parameters) or 0
        )
        if statements.popular:
            popular_tags = (
                _ranked_tags(rows[0].popular_tags)
                if rows
                else _listed_tags(
                    await connection.execute(_tags(), {"limit": parameters["tags_limit"]})
                )
            )
    skip, limit = parameters["skip"], parameters["limit"] - 1
    shape = statements.shape
    posts = [shape(row) for row in rows[:limit]]
    after = position(posts[-1]) if len(rows) > limit else None
    return PostListing(posts, total, skip, limit, after, popular_tags)


async def list_posts(
    reader: Reader,
    *,
    skip: int,
    limit: int,
    author_id: int | None = None,
    tag: str | None = None,
    drafts: bool = False,
    viewer_id: int | None = None,
    author_name: str | None = None,
    liked_by_name: str | None = None,
    profiles: bool = False,
    bodies: bool = True,
    after: Position | None = None,
    popular_tags: int = 0,
    suspended: bool = False,
) -> PostListing:
    """Published posts, everyone's or one author's or one tag's; or, with `drafts`, the
    drafts of `author_id` (for them alone: the caller checks who asks). `viewer_id` is the
    signed-in reader, for whom each post says whether they like it.

    By names instead (`author_name`, `liked_by_name`, combined with `tag` if given): the
    posts of the author so named, liked by the reader so named. `profiles` adds each
    author's bio, whether the reader follows them and their picture set elsewhere; without
    `bodies`, the posts come without `content` and `content_html` (see listed_columns).

    The page starts at `skip`, or `after` the position of a post in the listing's order
    (published_at, or a draft's updated_at, and id; not with names): the listing answers
    where its next page starts (`PostListing.after`), None on the last page.

    With `popular_tags` (not with names), the listing also answers list_tags' first
    `popular_tags`, read in the page's own statement: the home page is one round trip.

    A suspended author's posts are listed by no one, but with `suspended` and `author_id`:
    their page, to the admins who moderate them."""
    signed_in = viewer_id is not None
    parameters = {
        **page_parameters(skip, limit, after),
        "author_id": author_id,
        "tag": tag,
        "viewer_id": viewer_id,
        "author_key": None if author_name is None else lookup_key(author_name),
        "liked_by_key": None if liked_by_name is None else lookup_key(liked_by_name),
    }
    if author_name is not None or liked_by_name is not None:
        filters = Filters(author_name is not None, tag is not None, liked_by_name is not None)
        statements = _filtered(filters, signed_in, profiles, bodies)
        return await read_listing(reader, statements, parameters)
    listing: Listing = (
        "drafts" if drafts else "tag" if tag is not None else "author" if author_id else "all"
    )
    if popular_tags:
        parameters["tags_limit"] = popular_tags
    statements = _listing(
        listing,
        signed_in=signed_in,
        profiles=profiles,
        bodies=bodies,
        after=after is not None,
        popular=popular_tags > 0,
        suspended=suspended,
    )
    position = _edited_position if drafts else _published_position
    return await read_listing(reader, statements, parameters, position)


def _one_statement(
    signed_in: bool, profiles: bool, bodies: bool, suspended: bool
) -> tuple[Select[Any], Shape]:
    """A published post, or a draft for its author (`viewer_id`) only; nobody's while its
    author is suspended, unless `suspended`. With the shape of its row."""
    visible = [or_(is_published, Post.user_id == bindparam("viewer_id"))]
    if not suspended:
        visible.append(not_suspended)
    query = (
        listed_columns(None, signed_in=signed_in, profiles=profiles, bodies=bodies)
        .join(Post.author)
        .where(Post.id == bindparam("post_id"), *visible)
    )
    return query, row_shape(query)


# Not @cache: mutmut mutates no decorated function (make mutation).
_one = cache(_one_statement)


async def get_listed_post(
    reader: Reader,
    post_id: int,
    viewer_id: int | None,
    *,
    profiles: bool = False,
    bodies: bool = True,
    suspended: bool = False,
) -> ListedPost:
    """One post as listings show it (its counts, whether the viewer likes it): one statement.
    To anyone but its author a draft does not exist. `profiles` and `bodies` as listings'.
    `suspended`: a suspended author's post too, for the admins who moderate it alone."""
    parameters = {"post_id": post_id, "viewer_id": viewer_id}
    query, shape = _one(viewer_id is not None, profiles, bodies, suspended)
    async with reader.connect() as connection:
        row = (await connection.execute(query, parameters)).one_or_none()
    if row is None:
        raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)
    return shape(row)


_MOST_USED_FIRST = (Tag.post_count.desc(), Tag.name)


def _most_used(limit: Any) -> Select[str, int]:
    return (
        select(Tag.name, Tag.post_count)
        .where(Tag.post_count > 0)
        .order_by(*_MOST_USED_FIRST)
        .limit(limit)
    )


def _tags_statement() -> Select[str, int]:
    """list_tags' statement, built at first use like the listings' (not at import)."""
    return _most_used(page_bound("limit"))


# Not @cache: mutmut mutates no decorated function (make mutation).
_tags = cache(_tags_statement)


async def list_tags(reader: Reader, *, limit: int) -> list[ListedTag]:
    """The most used tags first, with how many published posts carry each."""
    async with reader.connect() as connection:
        return _listed_tags(await connection.execute(_tags(), {"limit": limit}))


def _listed_tags(rows: Iterable[Sequence[Any]]) -> list[ListedTag]:
    return [{"name": name, "posts": posts} for name, posts in rows]


def _popular_tags() -> Any:
    """list_tags' first `tags_limit` as one string riding along a page's rows (a scalar
    subquery the database runs once): `rank:posts:name` entries joined by TAG_SEPARATOR,
    ranked by the database in list_tags' order (its collation orders the names)."""
    rank = func.row_number().over(order_by=_MOST_USED_FIRST).label("rank")
    ranked = _most_used(page_bound("tags_limit")).add_columns(rank).subquery()
    entry = (
        cast(ranked.c.rank, String) + ":" + cast(ranked.c.post_count, String) + ":" + ranked.c.name
    )
    return select(func.aggregate_strings(entry, TAG_SEPARATOR)).scalar_subquery()


def _ranked_tags(entries: str | None) -> list[ListedTag]:
    """_popular_tags' string, back in its ranks' order."""
    fields = (entry.split(":", 2) for entry in entries.split(TAG_SEPARATOR)) if entries else ()
    ranked = sorted((int(rank), name, int(posts)) for rank, posts, name in fields)
    return [{"name": name, "posts": posts} for _, name, posts in ranked]


async def get_post(
    session: AsyncSession, post_id: int, *, viewer_id: int | None = None, suspended: bool = False
) -> Post:
    """A published post, or a draft for its author: to anyone else a draft does not exist.
    Nor, while its author is suspended, does the post, unless `suspended` (for the admins
    who moderate it alone)."""
    post = await session.scalar(_with_author().where(Post.id == post_id))
    if (
        post is None
        or (post.author.suspended_at is not None and not suspended)
        or (post.status == DRAFT and post.user_id != viewer_id)
    ):
        raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)
    return post


async def create_post(
    session: AsyncSession,
    author: User,
    title: str,
    content: str,
    *,
    markdown: MarkdownRenderer,
    status: str = PUBLISHED,
    tags: Sequence[str] = (),
    subtitle: str | None = None,
) -> Post:
    await users.hold_writer(session, author.id)
    now = utcnow()
    post = Post(
        title=title,
        subtitle=subtitle or None,  # an empty subtitle is none, as an edit makes it
        author=author,
        status=status,
        date_posted=now,
        updated_at=now,
        published_at=now if status == PUBLISHED else None,
    )
    await _write_content(post, content, markdown)
    session.add(post)
    await session.flush()
    await _set_tags(session, post, tags)
    await link_pictures(session, post.id, "", content)
    return post


async def update_post(
    session: AsyncSession,
    post: Post,
    *,
    markdown: MarkdownRenderer,
    title: str | None = None,
    content: str | None = None,
    status: str | None = None,
    tags: Sequence[str] | None = None,
    subtitle: str | None = None,
    unchanged_since: datetime | None = None,
) -> Post:
    """Changes what is given; None leaves a field as it is (an empty subtitle clears it).
    Publishing stamps published_at with the moment, each time: a post published again is
    new again; unpublishing clears it. With `unchanged_since`, only if the post's
    `updated_at` is still that (ChangedSince otherwise): one conditional statement claims
    the version, so of two saves from the same version one wins and the other is told."""
    await _hold_author(session, post)
    if unchanged_since is not None:
        claimed = await session.execute(
            update(Post)
            .where(Post.id == post.id, Post.updated_at == unchanged_since)
            .values(updated_at=utcnow())
            .returning(Post.id)
            .execution_options(synchronize_session=False)
        )
        if claimed.one_or_none() is None:
            if await session.scalar(select(Post.id).where(Post.id == post.id)) is None:
                # Deleted by a request that committed after this one read it: gone.
                raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)
            raise ChangedSince
    if title is not None:
        post.title = title
    if subtitle is not None:
        post.subtitle = subtitle or None
    previous_content = post.content
    if content is not None:
        await _write_content(post, content, markdown)
    if tags is not None:
        # An edit like any other; and the post's row is written (so locked) before its tags,
        # so two requests changing one post's tags take turns instead of racing.
        post.updated_at = utcnow()
    republished = status is not None and status != post.status
    if republished:
        post.status = str(status)
        post.published_at = utcnow() if status == PUBLISHED else None
    try:
        await session.flush()
    except StaleDataError as exc:
        # Deleted by a request that committed after this one read it: gone, not a 500.
        raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND) from exc
    if republished:
        await session.execute(
            update(PostTag)
            .where(PostTag.post_id == post.id)
            .values(status=post.status, published_at=post.published_at)
        )
    if tags is not None:
        await _set_tags(session, post, tags)
    if content is not None:
        await link_pictures(session, post.id, previous_content, content)
    return post


class ChangedSince(Conflict):
    code = ErrorCode.CHANGED_CONCURRENTLY

    def __init__(self) -> None:
        super().__init__(
            "This post was changed elsewhere (another tab or device) since you opened it, so "
            "it was not saved: nothing is overwritten. Reload the page to see the newer "
            "version; your text is kept in this browser."
        )


async def _hold_author(session: AsyncSession, post: Post) -> None:
    """A post whose author is being suspended is written after the suspension counts them
    out, or not at all: gone, like every post of a suspended author (users.hold_active)."""
    if not await users.hold_active(session, post.user_id):
        raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)


async def _write_content(post: Post, content: str, markdown: MarkdownRenderer) -> None:
    """The source and what it renders to, stored together: reads never parse Markdown."""
    rendered = await markdown.render_in_thread(content)
    post.content, post.content_html, post.excerpt = content, rendered.html, rendered.excerpt
    post.word_count = rendered.word_count


async def delete_post(session: AsyncSession, post: Post, *, by_admin: bool) -> None:
    """Its tags go with it (ON DELETE CASCADE), and out of their tags' counts. A post
    another request deleted meanwhile is not found: one deletion answers 204, and an admin's
    is recorded once (the loser's audit entry goes with its rolled back transaction).

    While its author is suspended, a post is deleted by an admin alone: first put back into
    the counts the suspension took it out of (count_author), so that the deletion takes it
    out once; the author's row is held meanwhile, so the suspension's lifting counts their
    posts after the deletion, without this one."""
    if by_admin:
        if (await users.hold(session, post.user_id)).get(post.user_id):
            await _count_posts(session, Post.id == post.id, counted=True)
    else:
        await _hold_author(session, post)
    if await session.scalar(delete(Post).where(Post.id == post.id).returning(Post.id)) is None:
        raise NotFound("Post not found", code=ErrorCode.POST_NOT_FOUND)
    session.expunge(post)


async def _set_tags(session: AsyncSession, post: Post, names: Sequence[str]) -> None:
    """Makes `names` (normalised, distinct) the post's tags: new tags are created (a race for
    the same new name is settled by its unique index), dropped ones leave it."""
    wanted: set[int] = set()
    if names:
        new_tags = await dialect_insert(session, Tag)
        await session.execute(
            new_tags.values([{"name": name} for name in names]).on_conflict_do_nothing()
        )
        wanted = set((await session.scalars(select(Tag.id).where(Tag.name.in_(names)))).all())
    current = set(
        (await session.scalars(select(PostTag.tag_id).where(PostTag.post_id == post.id))).all()
    )
    if gone := current - wanted:
        await session.execute(
            delete(PostTag).where(PostTag.post_id == post.id, PostTag.tag_id.in_(gone))
        )
    if added := wanted - current:
        await session.execute(
            insert(PostTag),
            [
                {
                    "post_id": post.id,
                    "tag_id": tag_id,
                    "status": post.status,
                    "published_at": post.published_at,
                }
                for tag_id in sorted(added)
            ],
        )


async def count_author(session: AsyncSession, user_id: int, *, counted: bool) -> None:
    """Takes a user's rows out of the counts the database keeps (`counted=False`, when they
    are suspended) or puts them back (`counted=True`, when that is lifted): their published
    posts out of the total and of their tags' counts, their comments and likes out of the
    posts' counts. Their own `post_count` stays: no one reads it while they are suspended.

    Set-based and relative (each count moves by the user's share, computed in the same
    statement), so the writes of others that the triggers count meanwhile are kept. While
    suspended, the user's rows do not change: they cannot sign in, and to everyone else
    their posts and comments do not exist (the services answer 404), so putting them back
    adds exactly what was taken out. An admin may delete them meanwhile: each is put back
    first, and its deletion takes it out (delete_post, comments.delete_comment).
    """
    await _count_posts(session, Post.user_id == user_id, counted=counted)
    await count_reactions(session, Comment, Comment.user_id == user_id, counted=counted)
    await count_reactions(session, Like, Like.user_id == user_id, counted=counted)


async def _count_posts(session: AsyncSession, which: ColumnElement[bool], *, counted: bool) -> None:
    """The published posts `which` selects, out of the total and their tags' counts or back."""
    change = operator.add if counted else operator.sub
    published = select(func.count()).select_from(Post).where(which, is_published).scalar_subquery()
    # Any one slot takes the change: the total is their sum.
    await session.execute(
        update(PostStats).where(PostStats.id == 1).values(total=change(PostStats.total, published))
    )
    theirs = select(PostTag.tag_id).join(Post, Post.id == PostTag.post_id)
    theirs = theirs.where(which, _TAG_PUBLISHED)
    per_tag = (
        select(func.count())
        .select_from(PostTag)
        .join(Post, Post.id == PostTag.post_id)
        .where(PostTag.tag_id == Tag.id, which, _TAG_PUBLISHED)
        .correlate(Tag)
        .scalar_subquery()
    )
    await session.execute(
        update(Tag).where(Tag.id.in_(theirs)).values(post_count=change(Tag.post_count, per_tag))
    )


async def count_reactions(
    session: AsyncSession,
    reaction: type[Comment] | type[Like],
    which: ColumnElement[bool],
    *,
    counted: bool,
) -> None:
    """The comments or likes `which` selects, out of their posts' counts or back."""
    change = operator.add if counted else operator.sub
    count = Post.comment_count if reaction is Comment else Post.like_count
    per_post = (
        select(func.count())
        .select_from(reaction)
        .where(reaction.post_id == Post.id, which)
        .correlate(Post)
        .scalar_subquery()
    )
    await session.execute(
        update(Post)
        .where(Post.id.in_(select(reaction.post_id).where(which)))
        # updated_at named as it is: a count is no edit of the post.
        .values({count: change(count, per_post), Post.updated_at: Post.updated_at})
        .execution_options(synchronize_session=False)
    )
