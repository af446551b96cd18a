"""Jinja2 templates for the pages: autoescaped, with filters for what the pages show.

The environment is built once, by `create_app`; rendering a page with it is `common.render`."""

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.templating import Jinja2Templates

from inkwell.posts.models import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH
from inkwell.users.models import USERNAME_MAX_LENGTH
from inkwell.users.rows import picture_path
from inkwell.users.schemas import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

TEMPLATES_DIR = Path(__file__).parent / "templates"
# The forms' limits come from the same constants as the API's validation.
FORM_LIMITS = {
    "username": USERNAME_MAX_LENGTH,
    "password_min": PASSWORD_MIN_LENGTH,
    "password_max": PASSWORD_MAX_LENGTH,
    "title": TITLE_MAX_LENGTH,
    "content": CONTENT_MAX_LENGTH,
}

# What load-more.js's Intl.DateTimeFormat("en-US") writes, whatever the server's locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def readable_date(moment: datetime) -> str:
    """'Nov 25, 2026': the format the Load more script uses for the posts it appends."""
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


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
        "picture_path": picture_path,
    }
    environment.globals |= {
        "limits": FORM_LIMITS,
    }
    return Jinja2Templates(env=environment)
