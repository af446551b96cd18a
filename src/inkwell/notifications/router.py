"""A signed-in user's notifications: newest first, a page at a time; marking them read."""

from typing import Annotated

from fastapi import APIRouter, Body

from inkwell.auth.dependencies import CurrentUser, ViewerId
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import NO_STORE, DbReader, DbSession, PageParams
from inkwell.errors import Unauthorized, responses
from inkwell.notifications import service
from inkwell.notifications.schemas import MarkRead, NotificationPage, UnreadCount
from inkwell.pagination import ID, after_id, notifications_listing


def _signed_in(viewer_id: int | None) -> int:
    if viewer_id is None:
        raise Unauthorized("Not authenticated")
    return viewer_id


router = APIRouter(prefix="/api/notifications", tags=["notifications"], route_class=BodyLimitRoute)


@router.get(
    "",
    responses=responses(401, 422),
    dependencies=[NO_STORE],
    summary="Your notifications, newest first, a page at a time",
)
async def list_notifications(
    viewer_id: ViewerId, reader: DbReader, page: PageParams
) -> NotificationPage:
    """Read like the listings, outside any transaction (see GET /api/feed)."""
    user_id = _signed_in(viewer_id)
    name = notifications_listing(user_id)
    (after,) = page.after(name, ID) or (None,)
    listing = await service.list_notifications(
        reader, user_id, skip=page.skip, limit=page.limit, after=after
    )
    return NotificationPage.of(listing, page.next_cursor(name, after_id(listing.after)))


@router.get(
    "/unread-count",
    responses=responses(401),
    summary="How many are unread",
    dependencies=[NO_STORE],
)
async def unread_count(viewer_id: ViewerId, reader: DbReader) -> UnreadCount:
    return UnreadCount(unread=await service.unread_count(reader, _signed_in(viewer_id)))


@router.post(
    "/read",
    responses=responses(401, 403),
    summary="Mark your notifications read: all of them, or those listed in `ids` (again "
    "changes nothing); answers how many are still unread",
)
async def mark_read(
    user: CurrentUser, session: DbSession, data: Annotated[MarkRead | None, Body()] = None
) -> UnreadCount:
    ids = None if data is None else data.ids
    return UnreadCount(unread=await service.mark_read(session, user.id, ids))
