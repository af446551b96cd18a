from fastapi import APIRouter

from inkwell.auth.dependencies import ViewerId
from inkwell.dependencies import NO_STORE, DbReader, PageParams
from inkwell.errors import Unauthorized, responses
from inkwell.feeds import service
from inkwell.pagination import TIME_AND_ID, feed_listing
from inkwell.posts.schemas import PostPage

router = APIRouter(prefix="/api", tags=["feeds"])


@router.get(
    "/feed",
    responses=responses(401, 422),
    dependencies=[NO_STORE],
    summary="The posts of the writers you follow, newest first, a page at a time",
)
async def feed(viewer_id: ViewerId, reader: DbReader, page: PageParams) -> PostPage:
    """Read like the other listings, outside any transaction: the token is checked through
    the Reader (as pages check it), so a missing, stale or invalid one is a 401."""
    if viewer_id is None:
        raise Unauthorized("Not authenticated")
    name = feed_listing(viewer_id)
    after = page.after(name, TIME_AND_ID)
    listing = await service.list_feed(
        reader, viewer_id, skip=page.skip, limit=page.limit, after=after
    )
    return PostPage.of(listing, page.next_cursor(name, listing.after))
