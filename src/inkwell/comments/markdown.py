"""A comment's Markdown rendered to HTML, once, when it is written: by the posts' renderer in
its comment profile (no headings, no pictures), through the same allowlist sanitizer, off
the event loop."""

from functools import cache

from inkwell.posts.markdown import COMMENT, MarkdownRenderer


@cache
def _renderer() -> MarkdownRenderer:
    return MarkdownRenderer(COMMENT)


async def render(body: str) -> str:
    return (await _renderer().render_in_thread(body)).html
