"""What every page module shares (web.common), called with requests of the tests' own: which
page of a listing a page shows, the address a page's forms come back to, and what a page
rendered for a signed-in viewer carries."""

from typing import Any

import pytest
from starlette.requests import Request

from inkwell.config import Settings
from inkwell.pagination import MAX_PAGE_SIZE, MAX_SKIP, PAGE_SIZE, Cursors
from inkwell.users.models import User
from inkwell.web.common import _page, _this_page, render
from inkwell.web.rendering import Site, page_templates

SETTINGS = Settings(secret_key="s" * 64)
TEMPLATES = page_templates(auto_reload=False, site=Site("Inkwell", "Writing", "http://test"))
WRITER = User(id=7, username="writer", email="writer@example.com", image_file=None)
ERROR = {"status": 404, "title": "Page not found", "message": "Nothing here."}


def request_for(path: str = "/", query: bytes = b"", cookie: str = "") -> Request:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    scope = {
        "type": "http", "method": "GET", "scheme": "http", "server": ("test", 80),
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query,
        "headers": headers, "state": {"settings": SETTINGS, "templates": TEMPLATES},
    }  # fmt: skip
    return Request(scope)


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ({}, (0, PAGE_SIZE, None)),
        ({"skip": 30, "limit": 20}, (30, 20, None)),
        ({"skip": -1}, (0, PAGE_SIZE, None)),
        ({"skip": MAX_SKIP}, (MAX_SKIP, PAGE_SIZE, None)),
        ({"skip": MAX_SKIP + 1}, (MAX_SKIP, PAGE_SIZE, None)),
        ({"limit": 0}, (0, 1, None)),
        ({"limit": 1}, (0, 1, None)),
        ({"limit": MAX_PAGE_SIZE}, (0, MAX_PAGE_SIZE, None)),
        ({"limit": MAX_PAGE_SIZE + 1}, (0, MAX_PAGE_SIZE, None)),
        ({"skip": 30, "cursor": "a-cursor"}, (0, PAGE_SIZE, "a-cursor")),
        ({"skip": 30, "cursor": ""}, (30, PAGE_SIZE, None)),
    ],
    ids=str,
)
async def test_a_page_shows_the_nearest_page_to_the_one_asked_for(
    asked: dict[str, Any], shown: tuple[int, int, str | None]
) -> None:
    """An address a person edited gets the nearest page, not an error; a cursor wins over
    `skip`, and an empty one is none."""
    page = await _page(request_for(), **asked)
    assert (page.skip, page.limit, page.cursor) == shown
    assert page.cursors == Cursors.from_secret(SETTINGS.signing_key)


@pytest.mark.parametrize(
    ("path", "query", "back"),
    [
        ("/", b"", "/"),
        ("/search", b"q=ink+%26+paper&limit=5", "/search?q=ink+%26+paper&limit=5"),
        ("/tags/a?b#c\\d", b"", "/tags/a%3Fb%23c%5Cd"),
        ("/tags/a?b", b"skip=10", "/tags/a%3Fb?skip=10"),
    ],
)
def test_a_pages_forms_come_back_to_its_path_and_query_as_its_address_has_them(
    path: str, query: bytes, back: str
) -> None:
    request = request_for(path, query)
    assert _this_page(request) == back
    assert back == (f"{request.url.path}?{request.url.query}" if query else request.url.path)


def test_a_page_for_a_visitor_may_be_kept_and_carries_no_csrf_field() -> None:
    response = render(request_for(cookie="inkwell_csrf=the-token"), "error.html", ERROR)
    assert "cache-control" not in response.headers
    assert response.context["csrf_token"] == ""  # type: ignore[attr-defined]
    assert b"the-token" not in response.body


def test_a_page_for_a_signed_in_viewer_is_kept_by_no_cache_and_carries_their_csrf_token() -> None:
    request = request_for("/account", b"tab=email", cookie="inkwell_csrf=the-token")
    response = render(request, "error.html", ERROR, current_user=WRITER, status_code=404,
                      headers={"X-Frame-Options": "DENY"})  # fmt: skip
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.context["csrf_token"] == "the-token"  # type: ignore[attr-defined]
    assert response.context["current_user"] is WRITER  # type: ignore[attr-defined]


def test_a_signed_in_viewers_page_is_kept_by_no_cache_whatever_its_caller_allowed() -> None:
    response = render(request_for("/"), "error.html", ERROR, current_user=WRITER,
                      headers={"Cache-Control": "public, max-age=60"})  # fmt: skip
    assert response.headers.getlist("cache-control") == ["no-store"]


def test_a_page_knows_where_its_forms_come_back_to() -> None:
    response = render(request_for("/posts/1-a", b"skip=10"), "error.html", ERROR)
    assert response.context["back"] == "/posts/1-a?skip=10"  # type: ignore[attr-defined]
    assert response.context["status"] == 404  # type: ignore[attr-defined]
    assert response.status_code == 200
