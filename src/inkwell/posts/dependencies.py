"""The posts domain's dependencies: the Markdown renderer the app was built with."""

from typing import Annotated

from fastapi import Depends, Request

from inkwell.posts.markdown import MarkdownRenderer
from inkwell.state import state_of


async def _markdown(request: Request) -> MarkdownRenderer:
    return state_of(request)["markdown"]


Markdown = Annotated[MarkdownRenderer, Depends(_markdown)]
