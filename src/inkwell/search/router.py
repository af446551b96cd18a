from fastapi import APIRouter

from inkwell.dependencies import DbReader, PageParams
from inkwell.search import service
from inkwell.search.schemas import SearchResults, SearchText

router = APIRouter(prefix="/api", tags=["search"])


@router.get(
    "/search",
    summary="Published posts (title, then tags, then content) and users found by words",
)
async def search(q: SearchText, reader: DbReader, page: PageParams) -> SearchResults:
    """Posts and users are each paginated by `skip` and `limit`; an empty or unusable
    query finds nothing."""
    found = await service.search(reader, q, skip=page.skip, limit=page.limit)
    return SearchResults.model_validate(found)
