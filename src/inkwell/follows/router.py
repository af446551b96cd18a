"""Following is a PUT of a fact (idempotent) and unfollowing its DELETE; both answer 200
with the user's follower count after the change, as liking does."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends

from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.auth.dependencies import AppSettings, CurrentUser
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import DbSession, ResourceId
from inkwell.errors import responses
from inkwell.follows import service
from inkwell.follows.schemas import FollowRead

router = APIRouter(prefix="/api/users", tags=["follows"], route_class=BodyLimitRoute)


@router.put(
    "/{user_id:int}/follow",
    responses=responses(400, 401, 403, 404, 429),
    summary="Follow a user (not yourself; again changes nothing); answers their follower count",
)
async def follow_user(
    user_id: ResourceId,
    user: CurrentUser,
    budget: Annotated[WriteBudget, Depends(write_limit("follows"))],
    session: DbSession,
    settings: AppSettings,
) -> FollowRead:
    await budget.spend()
    quiet = timedelta(hours=settings.follow_notification_quiet_hours)
    return FollowRead.model_validate(
        await service.follow(session, user.id, user_id, notification_quiet=quiet)
    )


@router.delete(
    "/{user_id:int}/follow",
    responses=responses(400, 401, 403, 404),
    summary="Stop following a user (if you did not, nothing changes); answers their follower count",
)
async def unfollow_user(user_id: ResourceId, user: CurrentUser, session: DbSession) -> FollowRead:
    return FollowRead.model_validate(await service.unfollow(session, user.id, user_id))
