"""The search page: the posts found, with their snippets, and the people found, a page of
each; reached from the navbar's search box, a plain GET form that works without JavaScript."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from inkwell.dependencies import DbReader
from inkwell.search import service as search
from inkwell.search.schemas import SearchText
from inkwell.web.common import PageQuery, Viewer, page_router, render

router = page_router()


@router.get("/search")
async def search_page(
    request: Request, viewer: Viewer, reader: DbReader, page: PageQuery, q: SearchText = ""
) -> HTMLResponse:
    found = await search.search(reader, q, skip=page.skip, limit=page.limit)
    return render(request, "search.html", {"q": q, "found": found}, current_user=viewer)
