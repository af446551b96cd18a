"""Conduit's articles, favorites, comments and tags: Inkwell's published posts, likes,
comments and tags."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.auth.dependencies import AppSettings
from inkwell.comments import service as comments
from inkwell.conduit.dependencies import ConduitUser, ConduitViewerId, conduit_user
from inkwell.conduit.lookups import listed_article, own_article
from inkwell.conduit.routing import ConduitRoute, documented
from inkwell.conduit.schemas import (
    MultipleArticlesResponse,
    MultipleCommentsResponse,
    NewArticleRequest,
    NewCommentRequest,
    SingleArticleResponse,
    SingleCommentResponse,
    TagsResponse,
    UpdateArticleRequest,
)
from inkwell.conduit.shapes import article, image, parse_slug, profile
from inkwell.dependencies import NO_STORE, DbReader, DbSession
from inkwell.feeds import service as feeds
from inkwell.likes import service as likes
from inkwell.media import service as media
from inkwell.media.dependencies import MediaChanges
from inkwell.notifications.dependencies import NotificationOutbox
from inkwell.pagination import MAX_SKIP
from inkwell.posts import service as posts
from inkwell.posts.dependencies import Markdown
from inkwell.posts.rows import ListedPost, PostListing
from inkwell.posts.schemas import TAG_INPUT_MAX_LENGTH
from inkwell.posts.slugs import SLUG_MAX_LENGTH, tag_filter
from inkwell.schemas import MAX_ID
from inkwell.users import service as users
from inkwell.users.models import USERNAME_MAX_LENGTH

router = APIRouter(route_class=ConduitRoute)

# A Conduit slug: the post's slug, a hyphen, its id.
Slug = Annotated[str, Path(min_length=1, max_length=SLUG_MAX_LENGTH + 12)]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]
# An offset reads every row it skips: deeper than this it is a 422 (Conduit has no cursor).
Offset = Annotated[
    int, Query(ge=0, le=MAX_SKIP, description=f"Articles to skip, at most {MAX_SKIP:,}")
]
Limit = Annotated[int, Query(ge=1, le=100, description="How many articles")]
NameFilter = Annotated[str | None, Query(max_length=4 * USERNAME_MAX_LENGTH)]
# GET /tags answers every tag in use: up to this many, the most used first.
ALL_TAGS = 10_000
# GET /articles/{slug}/comments answers every comment: up to this many, the oldest first.
ALL_COMMENTS = 10_000


def _articles(settings: AppSettings, listing: PostListing) -> MultipleArticlesResponse:
    base = settings.public_base_url
    return MultipleArticlesResponse.model_validate(
        {
            "articles": [article(base, post, body=False) for post in listing.posts],
            "articlesCount": listing.total,
        }
    )


def _single(settings: AppSettings, post: ListedPost) -> SingleArticleResponse:
    return SingleArticleResponse.model_validate(
        {"article": article(settings.public_base_url, post, body=True)}
    )


@router.get(
    "/articles",
    tags=["Articles"],
    responses=documented(401),
    summary="Get recent articles globally",
)
async def list_articles(
    *,
    reader: DbReader,
    viewer_id: ConduitViewerId,
    settings: AppSettings,
    tag: Annotated[str | None, Query(max_length=TAG_INPUT_MAX_LENGTH)] = None,
    author: NameFilter = None,
    favorited: NameFilter = None,
    offset: Offset = 0,
    limit: Limit = 20,
) -> MultipleArticlesResponse:
    """Newest first; filtered by tag, author (username) and favorited (a username),
    combined."""
    listing = await posts.list_posts(
        reader,
        skip=offset,
        limit=limit,
        tag=tag_filter(tag),
        author_name=author,
        liked_by_name=favorited,
        viewer_id=viewer_id,
        profiles=True,
        bodies=False,
    )
    return _articles(settings, listing)


@router.get(
    "/articles/feed",
    tags=["Articles"],
    responses=documented(401),
    summary="Get recent articles from users you follow",
    dependencies=[NO_STORE],
)
async def feed(
    user: ConduitUser,
    reader: DbReader,
    settings: AppSettings,
    offset: Offset = 0,
    limit: Limit = 20,
) -> MultipleArticlesResponse:
    listing = await feeds.list_feed(
        reader, user.id, skip=offset, limit=limit, profiles=True, bodies=False
    )
    return _articles(settings, listing)


@router.post(
    "/articles",
    status_code=status.HTTP_201_CREATED,
    tags=["Articles"],
    responses=documented(401, 429),
    summary="Create an article",
)
async def create_article(
    *,
    data: NewArticleRequest,
    user: ConduitUser,
    budget: Annotated[WriteBudget, Depends(write_limit("posts", writer=conduit_user))],
    session: DbSession,
    reader: DbReader,
    markdown: Markdown,
    settings: AppSettings,
) -> SingleArticleResponse:
    await budget.spend()
    new = data.article
    post = await posts.create_post(
        session,
        user,
        new.title,
        new.body,
        markdown=markdown,
        tags=new.tagList,
        subtitle=new.description,
    )
    return _single(settings, await posts.get_listed_post(reader, post.id, user.id, profiles=True))


@router.get(
    "/articles/{slug}",
    tags=["Articles"],
    responses=documented(401, 404),
    summary="Get an article",
)
async def get_article(
    slug: Slug, reader: DbReader, viewer_id: ConduitViewerId, settings: AppSettings
) -> SingleArticleResponse:
    return _single(settings, await listed_article(reader, slug, viewer_id))


@router.put(
    "/articles/{slug}",
    tags=["Articles"],
    responses=documented(401, 403, 404),
    summary="Update an article",
)
async def update_article(
    *,
    slug: Slug,
    data: UpdateArticleRequest,
    user: ConduitUser,
    session: DbSession,
    reader: DbReader,
    markdown: Markdown,
    settings: AppSettings,
) -> SingleArticleResponse:
    """Changes what is given; a new title makes a new slug (the answer says it)."""
    post = await own_article(session, slug, user)
    changes = data.article
    await posts.update_post(
        session,
        post,
        markdown=markdown,
        title=changes.title,
        content=changes.body,
        subtitle=changes.description,
        tags=changes.tagList,
    )
    return _single(settings, await posts.get_listed_post(reader, post.id, user.id, profiles=True))


@router.delete(
    "/articles/{slug}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["Articles"],
    responses=documented(401, 403, 404),
    summary="Delete an article",
)
async def delete_article(
    slug: Slug, user: ConduitUser, session: DbSession, changes: MediaChanges
) -> None:
    await media.delete_post(
        session, changes, await own_article(session, slug, user), by_admin=False
    )


@router.post(
    "/articles/{slug}/favorite",
    tags=["Favorites"],
    responses=documented(401, 404, 429),
    summary="Favorite an article",
)
async def favorite(
    *,
    slug: Slug,
    user: ConduitUser,
    budget: Annotated[WriteBudget, Depends(write_limit("likes", writer=conduit_user))],
    session: DbSession,
    reader: DbReader,
    settings: AppSettings,
) -> SingleArticleResponse:
    """Idempotent, as Inkwell's likes are. A slug that does not name the post liked undoes
    the like (the request rolls back)."""
    await budget.spend()
    _, post_id = parse_slug(slug)
    await likes.like(session, user.id, post_id)
    return _single(settings, await listed_article(reader, slug, user.id))


@router.delete(
    "/articles/{slug}/favorite",
    tags=["Favorites"],
    responses=documented(401, 404),
    summary="Unfavorite an article",
)
async def unfavorite(
    slug: Slug, user: ConduitUser, session: DbSession, reader: DbReader, settings: AppSettings
) -> SingleArticleResponse:
    _, post_id = parse_slug(slug)
    await likes.unlike(session, user.id, post_id)
    return _single(settings, await listed_article(reader, slug, user.id))


@router.get(
    "/articles/{slug}/comments",
    tags=["Comments"],
    responses=documented(401, 404),
    summary="Get comments for an article",
)
async def list_comments(
    slug: Slug, reader: DbReader, viewer_id: ConduitViewerId, settings: AppSettings
) -> MultipleCommentsResponse:
    """Oldest first; three statements whatever the number: the article, its comments, and
    their authors' profiles."""
    post = await listed_article(reader, slug, viewer_id, whole=False)
    listing = await comments.list_comments(reader, post["id"], skip=0, limit=ALL_COMMENTS)
    authors = {comment["author"]["id"] for comment in listing.comments}
    profiles = await users.list_profiles(reader, authors, viewer_id)
    base = settings.public_base_url
    return MultipleCommentsResponse.model_validate(
        {
            "comments": [
                {
                    "id": comment["id"],
                    "createdAt": comment["created_at"],
                    "updatedAt": comment["updated_at"],
                    "body": comment["body"],
                    "author": profile(base, profiles[comment["author"]["id"]]),
                }
                for comment in listing.comments
            ]
        }
    )


@router.post(
    "/articles/{slug}/comments",
    status_code=status.HTTP_201_CREATED,
    tags=["Comments"],
    responses=documented(401, 404, 429),
    summary="Create a comment for an article",
)
async def add_comment(
    *,
    slug: Slug,
    data: NewCommentRequest,
    user: ConduitUser,
    budget: Annotated[WriteBudget, Depends(write_limit("comments", writer=conduit_user))],
    session: DbSession,
    reader: DbReader,
    outbox: NotificationOutbox,
    settings: AppSettings,
) -> SingleCommentResponse:
    await budget.spend()
    post = await listed_article(reader, slug, user.id, whole=False)
    comment = await comments.add_comment(
        session, user, post["id"], data.comment.body, outbox=outbox
    )
    author = {
        "username": user.username,
        "bio": user.bio,
        "image": image(settings.public_base_url, user.image_url, user.image_file),
        "following": False,
    }
    return SingleCommentResponse.model_validate(
        {
            "comment": {
                "id": comment.id,
                "createdAt": comment.created_at,
                "updatedAt": comment.updated_at,
                "body": comment.body,
                "author": author,
            }
        }
    )


@router.delete(
    "/articles/{slug}/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["Comments"],
    responses=documented(401, 403, 404),
    summary="Delete a comment for an article",
)
async def delete_comment(
    slug: Slug, comment_id: CommentId, user: ConduitUser, session: DbSession, reader: DbReader
) -> None:
    post = await listed_article(reader, slug, user.id, whole=False)
    await comments.delete_comment(session, user, comment_id, post_id=post["id"])


@router.get("/tags", tags=["Tags"], summary="Get tags")
async def list_tags(reader: DbReader) -> TagsResponse:
    """Every tag some published article carries, the most used first."""
    return TagsResponse(tags=[tag["name"] for tag in await posts.list_tags(reader, limit=ALL_TAGS)])
