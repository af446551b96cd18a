"""Profile pictures: process, store, then point the user at the new object; nothing commits here."""

import secrets

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from starlette.datastructures import UploadFile

from inkwell.errors import Conflict
from inkwell.media.images import OUTPUT_CONTENT_TYPE, OUTPUT_EXTENSION, PictureProcessor
from inkwell.media.pending import PendingMedia
from inkwell.users.models import User

PROFILE_PICTURES = "profile_pics"


def new_picture_key() -> str:
    """Random, so the uploaded file's name never reaches the store and URLs never repeat."""
    return f"{PROFILE_PICTURES}/{secrets.token_hex(16)}.{OUTPUT_EXTENSION}"


async def replace_picture(
    session: AsyncSession,
    pictures: PictureProcessor,
    changes: PendingMedia,
    user: User,
    upload: UploadFile,
) -> User:
    """If storing fails the user keeps the old picture; the old one goes only after commit."""
    picture = await pictures.profile_picture(upload)
    key = new_picture_key()
    changes.follow(session)
    await changes.save(key, picture, OUTPUT_CONTENT_TYPE)
    await _swap_picture(session, changes, user, key)
    return user


async def remove_picture(session: AsyncSession, changes: PendingMedia, user: User) -> User:
    if user.image_file is not None:
        await _swap_picture(session, changes, user, None)
    return user


def forget_picture(session: AsyncSession, changes: PendingMedia, user: User) -> None:
    """The user's picture goes once `session` commits (replaced, removed, or user deleted)."""
    if user.image_file is not None:
        changes.follow(session)
        changes.supersede(user.image_file)


async def _swap_picture(
    session: AsyncSession, changes: PendingMedia, user: User, key: str | None
) -> None:
    """Compare-and-swap: of two requests that replace the same picture at once, one wins and
    the other gets 409, instead of both superseding it and leaving one new picture orphaned."""
    swapped = await session.scalar(
        update(User)
        .where(User.id == user.id, User.image_file.is_not_distinct_from(user.image_file))
        .values(image_file=key)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    )
    if swapped is None:
        raise Conflict("The picture was changed by another request at the same time; try again")
    forget_picture(session, changes, user)
    set_committed_value(user, "image_file", key)
