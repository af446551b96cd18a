"""The posts domain's dependencies: the Markdown renderer the app was built with, and the
post a request may change."""

from typing import Annotated

from fastapi import Depends, Request

from inkwell.auth.dependencies import CurrentUser
from inkwell.dependencies import DbSession, ResourceId
from inkwell.errors import Forbidden
from inkwell.posts import service
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import Post
from inkwell.state import state_of


async def _markdown(request: Request) -> MarkdownRenderer:
    return state_of(request)["markdown"]


Markdown = Annotated[MarkdownRenderer, Depends(_markdown)]


async def _own_post(post_id: ResourceId, user: CurrentUser, session: DbSession) -> Post:
    """The post, if the caller wrote it: 401 anonymous, 404 unknown or someone else's draft,
    403 someone else's published post."""
    post = await service.get_post(session, post_id, viewer_id=user.id)
    if post.user_id != user.id:
        raise Forbidden("You may only change your own posts")
    return post


OwnPost = Annotated[Post, Depends(_own_post)]
