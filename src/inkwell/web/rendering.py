"""Jinja2 templates for the pages: autoescaped, with filters for what the pages show."""

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.templating import Jinja2Templates

from inkwell.posts.models import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH
from inkwell.state import state_of
from inkwell.users.models import USERNAME_MAX_LENGTH, User
from inkwell.users.schemas import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    UserPrivate,
    UserPublic,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Post previews on the lists; the Load more script cuts appended posts at the same length.
EXCERPT_CHARS = 300
# The forms' limits come from the same constants as the API's validation.
FORM_LIMITS = {
    "username": USERNAME_MAX_LENGTH,
    "password_min": PASSWORD_MIN_LENGTH,
    "password_max": PASSWORD_MAX_LENGTH,
    "title": TITLE_MAX_LENGTH,
    "content": CONTENT_MAX_LENGTH,
}

_ERROR_TITLES = {
    400: "That request did not work",
    403: "That is not yours",
    404: "Page not found",
    405: "That is not something this page does",
    500: "Something went wrong",
    503: "Back in a moment",
}
_ERROR_MESSAGES = {
    403: "You are signed in as someone who may not do this.",
    404: "There is nothing at this address. It may have been deleted, or the link is mistyped.",
    500: "An unexpected error happened on our side. It has been logged; please try again.",
    503: "Inkwell cannot reach its database right now. Please try again in a few seconds.",
}


# What load-more.js's Intl.DateTimeFormat("en-US") writes, whatever the server's locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def readable_date(moment: datetime) -> str:
    """'Nov 25, 2026': the format the Load more script uses for the posts it appends."""
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def avatar_url(user: User | UserPublic) -> str:
    return UserPublic.model_validate(user).image_path


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + "…"


def page_templates(*, auto_reload: bool) -> Jinja2Templates:
    """The pages' templates. `auto_reload` picks up edits without a restart, at the cost of
    a stat of every template file on every render (a twentieth of the home page's CPU):
    create_app turns it on in development only."""
    # StrictUndefined: a misspelt variable fails the test that renders it instead of vanishing.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=auto_reload,
    )
    # Filters, not method calls: Jinja calls a filter directly, a method through its context.
    environment.filters |= {
        "readable_date": readable_date,
        "isoformat": datetime.isoformat,
        "excerpt": excerpt,
    }
    environment.globals |= {
        "avatar_url": avatar_url,
        "EXCERPT_CHARS": EXCERPT_CHARS,
        "limits": FORM_LIMITS,
    }
    return Jinja2Templates(env=environment)


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    current_user: User | UserPublic | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Every page knows who is looking at it: the navbar switches on `current_user`.

    A page rendered for a signed-in viewer shows their name and more, so no cache may keep it
    (a shared one would serve it to others, the browser's one after they sign out).
    """
    if current_user is not None:
        headers = {**(headers or {}), "Cache-Control": "no-store"}
    return state_of(request)["templates"].TemplateResponse(
        request,
        name,
        {"current_user": current_user, **(context or {})},
        status_code=status_code,
        headers=headers,
    )


def remember_viewer(request: Request, viewer: UserPrivate | None) -> None:
    """Lets an error page raised later in the request (a missing post, say) show who is signed
    in."""
    request.state.viewer = viewer


def error_page(
    request: Request, status: int, detail: str | None, headers: Mapping[str, str] | None
) -> HTMLResponse:
    """The friendly page for an error on a page route; server errors never show their detail."""
    if status >= 500 or detail is None:
        detail = _ERROR_MESSAGES.get(status, "")
    context = {
        "status": status,
        "title": _ERROR_TITLES.get(status, "That did not work"),
        "message": detail,
    }
    viewer: UserPrivate | None = getattr(request.state, "viewer", None)
    return render(
        request, "error.html", context, current_user=viewer, status_code=status, headers=headers
    )
