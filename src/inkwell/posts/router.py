from fastapi import APIRouter, status

from inkwell.db import without_transaction
from inkwell.dependencies import DbSession, PageParams, ResourceId
from inkwell.errors import responses
from inkwell.posts import service
from inkwell.posts.schemas import PostCreate, PostPage, PostPatch, PostRead, PostReplace
from inkwell.users import service as users

router = APIRouter(prefix="/api", tags=["posts"])


@router.get("/posts", summary="Newest posts first, a page at a time")
async def list_posts(session: DbSession, page: PageParams) -> PostPage:
    await without_transaction(session)
    posts = await service.list_posts(session, skip=page.skip, limit=page.limit)
    return PostPage.model_validate(posts)


@router.get(
    "/users/{user_id}/posts", responses=responses(404), summary="A user's posts, newest first"
)
async def list_user_posts(user_id: ResourceId, session: DbSession, page: PageParams) -> PostPage:
    author = await users.get_user(session, user_id)
    posts = await service.list_posts(session, skip=page.skip, limit=page.limit, author_id=author.id)
    return PostPage.model_validate(posts)


@router.post(
    "/posts", status_code=status.HTTP_201_CREATED, responses=responses(404), summary="Write a post"
)
async def create_post(data: PostCreate, session: DbSession) -> PostRead:
    author = await users.get_user(session, data.user_id)
    post = await service.create_post(session, author, data.title, data.content)
    return PostRead.model_validate(post)


@router.get("/posts/{post_id}", responses=responses(404), summary="One post with its author")
async def get_post(post_id: ResourceId, session: DbSession) -> PostRead:
    return PostRead.model_validate(await service.get_post(session, post_id))


@router.put("/posts/{post_id}", responses=responses(404), summary="Replace a post")
async def replace_post(post_id: ResourceId, data: PostReplace, session: DbSession) -> PostRead:
    post = await service.update_post(session, await service.get_post(session, post_id), data)
    return PostRead.model_validate(post)


@router.patch("/posts/{post_id}", responses=responses(404), summary="Change part of a post")
async def patch_post(post_id: ResourceId, data: PostPatch, session: DbSession) -> PostRead:
    post = await service.update_post(session, await service.get_post(session, post_id), data)
    return PostRead.model_validate(post)


@router.delete(
    "/posts/{post_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404),
    summary="Delete a post",
)
async def delete_post(post_id: ResourceId, session: DbSession) -> None:
    await service.delete_post(session, await service.get_post(session, post_id))
