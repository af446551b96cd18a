"""Markdown → sanitized HTML and a plain-text excerpt: run once, when something is written.

CommonMark with GitHub's extensions (tables, strikethrough, task lists, bare URLs made links,
fenced code), parsed by markdown-it-py. Raw HTML in the source is escaped (`html=False`), and
the HTML made is cleaned all the same by nh3 against an explicit allowlist: whatever a parser
bug or a plugin lets through, only these tags, attributes, classes and URL schemes remain.

- Links get `rel="nofollow ugc noopener"`; only http, https, mailto and relative URLs stay.
- Headings sit under the page's own title (`#` is an h2) and carry an id for their anchor
  (`section-<slug>`, unique within the text; the prefix keeps them off the page's own ids).
- Code blocks are highlighted by Pygments into CSS classes: `highlight_stylesheet()` is the
  static stylesheet they need (`static/css/pygments.css`), since the CSP forbids inline styles.
- Code blocks and tables scroll sideways inside themselves when wider than the column, as on
  GitHub: each takes the keyboard's focus (`tabindex="0"`), so it scrolls without a mouse.
- Footnotes (`[^1]` and `^[inline]`, as on GitHub and Ghost) are numbered at the
  text's end, each with a link back; their ids share the headings' prefix, with a colon no
  heading's slug can hold (`section-fn:1`, `section-fnref:1`).
- Only pictures of the site's own media become `<img loading="lazy">`; any other picture is
  a link to it (the CSP would block it anyway, and a remote picture tracks its readers).

A `Profile` says what a kind of text may hold: posts all of it, comments neither headings,
pictures nor footnotes (a page shows many comments, whose notes' ids would repeat). The
renderer is pure CPU and imports nothing of the app: callers on the event loop run it in a
worker thread (`render_in_thread`), and migrations call it as it is.
"""

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import anyio
import nh3
from linkify_it import LinkifyIt
from linkify_it.main import Match
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

EXCERPT_LENGTH = 200
HEADING_ID_PREFIX = "section-"
FOOTNOTE_ID_PREFIX = f"{HEADING_ID_PREFIX}fn:"
FOOTNOTE_REF_ID_PREFIX = f"{HEADING_ID_PREFIX}fnref:"
OWN_MEDIA_PATH = "/media/"
LINK_REL = "nofollow ugc noopener"
PYGMENTS_STYLE = "default"
# In dark mode: each of its colours is at least 4.5:1 on its background (WCAG AA).
DARK_PYGMENTS_STYLE = "lightbulb"
CODE_CLASS = "highlight"
# Texts rendered at once, in worker threads: the worst 50,000 characters take about a second
# and a half of CPU, and a queue of them must leave the event loop its share.
RENDERING_THREADS = 2
# A stored picture's key under the media prefix: plain segments, no dot-segments, an image.
_MEDIA_KEY = re.compile(r"[\w-]+(?:/[\w-]+)*\.(?:webp|jpe?g|png|gif)", re.ASCII)
# Generic top-level domains a bare name must end with to become a link: `example.com` does,
# `main.py` and `README.md` (Paraguay's and Moldova's) do not. Schemes, `www.` names and
# email addresses link under any domain linkify-it knows, a country's included.
_BARE_LINK_DOMAINS = frozenset(
    ["com", "org", "net", "edu", "gov", "info", "io", "dev", "app", "blog"]
)
_HOST_END = re.compile(r"[/:?#]")
_NOT_IN_SLUG = re.compile(r"[^\w\- ]")
_SPACES = re.compile(r"\s+")
_ALIGNMENT_CLASSES = {
    "text-align:left": "text-start",
    "text-align:center": "text-center",
    "text-align:right": "text-end",
}


@dataclass(frozen=True, slots=True)
class Profile:
    """What a kind of writing may contain beyond paragraphs, lists, quotes, links and code."""

    headings: bool
    images: bool
    footnotes: bool


POST = Profile(headings=True, images=True, footnotes=True)
COMMENT = Profile(headings=False, images=False, footnotes=False)


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    excerpt: str
    word_count: int


def highlight_stylesheet() -> str:
    """The CSS for the highlighted code, as committed in static/css/pygments.css."""
    selector = f".{CODE_CLASS}"
    formatter = HtmlFormatter(style=PYGMENTS_STYLE)
    stylesheet: str = formatter.get_style_defs(selector)  # type: ignore[no-untyped-call]
    # Dark mode: the light style's token colours give way first, for the tokens the dark
    # style leaves plain.
    dark = HtmlFormatter(style=DARK_PYGMENTS_STYLE)
    dark_rules = [
        f"{selector} [class] {{ color: inherit; }}",
        *dark.get_background_style_defs(selector),  # type: ignore[no-untyped-call]
        *dark.get_token_style_defs(selector),  # type: ignore[no-untyped-call]
    ]
    indented = "".join(f"  {rule}\n" for rule in dark_rules)
    return f"{stylesheet}\n@media (prefers-color-scheme: dark) {{\n{indented}}}\n"


class MarkdownRenderer:
    """One profile's parser and sanitizer, built once and shared: rendering keeps its state
    per call, so threads may render at the same time.

    `own_media`: the URL prefixes of the site's own pictures (`/media/` always; the public
    base URL's and the S3 bucket's too when the app knows them).
    """

    def __init__(self, profile: Profile = POST, *, own_media: Sequence[str] = ()) -> None:
        self._own_media = (OWN_MEDIA_PATH, *(prefix for prefix in own_media if prefix))
        self._parser = _parser(profile, self._is_own_media)
        self._threads = anyio.CapacityLimiter(RENDERING_THREADS)
        self._cleaner = nh3.Cleaner(
            tags=_allowed_tags(profile),
            attributes=_ALLOWED_ATTRIBUTES,
            tag_attribute_values=_ALLOWED_VALUES,
            allowed_classes=_ALLOWED_CLASSES,
            url_schemes={"http", "https", "mailto"},
            link_rel=LINK_REL,
            id_prefix=HEADING_ID_PREFIX,
            attribute_filter=self._filter_attribute,
            strip_comments=True,
        )

    def render(self, source: str) -> Rendered:
        env: dict[str, Any] = {}
        tokens = self._parser.parse(source, env)
        made = self._parser.renderer.render(tokens, self._parser.options, env)
        return Rendered(self.sanitize(made), excerpt(_plain_text(tokens)), word_count(source))

    def sanitize(self, made: str) -> str:
        """The allowlist alone: what remains of any HTML, whoever made it."""
        return self._cleaner.clean(made)

    async def render_in_thread(self, source: str) -> Rendered:
        """`render` off the event loop: a long post with much code takes tens of ms."""
        return await anyio.to_thread.run_sync(self.render, source, limiter=self._threads)

    def _is_own_media(self, url: str) -> bool:
        return any(
            url.startswith(prefix) and _MEDIA_KEY.fullmatch(url.removeprefix(prefix))
            for prefix in self._own_media
        )

    def _filter_attribute(self, tag: str, attribute: str, value: str) -> str | None:
        """The sanitizer's own check of pictures, whatever made the HTML."""
        if tag == "img" and attribute == "src" and not self._is_own_media(value):
            return None
        return value


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """`text` with its whitespace collapsed, cut after the last whole word within `length`
    characters (a single longer word is cut), with an ellipsis when anything was left out."""
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= length:
        return text
    cut = text[: length + 1].rsplit(" ", 1)[0] if " " in text[:length] else text[:length]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "…"


def word_count(source: str) -> int:
    """The words of the text as written, code and addresses included: what its reading time
    is worked out from, here as in the pages' script (load-more.js) from the API's `content`."""
    return len(source.split())


def slug(text: str) -> str:
    """GitHub's way: lower case, punctuation dropped, spaces as hyphens; letters of any script."""
    return _NOT_IN_SLUG.sub("", text.lower()).strip().replace(" ", "-")


# --- parsing ---------------------------------------------------------------------------------


def _parser(profile: Profile, is_own_media: Any) -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True})
    parser.enable(["table", "strikethrough", "linkify"])
    # A task's checkbox is named by the task's text: the item's text is wrapped in a
    # <label> with it (axe's `label`, found by a UI audit). The checkbox stays disabled.
    parser.use(tasklists_plugin, label=True)
    parser.linkify = _Linkify().tlds(sorted(_BARE_LINK_DOMAINS), keep_old=True)
    if profile.footnotes:
        parser.use(footnote_plugin)
        parser.add_render_rule("footnote_ref", _footnote_ref)
        parser.add_render_rule("footnote_open", _footnote_open)
        parser.add_render_rule("footnote_anchor", _footnote_backref)
    if profile.headings:
        parser.core.ruler.push("heading_ids", _heading_ids)
    else:
        parser.disable(["heading", "lheading"])
    rules: dict[str, Any] = {
        "fence": _code_block,
        "code_block": _code_block,
        "table_open": _focusable_table,
        "th_open": _aligned_cell,
        "td_open": _aligned_cell,
        "heading_close": _heading_close,
        "image": _image_rule(profile, is_own_media),
    }
    for name, rule in rules.items():
        parser.add_render_rule(name, rule)
    return parser


class _Linkify(LinkifyIt):  # type: ignore[misc]
    """linkify-it's links, less the bare names outside `_BARE_LINK_DOMAINS`: its list of
    domains holds for `www.` names and email addresses too, which a country's must pass."""

    def match(self, text: str) -> list[Match] | None:
        links = [link for link in super().match(text) or () if _is_link(link)]
        return links or None


def _is_link(link: Match) -> bool:
    if link.schema or link.text.lower().startswith("www."):
        return True
    host = _HOST_END.split(link.text, maxsplit=1)[0]
    return host.rsplit(".", 1)[-1].lower() in _BARE_LINK_DOMAINS


def _heading_ids(state: Any) -> None:
    """Each heading one level under the page's title, with a unique id from its text."""
    used: set[str] = set()
    tried: dict[str, int] = {}  # the last number tried after each base: no quadratic search
    tokens: list[Token] = state.tokens
    for index, token in enumerate(tokens):
        if token.type not in ("heading_open", "heading_close"):
            continue
        token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        if token.type == "heading_open":
            base = HEADING_ID_PREFIX + (slug(_inline_text(tokens[index + 1])) or "heading")
            candidate, number = base, tried.get(base, 0)
            while candidate in used:
                number += 1
                candidate = f"{base}-{number}"
            tried[base] = number
            used.add(candidate)
            token.attrSet("id", candidate)
            tokens[index + 2].meta["anchor"] = candidate


def _heading_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    anchor = html.escape(tokens[idx].meta["anchor"])
    return (
        f' <a class="heading-anchor" href="#{anchor}" aria-label="Link to this section">#</a>'
        f"</{tokens[idx].tag}>\n"
    )


def _code_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    lexer = _lexer(language)
    code = (
        html.escape(token.content, quote=False)
        if lexer is None
        else highlight(token.content, lexer, _FORMATTER)
    )
    return f'<pre class="{CODE_CLASS}" tabindex="0"><code>{code}</code></pre>\n'


# Fence names writers bring from GitHub (its Linguist's aliases) that Pygments knows by another.
_LANGUAGE_ALIASES = {
    "kt": "kotlin",
    "patch": "diff",
    "jsonc": "json",
    "gql": "graphql",
    "hbs": "handlebars",
    "svelte": "html",
}


def _lexer_named(language: str) -> Lexer | None:
    """Pygments' lexer for a fence's language name; none (plain text) for a name it lacks."""
    if not language:
        return None
    try:
        named = _LANGUAGE_ALIASES.get(language.lower(), language)
        return get_lexer_by_name(named, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None


_lexer = lru_cache(maxsize=256)(_lexer_named)
_FORMATTER = HtmlFormatter(nowrap=True)


def _focusable_table(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A table too wide for the column scrolls: the keyboard must be able to reach it."""
    tokens[idx].attrSet("tabindex", "0")
    return self.renderToken(tokens, idx, options, env)


def _footnote_place(token: Token) -> tuple[int, int]:
    """The note's number, and which reference to it the token is (0 the first, 1 the next)."""
    return token.meta["id"] + 1, token.meta.get("subId", 0)


def _footnote_ids(number: int, again: int) -> tuple[str, str]:
    """The note's id and its reference's: a note referred to again has one per reference."""
    reference = f"{number}:{again}" if again > 0 else str(number)
    return f"{FOOTNOTE_ID_PREFIX}{number}", f"{FOOTNOTE_REF_ID_PREFIX}{reference}"


def _footnote_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    number, again = _footnote_place(tokens[idx])
    note, reference = _footnote_ids(number, again)
    return (
        f'<sup class="footnote-ref"><a href="#{note}" id="{reference}" '
        f'aria-label="Note {number}">{number}</a></sup>'
    )


def _footnote_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    note, _ = _footnote_ids(*_footnote_place(tokens[idx]))
    return f'<li id="{note}" class="footnote-item">'


def _footnote_backref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """The way back to where the note was referred to: one per reference, the first named
    after the note, the others counted. U+FE0E keeps the arrow from becoming an emoji on iOS."""
    number, again = _footnote_place(tokens[idx])
    _, reference = _footnote_ids(number, again)
    label = f"Back to note {number}'s reference" + (f" {again + 1}" if again > 0 else "")
    return f' <a href="#{reference}" class="footnote-backref" aria-label="{label}">\u21a9\ufe0e</a>'


def _aligned_cell(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A column's alignment as a class: the CSP refuses markdown-it's `style` attribute."""
    token = tokens[idx]
    alignment = _ALIGNMENT_CLASSES.get(str(token.attrs.pop("style", "")))
    if alignment is not None:
        token.attrSet("class", alignment)
    return self.renderToken(tokens, idx, options, env)


def _image_rule(profile: Profile, is_own_media: Any) -> Any:
    def image(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        source = str(token.attrGet("src") or "")
        alt = self.renderInlineAsText(token.children or [], options, env)
        if profile.images and is_own_media(source):
            title = token.attrGet("title")
            titled = f' title="{html.escape(str(title))}"' if title else ""
            return (
                f'<img src="{html.escape(source)}" alt="{html.escape(alt)}"{titled} loading="lazy">'
            )
        if source.startswith("data:"):  # markdown-it lets pictures have data: URLs; no link
            return html.escape(alt, quote=False)
        return f'<a href="{html.escape(source)}">{html.escape(alt or source, quote=False)}</a>'

    return image


# --- the excerpt's text ----------------------------------------------------------------------


def _inline_text(token: Token) -> str:
    """What a reader sees of an inline run: its text, code and pictures' descriptions."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


def _plain_text(tokens: Sequence[Token]) -> str:
    """The text of the paragraphs, headings, lists and tables; code blocks are left out."""
    return " ".join(_inline_text(token) for token in tokens if token.type == "inline")


# --- the allowlist -------------------------------------------------------------------------


_TEXT_TAGS = {"p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote", "span", "a"}
_FOOTNOTE_TAGS = {"sup", "section"}
_LIST_TAGS = {"ul", "ol", "li", "input", "label"}
_TABLE_TAGS = {"table", "thead", "tbody", "tr", "th", "td"}
_HEADING_TAGS = {"h2", "h3", "h4", "h5", "h6"}


def _allowed_tags(profile: Profile) -> set[str]:
    return (
        _TEXT_TAGS
        | _LIST_TAGS
        | _TABLE_TAGS
        | (_HEADING_TAGS if profile.headings else set())
        | ({"img"} if profile.images else set())
        | (_FOOTNOTE_TAGS if profile.footnotes else set())
    )


_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "aria-label", "id"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "li": {"id"},
    "input": {"checked", "disabled"},
    **{tag: {"id"} for tag in _HEADING_TAGS},
}
_ALLOWED_VALUES = {
    "img": {"loading": {"lazy"}},
    "input": {"type": {"checkbox"}},
    # Blocks that may scroll sideways, in the keyboard's reach (axe's scrollable-region-focusable).
    **{tag: {"tabindex": {"0"}} for tag in ("pre", "table")},
}
_ALLOWED_CLASSES = {
    "pre": {CODE_CLASS},
    "span": {name for name in STANDARD_TYPES.values() if name},
    "th": set(_ALIGNMENT_CLASSES.values()),
    "td": set(_ALIGNMENT_CLASSES.values()),
    "ul": {"contains-task-list"},
    "ol": {"footnotes-list"},
    "li": {"task-list-item", "footnote-item"},
    "input": {"task-list-item-checkbox"},
    "a": {"heading-anchor", "footnote-backref"},
    "sup": {"footnote-ref"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
}
