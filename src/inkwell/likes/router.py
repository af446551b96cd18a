"""Liking a post is a PUT of a fact (idempotent: twice is once) and unliking its DELETE.
Both answer 200 with the post's like count after the change rather than 204: the client
that pressed a heart shows the new count without a second request."""

from typing import Annotated

from fastapi import APIRouter, Depends

from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.auth.dependencies import CurrentUser
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import DbSession, ResourceId
from inkwell.errors import responses
from inkwell.likes import service
from inkwell.likes.schemas import LikeRead

router = APIRouter(prefix="/api/posts", tags=["likes"], route_class=BodyLimitRoute)


@router.put(
    "/{post_id:int}/like",
    responses=responses(401, 403, 404, 429),
    summary="Like a post (liking it again changes nothing); answers its like count",
)
async def like_post(
    post_id: ResourceId,
    user: CurrentUser,
    budget: Annotated[WriteBudget, Depends(write_limit("likes"))],
    session: DbSession,
) -> LikeRead:
    await budget.spend()
    return LikeRead.model_validate(await service.like(session, user.id, post_id))


@router.delete(
    "/{post_id:int}/like",
    responses=responses(401, 403, 404),
    summary="Stop liking a post (if you did not, nothing changes); answers its like count",
)
async def unlike_post(post_id: ResourceId, user: CurrentUser, session: DbSession) -> LikeRead:
    return LikeRead.model_validate(await service.unlike(session, user.id, post_id))
