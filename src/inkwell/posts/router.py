from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.auth.dependencies import CurrentUser, SignedIn, ViewerId
from inkwell.body_limits import MAX_JSON_BODY_BYTES, BodyLimitRoute
from inkwell.dependencies import NO_STORE, DbReader, DbSession, PageParams, ResourceId
from inkwell.errors import responses
from inkwell.media.dependencies import MediaChanges
from inkwell.moderation import service as moderation
from inkwell.pagination import TIME_AND_ID, author_listing, drafts_listing, posts_listing
from inkwell.posts import service
from inkwell.posts.dependencies import Markdown, OwnPost
from inkwell.posts.models import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH, Post
from inkwell.posts.schemas import (
    TAG_INPUT_MAX_LENGTH,
    MarkdownSource,
    PostCreate,
    PostPage,
    PostPatch,
    PostRead,
    PostReplace,
    RenderedMarkdown,
    TagList,
    TagRead,
)
from inkwell.posts.slugs import tag_filter
from inkwell.users import service as users


class PostBodyRoute(BodyLimitRoute):
    """Posts own their body limit: the largest valid post, every character of its content
    and title escaped as \\uXXXX (6 bytes), must always get through."""

    max_bytes = max(MAX_JSON_BODY_BYTES, 6 * (CONTENT_MAX_LENGTH + TITLE_MAX_LENGTH) + 1024)


router = APIRouter(prefix="/api", tags=["posts"], route_class=PostBodyRoute)


@router.get(
    "/posts",
    responses=responses(401, 422),
    summary="Newest published posts first, a page at a time (by `cursor`, or `skip`)",
)
async def list_posts(
    reader: DbReader,
    page: PageParams,
    viewer_id: ViewerId,
    tag: Annotated[
        str | None,
        Query(max_length=TAG_INPUT_MAX_LENGTH, description="Only the posts with this tag"),
    ] = None,
) -> PostPage:
    name = tag_filter(tag)
    listing_name = posts_listing(name)
    listing = await service.list_posts(
        reader,
        skip=page.skip,
        limit=page.limit,
        tag=name,
        viewer_id=viewer_id,
        after=page.after(listing_name, TIME_AND_ID),
    )
    return PostPage.of(listing, page.next_cursor(listing_name, listing.after))


@router.get(
    "/users/me/drafts",
    responses=responses(401, 422),
    dependencies=[NO_STORE],
    summary="Your drafts, last edited first; no one else sees them",
)
async def list_drafts(user: CurrentUser, reader: DbReader, page: PageParams) -> PostPage:
    listing_name = drafts_listing(user.id)
    listing = await service.list_posts(
        reader,
        skip=page.skip,
        limit=page.limit,
        author_id=user.id,
        drafts=True,
        viewer_id=user.id,
        after=page.after(listing_name, TIME_AND_ID),
    )
    return PostPage.of(listing, page.next_cursor(listing_name, listing.after))


@router.get("/tags", summary="The most used tags first, with their published posts' counts")
async def list_tags(
    reader: DbReader,
    limit: Annotated[int, Query(ge=1, le=100, description="How many tags")] = 20,
) -> TagList:
    tags = await service.list_tags(reader, limit=limit)
    return TagList(tags=[TagRead.model_validate(tag) for tag in tags])


@router.get(
    "/users/{user_id:int}/posts",
    responses=responses(401, 404, 422),
    summary="A user's published posts, newest first",
)
async def list_user_posts(
    user_id: ResourceId, reader: DbReader, page: PageParams, viewer_id: ViewerId
) -> PostPage:
    listing_name = author_listing(user_id)
    after = page.after(listing_name, TIME_AND_ID)
    author = await users.get_profile(reader, user_id)
    listing = await service.list_posts(
        reader,
        skip=page.skip,
        limit=page.limit,
        author_id=author.id,
        viewer_id=viewer_id,
        after=after,
    )
    return PostPage.of(listing, page.next_cursor(listing_name, listing.after))


@router.post(
    "/posts",
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 429),
    summary="Write a post as the signed-in user",
)
async def create_post(
    *,
    data: PostCreate,
    user: CurrentUser,
    budget: Annotated[WriteBudget, Depends(write_limit("posts"))],
    session: DbSession,
    reader: DbReader,
    markdown: Markdown,
) -> PostRead:
    await budget.spend()
    post = await service.create_post(
        session,
        user,
        data.title,
        data.content,
        markdown=markdown,
        status=data.status,
        tags=data.tags,
        subtitle=data.subtitle,
    )
    return await _read(reader, post, user.id)


@router.get(
    "/posts/{post_id:int}",
    responses=responses(401, 404),
    summary="One post with its author (a draft for its author only)",
)
async def get_post(post_id: ResourceId, reader: DbReader, viewer_id: ViewerId) -> PostRead:
    return PostRead.model_validate(await service.get_listed_post(reader, post_id, viewer_id))


@router.put(
    "/posts/{post_id:int}",
    responses=responses(401, 403, 404),
    summary="Replace your post's title and content (and its status and tags, when given)",
)
async def replace_post(
    post: OwnPost, data: PostReplace, session: DbSession, reader: DbReader, markdown: Markdown
) -> PostRead:
    changes = data.model_dump(exclude_none=True)
    post = await service.update_post(session, post, markdown=markdown, **changes)
    return await _read(reader, post, post.user_id)


@router.patch(
    "/posts/{post_id:int}",
    responses=responses(401, 403, 404, 409),
    summary="Change part of your post",
)
async def patch_post(
    post: OwnPost, data: PostPatch, session: DbSession, reader: DbReader, markdown: Markdown
) -> PostRead:
    """The editor's autosave sends `expected_updated_at` with each save of a draft (and never
    `status`: saving is not publishing)."""
    changes = data.model_dump(exclude_unset=True, exclude={"expected_updated_at"})
    post = await service.update_post(
        session, post, markdown=markdown, unchanged_since=data.expected_updated_at, **changes
    )
    return await _read(reader, post, post.user_id)


async def _read(reader: DbReader, post: Post, viewer_id: int) -> PostRead:
    """A post just written, as every read shows it (its counts, whether its author likes
    it): read through the request's transaction, which sees the write."""
    return PostRead.model_validate(await service.get_listed_post(reader, post.id, viewer_id))


@router.delete(
    "/posts/{post_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403, 404),
    summary="Delete your post (an admin may delete anyone's)",
)
async def delete_post(
    post_id: ResourceId, user: CurrentUser, session: DbSession, changes: MediaChanges
) -> None:
    await moderation.delete_post(session, changes, user, post_id)


@router.post(
    "/markdown/preview",
    tags=["writing"],
    responses=responses(401, 403, 429),
    summary="Render Markdown as a post would show it, without saving anything",
)
async def preview_markdown(
    data: MarkdownSource,
    user: SignedIn,
    budget: Annotated[WriteBudget, Depends(write_limit("previews"))],
    markdown: Markdown,
) -> RenderedMarkdown:
    """The same renderer and limits as writing a post; signed in and limited per account,
    so neither strangers nor a script spend the rendering threads."""
    await budget.spend()
    rendered = await markdown.render_in_thread(data.content)
    return RenderedMarkdown(html=rendered.html)
