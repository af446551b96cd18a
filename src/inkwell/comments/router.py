from typing import Annotated

from fastapi import APIRouter, Depends, status

from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.auth.dependencies import CurrentUser
from inkwell.body_limits import BodyLimitRoute
from inkwell.comments import service
from inkwell.comments.schemas import CommentPage, CommentRead, CommentWrite
from inkwell.dependencies import DbReader, DbSession, PageParams, ResourceId
from inkwell.errors import responses
from inkwell.notifications.dependencies import NotificationOutbox
from inkwell.pagination import TIME_AND_ID, comments_listing

router = APIRouter(prefix="/api", tags=["comments"], route_class=BodyLimitRoute)


@router.get(
    "/posts/{post_id:int}/comments",
    responses=responses(404, 422),
    summary="A post's comments, oldest first, a page at a time",
)
async def list_comments(post_id: ResourceId, reader: DbReader, page: PageParams) -> CommentPage:
    name = comments_listing(post_id)
    listing = await service.list_comments(
        reader, post_id, skip=page.skip, limit=page.limit, after=page.after(name, TIME_AND_ID)
    )
    return CommentPage.of(listing, page.next_cursor(name, listing.after))


@router.post(
    "/posts/{post_id:int}/comments",
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404, 429),
    summary="Comment on a post as the signed-in user; its author and the post's other "
    "commenters are notified",
)
async def add_comment(
    *,
    post_id: ResourceId,
    data: CommentWrite,
    user: CurrentUser,
    budget: Annotated[WriteBudget, Depends(write_limit("comments"))],
    session: DbSession,
    outbox: NotificationOutbox,
) -> CommentRead:
    await budget.spend()
    comment = await service.add_comment(session, user, post_id, data.body, outbox=outbox)
    return CommentRead.model_validate(comment)


@router.patch(
    "/comments/{comment_id:int}",
    responses=responses(401, 403, 404),
    summary="Change what your comment says",
)
async def edit_comment(
    comment_id: ResourceId, data: CommentWrite, user: CurrentUser, session: DbSession
) -> CommentRead:
    comment = await service.edit_comment(session, user, comment_id, data.body)
    return CommentRead.model_validate(comment)


@router.delete(
    "/comments/{comment_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403, 404),
    summary="Delete your comment, or one under your post (an admin may delete any)",
)
async def delete_comment(comment_id: ResourceId, user: CurrentUser, session: DbSession) -> None:
    await service.delete_comment(session, user, comment_id)
