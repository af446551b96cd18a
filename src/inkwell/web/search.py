"""The search page: the posts found, with their snippets, and the people found, a page of
each; reached from the navbar's search box, a plain GET form that works without JavaScript."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from inkwell.dependencies import DbReader
from inkwell.pagination import SEARCH_POSITION, search_listing
from inkwell.search import service as search
from inkwell.search.schemas import SearchText
from inkwell.web.common import PageQuery, Viewer, page_router, render
from inkwell.web.paging import links

router = page_router()


@router.get("/search")
async def search_page(
    request: Request, viewer: Viewer, reader: DbReader, page: PageQuery, q: SearchText = ""
) -> HTMLResponse:
    """The next page by cursor (`?q=...&cursor=`), the first again from any."""
    name = search_listing(q)
    after = page.after(name, SEARCH_POSITION)
    found = await search.search(reader, q, skip=page.skip, limit=page.limit, after=after)
    context = {"q": q, "found": found, "paging": links(page, name, found.after, keep={"q": q})}
    return render(request, "search.html", context, current_user=viewer)
