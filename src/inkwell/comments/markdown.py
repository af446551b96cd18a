"""A comment's Markdown rendered to HTML, once, when it is written: by the posts' renderer in
its comment profile (no headings, no pictures), through the same allowlist sanitizer, off
the event loop."""

from functools import cache

from inkwell.comments.models import Comment
from inkwell.posts.markdown import COMMENT, MarkdownRenderer
from inkwell.posts.stored_html import StoredHtml

# What `inkwell posts render` renders again of comments.
STORED = StoredHtml(
    Comment.__table__,  # type: ignore[arg-type]
    "body",
    ("body_html",),
    lambda rendered: (rendered.html,),
)


@cache
def renderer() -> MarkdownRenderer:
    return MarkdownRenderer(COMMENT)


async def render(body: str) -> str:
    return (await renderer().render_in_thread(body)).html
