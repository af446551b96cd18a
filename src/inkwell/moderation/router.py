from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.auth.dependencies import CurrentUser
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import NO_STORE, DbReader, DbSession, ResourceId
from inkwell.errors import responses
from inkwell.moderation import service
from inkwell.moderation.dependencies import AdminUser
from inkwell.moderation.schemas import (
    OpenReportList,
    OpenReportRead,
    ReportCreate,
    ReportRead,
    UserModeration,
)

router = APIRouter(prefix="/api", tags=["moderation"], route_class=BodyLimitRoute)


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404, 429),
    summary="Report a post or a comment to the moderators",
)
async def create_report(
    data: ReportCreate,
    user: CurrentUser,
    budget: Annotated[WriteBudget, Depends(write_limit("reports"))],
    session: DbSession,
) -> ReportRead:
    """Exactly one of `post_id` and `comment_id`; what the reporter cannot see (a draft, a
    suspended user's writing) is a 404."""
    await budget.spend()
    filed = await service.report(
        session, user, post_id=data.post_id, comment_id=data.comment_id, reason=data.reason
    )
    return ReportRead.model_validate(filed)


@router.get(
    "/reports",
    responses=responses(401, 403),
    dependencies=[NO_STORE],
    summary="The open reports, oldest first, with what they are about (admins only)",
)
async def list_reports(
    admin: AdminUser,
    reader: DbReader,
    limit: Annotated[int, Query(ge=1, le=100, description="How many reports")] = 50,
) -> OpenReportList:
    reports = await service.list_open_reports(reader, limit=limit)
    return OpenReportList(reports=[OpenReportRead.model_validate(found) for found in reports])


@router.post(
    "/reports/{report_id:int}/resolve",
    responses=responses(401, 403, 404),
    summary="Resolve a report (admins only; resolving it again changes nothing)",
)
async def resolve_report(report_id: ResourceId, admin: AdminUser, session: DbSession) -> ReportRead:
    return ReportRead.model_validate(await service.resolve(session, admin, report_id))


@router.post(
    "/users/{user_id:int}/suspend",
    responses=responses(401, 403, 404, 409),
    summary="Suspend a user (admins only): they cannot sign in, their sessions end, and their "
    "posts, comments and likes are hidden everywhere until unsuspended",
)
async def suspend_user(user_id: ResourceId, admin: AdminUser, session: DbSession) -> UserModeration:
    return UserModeration.model_validate(await service.suspend(session, admin, user_id))


@router.post(
    "/users/{user_id:int}/unsuspend",
    responses=responses(401, 403, 404, 409),
    summary="Lift a user's suspension (admins only): everything of theirs is shown again",
)
async def unsuspend_user(
    user_id: ResourceId, admin: AdminUser, session: DbSession
) -> UserModeration:
    return UserModeration.model_validate(await service.unsuspend(session, admin, user_id))
