"""The posts domain's dependencies: the Markdown renderer the app was built with, and who
may delete a post (for the API's DELETE and the post page's plain form alike)."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.errors import Forbidden
from inkwell.moderation import service as moderation
from inkwell.posts import service
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.posts.models import Post
from inkwell.state import state_of
from inkwell.users.models import User


async def _markdown(request: Request) -> MarkdownRenderer:
    return state_of(request)["markdown"]


Markdown = Annotated[MarkdownRenderer, Depends(_markdown)]


async def deletable_post(session: AsyncSession, user: User, post_id: int) -> Post:
    """The post, if `user` wrote it or is an admin (whose deletion the audit log records, in
    this transaction): 404 unknown or someone else's draft, 403 someone else's post."""
    post = await service.get_post(session, post_id, viewer_id=user.id)
    if post.user_id != user.id:
        if not user.is_admin:
            raise Forbidden("You may only change your own posts")
        moderation.record(session, user, "delete_post", ("post", post.id), post.title)
    return post
