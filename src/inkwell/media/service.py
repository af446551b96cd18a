"""Pictures: a profile picture is processed, stored, then the user pointed at it; a post's is
processed and stored for its author to link to. Nothing commits here."""

import secrets
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from starlette.datastructures import UploadFile

from inkwell.db import utcnow
from inkwell.errors import Conflict, ErrorCode
from inkwell.media.images import OUTPUT_CONTENT_TYPE, OUTPUT_EXTENSION, PictureProcessor
from inkwell.media.models import PostPicture
from inkwell.media.pending import PendingMedia, record_deletions
from inkwell.media.uses import KEY_BYTES, POST_PICTURES, in_use, picture_keys
from inkwell.posts import service as posts
from inkwell.posts.models import Post
from inkwell.users import service as users
from inkwell.users.models import User
from inkwell.users.rows import Account

PROFILE_PICTURES = "profile_pics"


def new_picture_key(folder: str = PROFILE_PICTURES) -> str:
    """Random, so the uploaded file's name never reaches the store and URLs never repeat."""
    return f"{folder}/{secrets.token_hex(KEY_BYTES)}.{OUTPUT_EXTENSION}"


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
    uploaded = await session.scalars(select(PostPicture.key).where(PostPicture.user_id == user.id))
    keys = list(uploaded)
    if user.image_file is not None:
        keys.append(user.image_file)
    await changes.supersede(session, keys)
    await users.delete_user(session, user)


async def delete_post(
    session: AsyncSession, changes: PendingMedia, post: Post, *, by_admin: bool
) -> None:
    """Deletes the post (posts.delete_post, its uses go with it) and, once `session`
    commits, the pictures its author uploaded that it linked and no other post does. Another
    uploader's that no post links now start the sweep's grace instead. Edits never delete a
    picture: the editor may autosave between a cut and its paste."""
    linked = picture_keys(post.content)
    await posts.delete_post(session, post, by_admin=by_admin)
    if not linked:
        return
    # Held first, so a post linking one of them meanwhile is waited for and its use seen by
    # the statements below (media.uses._add_uses), not deleted with the picture.
    await session.execute(
        select(PostPicture.key)
        .where(PostPicture.key.in_(linked))
        .order_by(PostPicture.key)
        .with_for_update()
    )
    unused = (PostPicture.key.in_(linked), ~in_use())
    deleted = await session.scalars(
        delete(PostPicture)
        .where(*unused, PostPicture.user_id == post.user_id)
        .returning(PostPicture.key)
    )
    await changes.supersede(session, deleted.all())
    await session.execute(update(PostPicture).where(*unused).values(unlinked_at=utcnow()))


async def sweep_post_pictures(
    session: AsyncSession, *, unused_before: datetime, batch_size: int
) -> int | None:
    """One batch of `inkwell media sweep`: deletes up to `batch_size` pictures for posts that
    no post links and none has since `unused_before` (never linked and uploaded before it,
    or unlinked before it), and records their files for deletion in the same transaction
    (media.pending): the sweep deletes the recorded files next. Answers how many (None:
    none is left to look at; 0: those looked at were all linked again meanwhile)."""
    unused_since = func.coalesce(PostPicture.unlinked_at, PostPicture.created_at)
    unused = (unused_since < unused_before, ~in_use())
    # Held first, passing by those a post is linking (media.uses._add_uses) rather than
    # waiting for it; the deletion then asks again, seeing the uses committed meanwhile.
    batch = (
        select(PostPicture.key).where(*unused).limit(batch_size).with_for_update(skip_locked=True)
    )
    held = (await session.scalars(batch)).all()
    if not held:
        return None
    deleted = await session.scalars(
        delete(PostPicture).where(PostPicture.key.in_(held), *unused).returning(PostPicture.key)
    )
    keys = deleted.all()
    if keys:
        await record_deletions(session, keys)
    return len(keys)


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
    if current is not None:
        await changes.supersede(session, [current])
    return swapped
