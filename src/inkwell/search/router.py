from fastapi import APIRouter

from inkwell.dependencies import DbReader, PageParams
from inkwell.errors import responses
from inkwell.pagination import SEARCH_POSITION, search_listing
from inkwell.search import service
from inkwell.search.schemas import SearchResults, SearchText

router = APIRouter(prefix="/api", tags=["search"])


@router.get(
    "/search",
    responses=responses(422),
    summary="Published posts (title, then tags, then content) and users found by words",
)
async def search(q: SearchText, reader: DbReader, page: PageParams) -> SearchResults:
    """Posts and users are each paginated by `skip` and `limit`, or together by `cursor`
    (the `next_cursor` of the page before, for the same `q`); an empty or unusable query
    finds nothing."""
    name = search_listing(q)
    after = page.after(name, SEARCH_POSITION)
    found = await service.search(reader, q, skip=page.skip, limit=page.limit, after=after)
    return SearchResults.of(found, page.next_cursor(name, found.after))
