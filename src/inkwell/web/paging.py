"""The links between a listing's pages: "Older posts" (or "Later comments") to the next
page, and back towards the newest. Their addresses hold the position (`?cursor=`), so a
page reached by them, reloaded or returned to with Back, shows the same posts; the pages'
"Load more" (load-more.js) continues from the same cursor through the API."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from inkwell.dependencies import Page
from inkwell.pagination import MAX_SKIP, PAGE_SIZE


@dataclass(frozen=True, slots=True)
class Links:
    """`older`: the next page's address (None on the last page); `newer`: the address back
    (None on the first page); `cursor`: the next page's cursor, for "Load more"."""

    older: str | None
    newer: str | None
    cursor: str | None


def _address(page: Page, keep: dict[str, str], **position: object) -> str:
    """This page's address (relative: `?...`) with `position`, the `limit` asked for when it
    is not the default, and the parameters in `keep` (a search's words)."""
    limit = {"limit": page.limit} if page.limit != PAGE_SIZE else {}
    return "?" + urlencode(keep | position | limit)


def links(
    page: Page,
    listing: str,
    position: Sequence[Any] | None,
    *,
    by_offset: bool = False,
    keep: dict[str, str] | None = None,
) -> Links:
    """The links of a page of `listing` whose next page starts after `position`.

    Listings of posts link by cursor only, and back to the newest. With `by_offset` (the
    pages with both "Earlier" and "Later" links: comments, notifications) the links keep
    `skip` while it is within MAX_SKIP, so each page links to the one before it; deeper, and
    from a page reached by cursor, they go by cursor, and back to the first page."""
    keep = keep or {}
    cursor = page.next_cursor(listing, position)
    older = None
    if cursor is not None:
        next_skip = page.skip + page.limit
        if by_offset and page.cursor is None and next_skip <= MAX_SKIP:
            older = _address(page, keep, skip=next_skip)
        else:
            older = _address(page, keep, cursor=cursor)
    if page.cursor is None and page.skip == 0:
        newer = None
    elif by_offset and page.cursor is None:
        back = page.skip - page.limit
        newer = _address(page, keep, **({"skip": back} if back > 0 else {}))
    else:
        newer = _address(page, keep)
    return Links(older, newer, cursor)
