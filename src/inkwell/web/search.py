"""The search page: the posts found, with their snippets, and the people found, a page of
each; reached from the navbar's search box, a plain GET form that works without JavaScript."""

from fastapi import Request
from fastapi.responses import HTMLResponse

from inkwell.dependencies import DbReader
from inkwell.pagination import SEARCH_POSITION, search_listing
from inkwell.search import service as search
from inkwell.search.schemas import QUERY_MAX_LENGTH
from inkwell.web.common import PageQuery, Viewer, page_router, render
from inkwell.web.paging import links

router = page_router()

TOO_LONG = f"Search for at most {QUERY_MAX_LENGTH} characters."


@router.get("/search")
async def search_page(
    request: Request, viewer: Viewer, reader: DbReader, page: PageQuery, q: str = ""
) -> HTMLResponse:
    """The next page by cursor (`?q=...&cursor=`), the first again from any. Words longer
    than the API takes (a hand-made or pasted address: the boxes' `maxlength` keeps a typed
    one within it) are shown back in the box, which says why nothing was searched (422)."""
    if len(q) > QUERY_MAX_LENGTH:
        refused: dict[str, object] = {"q": q, "problem": TOO_LONG, "found": None}
        return render(request, "search.html", refused, current_user=viewer, status_code=422)
    name = search_listing(q)
    after = page.after(name, SEARCH_POSITION)
    found = await search.search(reader, q, skip=page.skip, limit=page.limit, after=after)
    paging = links(page, name, found.after, keep={"q": q})
    context = {"q": q, "problem": None, "found": found, "paging": paging}
    return render(request, "search.html", context, current_user=viewer)
