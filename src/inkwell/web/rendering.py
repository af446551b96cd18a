"""Jinja2 templates for the pages: autoescaped, with filters for what the pages show.

The environment is built once, by `create_app`; rendering a page with it is `common.render`."""

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol
from urllib.parse import urljoin

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from inkwell.comments.models import BODY_MAX_LENGTH as COMMENT_MAX_LENGTH
from inkwell.db import utcnow
from inkwell.moderation.models import REASON_MAX_LENGTH, REASON_MIN_LENGTH
from inkwell.posts.models import CONTENT_MAX_LENGTH, TAGS_PER_POST, TITLE_MAX_LENGTH, post_path
from inkwell.posts.rows import ListedPost
from inkwell.search.schemas import QUERY_MAX_LENGTH
from inkwell.users.fields import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from inkwell.users.models import BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH, USERNAME_MAX_LENGTH
from inkwell.users.rows import author_path, picture_path

TEMPLATES_DIR = Path(__file__).parent / "templates"
# The forms' limits come from the same constants as the API's validation.
FORM_LIMITS = {
    "username": USERNAME_MAX_LENGTH,
    "password_min": PASSWORD_MIN_LENGTH,
    "password_max": PASSWORD_MAX_LENGTH,
    "title": TITLE_MAX_LENGTH,
    "content": CONTENT_MAX_LENGTH,
    "display_name": DISPLAY_NAME_MAX_LENGTH,
    "bio": BIO_MAX_LENGTH,
    "tags": TAGS_PER_POST,
    "comment": COMMENT_MAX_LENGTH,
    "reason_min": REASON_MIN_LENGTH,
    "reason": REASON_MAX_LENGTH,
    "search": QUERY_MAX_LENGTH,
}
# The username's rule for the browser's own check (users.fields.Username, not dots alone).
# pydantic's `\w` is Unicode's (Rust's regex: UTS 18), a browser's ASCII alone: spelt out.
_NAME_CHARACTER = r"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}"
FORM_PATTERNS = {
    "username": rf"[{_NAME_CHARACTER}.\-]*[{_NAME_CHARACTER}\-][{_NAME_CHARACTER}.\-]*",
}
# Reading time: an adult reads about 200 to 250 words a minute; the lower end, rounded up.
WORDS_PER_MINUTE = 200

# What load-more.js's Intl.DateTimeFormat("en-US") writes, whatever the server's locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def readable_date(moment: datetime) -> str:
    """'Nov 25, 2026': the format the Load more script uses for the posts it appends."""
    return f"{_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def exact_time(moment: datetime) -> str:
    """'Nov 25, 2026, 14:03 UTC': the title of a friendly date."""
    return f"{readable_date(moment)}, {moment:%H:%M} UTC"


def time_ago(moment: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', 'yesterday', '4 days ago', then the date:
    what load-more.js's timeAgo writes for the posts it appends."""
    seconds = ((now or utcnow()) - moment).total_seconds()
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 1:
        return "just now"
    if hours < 1:
        return _ago(int(minutes), "minute")
    if days < 1:
        return _ago(int(hours), "hour")
    if days < 2:
        return "yesterday"
    if days < 30:
        return _ago(int(days), "day")
    return readable_date(moment)


def _ago(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def reading_time(word_count: int) -> str:
    """'4 min read', from the post's word count; a few words are still a minute's reading."""
    return f"{max(1, math.ceil(word_count / WORDS_PER_MINUTE))} min read"


# A web address in plain text: http(s) only (no `javascript:`), up to white space or a
# character that cannot end one; trailing punctuation is the sentence's, not the link's.
_LINK = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def linkify(text: str | None) -> Markup:
    """Plain text with its web addresses made links: every piece, the addresses included,
    is escaped, so what the user wrote can only ever be text and links."""
    if not text:
        return Markup("")
    pieces: list[str] = []
    position = 0
    for match in _LINK.finditer(text):
        address = match[0].rstrip(_TRAILING)
        end = match.start() + len(address)
        pieces.append(escape(text[position : match.start()]))
        pieces.append(Markup('<a href="{0}" rel="nofollow ugc noopener">{0}</a>').format(address))
        position = end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


@dataclass(frozen=True, slots=True)
class Site:
    """What the pages' head says of the site (link previews, search engines)."""

    name: str
    description: str
    base_url: str  # PUBLIC_BASE_URL without a trailing slash: previews need absolute links


# What a shared link shows that has no picture of its own (drawn by scripts/make_icons.py).
SITE_PICTURE_PATH = "/static/img/share.png"


def shared_picture(image_file: str | None) -> str:
    """A user's picture as link previews show it: their upload, or the site's, since the
    default avatar is an SVG and previews show none."""
    return SITE_PICTURE_PATH if image_file is None else picture_path(image_file)


class _FirstPicture(HTMLParser):
    """The `src` of the first `<img>` of some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.source: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and self.source is None:
            self.source = dict(attrs).get("src")


# A post's HTML is read from its first `<img`, this much at a time (the picture's alt text
# may be long): parsing a long post's whole HTML (~200 kB) takes some 30 ms of the loop.
_PICTURE_SEARCH_CHUNK = 4096


def first_picture(html: str) -> str | None:
    """The sanitized HTML's first picture. Its text and attribute values escape `<`, so the
    first `<img` is a picture's tag, wherever in a long post it stands."""
    start = html.find("<img")
    if start < 0:
        return None
    finder = _FirstPicture()
    for chunk in range(start, len(html), _PICTURE_SEARCH_CHUNK):
        finder.feed(html[chunk : chunk + _PICTURE_SEARCH_CHUNK])
        if finder.source is not None:
            break
    return finder.source


@dataclass(frozen=True, slots=True)
class PreviewImage:
    url: str
    large: bool  # the post's own picture, worth a large card, rather than a small avatar


def preview_image(post: ListedPost, site: Site) -> PreviewImage:
    """What a shared link to the post shows: its first picture (the Markdown names it from
    the site's root or by its full address), or else its author's."""
    picture = first_picture(post.get("content_html", ""))
    if picture is None:
        return PreviewImage(site.base_url + shared_picture(post["author"]["image_file"]), False)
    return PreviewImage(urljoin(site.base_url + "/", picture), True)


def blog_posting(post: ListedPost, site: Site, image: PreviewImage) -> Markup:
    """The post as schema.org's BlogPosting, for a JSON-LD data block: `<`, `>` and `&` are
    written as JSON escapes, so no text of the post can close the block. `image`: the
    page's preview_image, found once for the page's previews and this."""
    author = post["author"]
    address = site.base_url + post_path(post["id"], post["slug"])
    published = post["published_at"]
    document = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post["title"],
        "description": post["excerpt"],
        "url": address,
        "mainEntityOfPage": address,
        "datePublished": published.isoformat() if published else None,
        "dateModified": post["updated_at"].isoformat(),
        "keywords": post["tags"],
        "image": image.url,
        "author": {
            "@type": "Person",
            "name": author["display_name"] or author["username"],
            "url": site.base_url + author_path(author["username"]),
        },
    }
    encoded = json.dumps(document, ensure_ascii=False)
    return Markup(encoded.translate(_JSON_IN_HTML))  # noqa: S704  (escaped just above)


# The cards whose markup is kept, per process: ~3 kB of markup and the card each.
CARDS_KEPT = 2048
# What card_markup fills in at every render, in the order _post_card.html shows them. No
# value the template escapes can write one: escaping turns every `<` into `&lt;`.
_LIVE = {
    "ago": Markup("<live:ago>"),
    "csrf_token": Markup("<live:csrf>"),
    "back": Markup("<live:back>"),
}
_LIVE_PARTS = re.compile("(" + "|".join(re.escape(mark) for mark in _LIVE.values()) + ")")
_LIVE_NAMES = {str(mark): name for name, mark in _LIVE.items()}


class ShownCard(Protocol):
    """What card_markup needs of a card (web.cards.Card): hashable, and when it was posted."""

    @property
    def when(self) -> datetime: ...

    def __hash__(self) -> int: ...


def card_markup(
    environment: Environment, *, kept: int
) -> Callable[[ShownCard | None, bool, str, str], Markup]:
    """`post_card(card, drafts, csrf_token, back)`: a listing's card (_post_card.html).

    A card's markup is a pure function of the values it shows, so it is rendered once per
    process and kept (the `kept` most recently used; none with 0): the key is the card
    itself (web.cards.Card: every value it shows, whether the reader likes the post
    included) and `drafts`. What does not come from those is filled in at every render,
    escaped: the time ago (the clock's), the CSRF token and the page to come back to (the
    viewer's and the page's). So a signed-in reader's cards are kept as an anonymous
    reader's are, and no reader's token is ever kept."""

    def rendered_parts(card: ShownCard | None, drafts: bool) -> tuple[str, ...]:
        template = environment.get_template("_post_card.html")
        markup = template.render(post=card, drafts=drafts, **_LIVE)
        return tuple(_LIVE_PARTS.split(markup))

    parts = lru_cache(maxsize=kept)(rendered_parts)

    def post_card(card: ShownCard | None, drafts: bool, csrf_token: str, back: str) -> Markup:
        live = {
            "ago": time_ago(card.when) if card is not None else "",
            "csrf_token": csrf_token,
            "back": back,
        }
        pieces = parts(card, drafts)
        filled = [
            piece if index % 2 == 0 else escape(live[_LIVE_NAMES[piece]])
            for index, piece in enumerate(pieces)
        ]
        return Markup("".join(filled))  # noqa: S704  (the template's, and escaped values)

    return post_card


def _plain_static_url(name: str) -> str:
    return f"/static/{name}"


_JSON_IN_HTML = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def page_templates(
    *, auto_reload: bool, site: Site, static_url: Callable[[str], str] = _plain_static_url
) -> Jinja2Templates:
    """The pages' templates. `auto_reload` picks up edits without a restart, at the cost of
    a stat of every template file on every render (a twentieth of the home page's CPU):
    create_app turns it on in development only. `static_url('css/inkwell.css')` is a
    static file's address (content-hashed: caching/static.py)."""
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
        "shared_picture": shared_picture,
        "author_path": author_path,
        "time_ago": time_ago,
        "exact_time": exact_time,
        "reading_time": reading_time,
        "linkify": linkify,
    }
    environment.globals |= {
        # In development a template's edits show at once: no card is kept.
        "post_card": card_markup(environment, kept=0 if auto_reload else CARDS_KEPT),
        "site": site,
        "static_url": static_url,
        "post_path": post_path,
        "blog_posting": blog_posting,
        "preview_image": preview_image,
        "site_picture": SITE_PICTURE_PATH,
        "WORDS_PER_MINUTE": WORDS_PER_MINUTE,
        "limits": FORM_LIMITS,
        "patterns": FORM_PATTERNS,
    }
    return Jinja2Templates(env=environment)
