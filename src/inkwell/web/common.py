"""What every page module shares: the route class, the viewer, rendering a page, and the
error page (it reads the viewer the `Viewer` dependency left on the request)."""

from collections.abc import Callable, Coroutine, Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.status import (
    HTTP_301_MOVED_PERMANENTLY,
    HTTP_303_SEE_OTHER,
    HTTP_400_BAD_REQUEST,
)

from inkwell.auth.cookies import CSRF_FIELD, csrf_field_value
from inkwell.auth.dependencies import optional_user
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import Page, cursors_for
from inkwell.errors import ErrorCode, ErrorPageRoute
from inkwell.pagination import CURSOR_MAX_LENGTH, MAX_PAGE_SIZE, MAX_SKIP, PAGE_SIZE
from inkwell.state import state_of
from inkwell.users.models import User
from inkwell.users.rows import Account, Profile

_ERROR_TITLES = {
    400: "That request did not work",
    403: "That is not yours",
    404: "Page not found",
    405: "That is not something this page does",
    500: "Something went wrong",
    503: "Back in a moment",
}
_ERROR_MESSAGES = {
    400: "What was sent could not be read. Go back and send it again.",
    403: "You are signed in as someone who may not do this.",
    404: "There is nothing at this address. It may have been deleted, or the link is mistyped.",
    413: "What was sent is larger than this page accepts. Go back and shorten it.",
    500: "An unexpected error happened on our side. It has been logged; please try again.",
    503: "Inkwell cannot reach its database right now. Please try again in a few seconds.",
}
# What a page says of an error whose `detail` is written for the API's developers (a cursor
# is a parameter to them; to a reader it is part of the link they followed), and, where the
# status's title does not fit it, under what title: a form refused by its CSRF check is no
# one else's, it was sent from a page older than the reader's last sign-in or out.
_CODE_MESSAGES: dict[ErrorCode | None, str] = {
    ErrorCode.CURSOR_INVALID: "This page link is broken or out of date.",
    ErrorCode.CSRF_FAILED: "The page that held it is older than your last sign-in or sign-out. "
    "Go back, reload the page, and send the form again.",
    ErrorCode.CROSS_SITE_REFUSED: "It came from another site, so nothing was done. To do this, "
    "use the form on Inkwell's own page.",
}
_CODE_TITLES: dict[ErrorCode | None, str] = {
    ErrorCode.CSRF_FAILED: "This form has expired",
    ErrorCode.CROSS_SITE_REFUSED: "This form was not sent from Inkwell",
}


class SignInFirst(Exception):
    """Raised by a page's dependency for a visitor who must sign in first: the page answers
    with `redirect` (sign_in_first's) instead of running."""

    def __init__(self, redirect: RedirectResponse) -> None:
        super().__init__("sign in first")
        self.redirect = redirect


class PageRoute(ErrorPageRoute, BodyLimitRoute):
    """The route class of every page: a dependency may send a visitor to sign in first
    (`SignInFirst`), and a form's body has the JSON bodies' ceiling, which the largest form
    (a comment) is far below: unbounded, one request of a thousand fields of a megabyte
    each (Starlette's limits per field and of fields) held a gigabyte. (HEAD is answered as
    GET for every route: operations/head.py.)"""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInFirst as exc:
                return exc.redirect

        return route


def page_router() -> APIRouter:
    """A router for one area's pages: HTML, out of the API's OpenAPI document, and made of
    `PageRoute`s, so that a route's class alone tells a page from an API endpoint."""
    return APIRouter(
        include_in_schema=False, default_response_class=HTMLResponse, route_class=PageRoute
    )


# The hidden field of a plain form (one that works without JavaScript) carrying the CSRF
# cookie's value, and the page the form sends its user back to.
CsrfField = Annotated[str, Form(alias=CSRF_FIELD, max_length=200)]
BackField = Annotated[str, Form(alias="next", max_length=2000)]


async def _page(
    request: Request,
    skip: int = 0,
    limit: int = PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)] = None,
) -> Page:
    """A page's `?skip=` and `?limit=` brought within bounds: a person who edits the address
    (`?limit=101`, `?skip=-1`) gets the nearest page, not an error (the API refuses them).
    A `?cursor=` wins over `skip`; one that is not the listing's is refused all the same."""
    skip = 0 if cursor else min(max(skip, 0), MAX_SKIP)
    return Page(skip, min(max(limit, 1), MAX_PAGE_SIZE), cursor or None, cursors_for(request))


# Which page of a listing a page shows.
PageQuery = Annotated[Page, Depends(_page)]


def local_path(target: str, default: str = "/") -> str:
    """Only a path on this site may follow a sign-in or a form, never another site (open
    redirect), and never one with control characters (a CR or LF could split a header)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and target.isprintable():
        return target
    return default


async def _viewer(request: Request) -> Account | None:
    viewer = await optional_user(request)
    # An error page raised later in the request (a missing post, say) shows them signed in too.
    request.state.viewer = viewer
    return viewer


# Who is looking at the page: the navbar, and its error page too, show them signed in.
Viewer = Annotated[Account | None, Depends(_viewer)]


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    current_user: User | Profile | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Every page knows who is looking at it: the navbar switches on `current_user`, and a
    signed-in viewer's plain forms carry the CSRF field (`csrf_token`) and the page to come
    back to (`back`: this page's path and query).

    A page rendered for a signed-in viewer shows their name and more, so no cache may keep it
    (a shared one would serve it to others, the browser's one after they sign out).
    """
    csrf_token = ""
    if current_user is not None:
        headers = {**(headers or {}), "Cache-Control": "no-store"}
        csrf_token = csrf_field_value(request)
    return state_of(request)["templates"].TemplateResponse(
        request,
        name,
        {
            "current_user": current_user,
            "csrf_token": csrf_token,
            "back": _this_page(request),
            **(context or {}),
        },
        status_code=status_code,
        headers=headers,
    )


def _this_path(request: Request) -> str:
    """The page's path as `request.url` has it: `?`, `#` and `\\` percent-encoded."""
    path: str = request.scope["path"]
    return path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


def _this_page(request: Request) -> str:
    """The page's path and query as `request.url` has them, read from the scope: building
    `request.url` (the whole address, parsed again) cost a listing page ~35 µs."""
    path = _this_path(request)
    query = request.scope["query_string"].decode()
    return f"{path}?{query}" if query else path


def _first_page(request: Request) -> str:
    """This listing's first page: its address without the position (`cursor`, `skip`), the
    rest (a search's words, `limit`) kept."""
    path = _this_path(request)
    kept = [
        (name, value)
        for name, value in request.query_params.multi_items()
        if name not in {"cursor", "skip"}
    ]
    return f"{path}?{urlencode(kept)}" if kept else path


def sign_in_first(request: Request, back: str | None = None) -> RedirectResponse:
    """Sends a visitor to the login page, which brings them back here (or, from a form, to
    the page `back` that held it) once signed in."""
    query = urlencode({"next": request.url.path if back is None else local_path(back)})
    return RedirectResponse(f"/login?{query}", status_code=HTTP_303_SEE_OTHER)


def moved_permanently(request: Request, path: str) -> RedirectResponse:
    """To a page's canonical address (a post's slug, a user's name as they write it), the
    query (which page of a listing) kept."""
    query = request.url.query
    return RedirectResponse(
        f"{path}?{query}" if query else path, status_code=HTTP_301_MOVED_PERMANENTLY
    )


def error_page(
    request: Request,
    status: int,
    detail: str | None,
    headers: Mapping[str, str] | None,
    code: ErrorCode | None,
) -> HTMLResponse:
    """The friendly page for an error on a page route; server errors never show their detail,
    and an error the API words for developers is said in a reader's words. A broken link to
    a page of a listing is the reader's bad request (400; the API's 422 is a developer's
    invalid parameter), and leads back to the listing's first page."""
    if code is ErrorCode.CURSOR_INVALID:
        status = HTTP_400_BAD_REQUEST
    if status >= 500 or detail is None:
        detail = _ERROR_MESSAGES.get(status, "")
    context: dict[str, object] = {
        "status": status,
        "title": _CODE_TITLES.get(code) or _ERROR_TITLES.get(status, "That did not work"),
        "message": _CODE_MESSAGES.get(code, detail),
    }
    if code is ErrorCode.CURSOR_INVALID:
        context["first_page"] = _first_page(request)
    viewer: Account | None = getattr(request.state, "viewer", None)
    return render(
        request, "error.html", context, current_user=viewer, status_code=status, headers=headers
    )
