"""A comment's Markdown rendered to HTML, once, when it is written.

The seam for the merge with the writing branch: posts will have their own renderer and
sanitizer (markdown-it-py, then nh3); comments must go through that same one, without
headings or images. Until then this renders with markdown-it-py alone, which is safe on its
own terms: raw HTML is off (every `<` the author typed comes out escaped) and its link
validation refuses `javascript:`, `vbscript:`, `file:` and `data:` addresses. Replace the
body of `render` with a call to the posts renderer; `Comment.body_html` keeps its meaning.
"""

from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

# Links a reader wrote vouch for nothing: search engines are told so (rel="ugc nofollow").
LINK_REL = "ugc nofollow noopener"


def _link_open(
    self: RendererHTML, tokens: list[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[index].attrSet("rel", LINK_REL)
    return self.renderToken(tokens, index, options, env)


@cache
def _renderer() -> MarkdownIt:
    renderer = MarkdownIt("commonmark", {"html": False}).disable(["heading", "lheading", "image"])
    renderer.add_render_rule("link_open", _link_open)
    return renderer


def render(body: str) -> str:
    rendered: Any = _renderer().render(body)
    return str(rendered)
