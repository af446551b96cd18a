from typing import Annotated

from fastapi import APIRouter, Depends, status

from inkwell.auth.dependencies import CurrentUser, SignedIn
from inkwell.body_limits import MAX_JSON_BODY_BYTES, BodyLimitRoute
from inkwell.dependencies import DbReader, DbSession, PageParams, ResourceId
from inkwell.errors import Forbidden, responses
from inkwell.posts import service
from inkwell.posts.dependencies import Markdown
from inkwell.posts.models import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH, Post
from inkwell.posts.schemas import (
    MarkdownSource,
    PostCreate,
    PostPage,
    PostPatch,
    PostRead,
    PostReplace,
    RenderedMarkdown,
)
from inkwell.users import service as users


class PostBodyRoute(BodyLimitRoute):
    """Posts own their body limit: the largest valid post, every character of its content
    and title escaped as \\uXXXX (6 bytes), must always get through."""

    max_bytes = max(MAX_JSON_BODY_BYTES, 6 * (CONTENT_MAX_LENGTH + TITLE_MAX_LENGTH) + 1024)


router = APIRouter(prefix="/api", tags=["posts"], route_class=PostBodyRoute)


async def _own_post(post_id: ResourceId, user: CurrentUser, session: DbSession) -> Post:
    """The post, if the caller wrote it: 401 anonymous, 404 unknown, 403 someone else's."""
    post = await service.get_post(session, post_id)
    if post.user_id != user.id:
        raise Forbidden("You may only change your own posts")
    return post


OwnPost = Annotated[Post, Depends(_own_post)]


@router.get("/posts", summary="Newest posts first, a page at a time")
async def list_posts(reader: DbReader, page: PageParams) -> PostPage:
    return PostPage.model_validate(
        await service.list_posts(reader, skip=page.skip, limit=page.limit)
    )


@router.get(
    "/users/{user_id:int}/posts", responses=responses(404), summary="A user's posts, newest first"
)
async def list_user_posts(user_id: ResourceId, reader: DbReader, page: PageParams) -> PostPage:
    author = await users.get_profile(reader, user_id)
    listing = await service.list_posts(
        reader, skip=page.skip, limit=page.limit, author_id=author.id
    )
    return PostPage.model_validate(listing)


@router.post(
    "/posts",
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403),
    summary="Write a post as the signed-in user",
)
async def create_post(
    data: PostCreate, user: CurrentUser, session: DbSession, markdown: Markdown
) -> PostRead:
    post = await service.create_post(session, user, data.title, data.content, markdown=markdown)
    return PostRead.model_validate(post)


@router.get("/posts/{post_id:int}", responses=responses(404), summary="One post with its author")
async def get_post(post_id: ResourceId, session: DbSession) -> PostRead:
    return PostRead.model_validate(await service.get_post(session, post_id))


@router.put("/posts/{post_id:int}", responses=responses(401, 403, 404), summary="Replace your post")
async def replace_post(
    post: OwnPost, data: PostReplace, session: DbSession, markdown: Markdown
) -> PostRead:
    post = await service.update_post(
        session, post, markdown=markdown, title=data.title, content=data.content
    )
    return PostRead.model_validate(post)


@router.patch(
    "/posts/{post_id:int}", responses=responses(401, 403, 404), summary="Change part of your post"
)
async def patch_post(
    post: OwnPost, data: PostPatch, session: DbSession, markdown: Markdown
) -> PostRead:
    changes = data.model_dump(exclude_unset=True)
    post = await service.update_post(session, post, markdown=markdown, **changes)
    return PostRead.model_validate(post)


@router.delete(
    "/posts/{post_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403, 404),
    summary="Delete your post",
)
async def delete_post(post: OwnPost, session: DbSession) -> None:
    await service.delete_post(session, post)


@router.post(
    "/markdown/preview",
    tags=["writing"],
    responses=responses(401),
    summary="Render Markdown as a post would show it, without saving anything",
)
async def preview_markdown(
    data: MarkdownSource, user: SignedIn, markdown: Markdown
) -> RenderedMarkdown:
    """The same renderer and limits as writing a post; signed in, so strangers cannot spend
    the rendering threads."""
    rendered = await markdown.render_in_thread(data.content)
    return RenderedMarkdown(html=rendered.html)
