"""Pictures: a profile picture is processed, stored, then the user pointed at it; a post's is
processed and stored for its author to link to. Nothing commits here."""

import re
import secrets
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from starlette.datastructures import UploadFile

from inkwell.errors import Conflict, ErrorCode
from inkwell.media.images import OUTPUT_CONTENT_TYPE, OUTPUT_EXTENSION, PictureProcessor
from inkwell.media.models import PostPicture
from inkwell.media.pending import PendingMedia
from inkwell.posts import service as posts
from inkwell.posts.models import Post
from inkwell.users import service as users
from inkwell.users.models import User
from inkwell.users.rows import Account

PROFILE_PICTURES = "profile_pics"
POST_PICTURES = "posts"
_KEY_BYTES = 16
# A post picture's key wherever a post links to it, after `/media/` or the storage's address.
_POST_PICTURE_KEY = re.compile(
    rf"\b{POST_PICTURES}/[0-9a-f]{{{2 * _KEY_BYTES}}}\.{OUTPUT_EXTENSION}\b"
)


def new_picture_key(folder: str = PROFILE_PICTURES) -> str:
    """Random, so the uploaded file's name never reaches the store and URLs never repeat."""
    return f"{folder}/{secrets.token_hex(_KEY_BYTES)}.{OUTPUT_EXTENSION}"


async def store_post_picture(
    session: AsyncSession,
    pictures: PictureProcessor,
    changes: PendingMedia,
    uploader_id: int,
    upload: UploadFile,
) -> str:
    """The stored picture's key, for its uploader's posts to link to; recorded as theirs, so
    it goes with their account. It is removed again if the request fails, like any picture
    stored for a failed request."""
    picture = await pictures.post_picture(upload)
    key = new_picture_key(POST_PICTURES)
    await changes.save(session, key, picture, OUTPUT_CONTENT_TYPE)
    session.add(PostPicture(key=key, user_id=uploader_id))
    return key


async def replace_picture(
    session: AsyncSession,
    pictures: PictureProcessor,
    changes: PendingMedia,
    user: Account,
    upload: UploadFile,
) -> Account:
    """`user` as read before the upload; `session` is first used for the swap, so no
    connection is held while the picture is processed. If storing fails the user keeps
    the old picture; the old one goes only after commit."""
    picture = await pictures.profile_picture(upload)
    key = new_picture_key()
    await changes.save(session, key, picture, OUTPUT_CONTENT_TYPE)
    return await _swap_picture(session, changes, user.id, user.image_file, key)


async def remove_picture(session: AsyncSession, changes: PendingMedia, user: User) -> User:
    """The uploaded picture, and with it any picture set elsewhere (swap_picture)."""
    if user.image_file is not None:
        await _swap_picture(session, changes, user.id, user.image_file, None)
        set_committed_value(user, "image_file", None)
        set_committed_value(user, "image_url", None)
    return user


async def set_picture_address(
    session: AsyncSession, changes: PendingMedia, user: User, address: str | None
) -> None:
    """A picture elsewhere (an http(s) address, set through Conduit) shown from now on, the
    upload kept for Inkwell's pages; None removes both, so that no picture is shown."""
    if address is None:
        await remove_picture(session, changes, user)
    user.image_url = address


async def delete_account(session: AsyncSession, changes: PendingMedia, user: User) -> None:
    """Deletes the account (users.delete_user) and, once `session` commits, every picture of
    it: its profile picture and those it uploaded for posts (their rows go with the user's,
    by cascade). The account page and the API both delete an account here, so neither can
    leave its pictures behind."""
    _forget(session, changes, user.image_file)
    uploaded = await session.scalars(select(PostPicture.key).where(PostPicture.user_id == user.id))
    for key in uploaded:
        changes.supersede(session, key)
    await users.delete_user(session, user)


async def delete_post(session: AsyncSession, changes: PendingMedia, post: Post) -> None:
    """Deletes the post (posts.delete_post) and, once `session` commits, the pictures its
    author uploaded that it links to and none of their other posts (drafts too) does. Only
    deletion (and the sweep) lets a picture go: an edit that drops one may be a cut before a
    paste, saved between the two by the editor's autosave."""
    linked = set(_POST_PICTURE_KEY.findall(post.content))
    await posts.delete_post(session, post)
    if linked:
        await _delete_unlinked(
            session, changes, PostPicture.key.in_(linked), PostPicture.user_id == post.user_id
        )


async def sweep_post_pictures(
    session: AsyncSession,
    changes: PendingMedia,
    *,
    uploaded_before: datetime,
    after_key: str,
    batch_size: int,
) -> tuple[str | None, int]:
    """One batch of the sweep (`inkwell media sweep`): of the next `batch_size` pictures for
    posts by key after `after_key`, uploaded before `uploaded_before`, deletes those no post
    of their uploader links (never used, or dropped by an edit). Answers the last key looked
    at (None: none was left) and how many went, once `session` commits."""
    batch = (
        await session.scalars(
            select(PostPicture.key)
            .where(PostPicture.created_at < uploaded_before, PostPicture.key > after_key)
            .order_by(PostPicture.key)
            .limit(batch_size)
        )
    ).all()
    if not batch:
        return None, 0
    swept = await _delete_unlinked(session, changes, PostPicture.key.in_(batch))
    return batch[-1], swept


async def _delete_unlinked(
    session: AsyncSession, changes: PendingMedia, *among: ColumnElement[bool]
) -> int:
    """Deletes the records of the pictures `among` that no post of their uploader links (by
    its key, after whichever address), and their files once `session` commits. Only the
    uploader's posts are read, by their index: someone else's post that links one loses it,
    as when the uploader's account goes."""
    linked = exists().where(
        Post.user_id == PostPicture.user_id, Post.content.contains(PostPicture.key)
    )
    unlinked = await session.scalars(
        delete(PostPicture).where(*among, ~linked).returning(PostPicture.key)
    )
    keys = unlinked.all()
    for key in keys:
        changes.supersede(session, key)
    return len(keys)


def _forget(session: AsyncSession, changes: PendingMedia, key: str | None) -> None:
    if key is not None:
        changes.supersede(session, key)


async def _swap_picture(
    session: AsyncSession, changes: PendingMedia, user_id: int, current: str | None, new: str | None
) -> Account:
    """Of two requests that replace the same picture at once, one wins and the other gets
    409, instead of both superseding it and leaving one new picture orphaned."""
    swapped = await users.swap_picture(session, user_id, current=current, new=new)
    if swapped is None:
        raise Conflict(
            "The picture was changed by another request at the same time; try again",
            code=ErrorCode.CHANGED_CONCURRENTLY,
        )
    _forget(session, changes, current)
    return swapped
