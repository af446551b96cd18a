"""Profile pictures: process, store, then point the user at the new object; nothing commits here."""

import secrets

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

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
    await changes.save(key, picture, OUTPUT_CONTENT_TYPE)
    forget_picture(changes, user)
    user.image_file = key
    await session.flush()
    return user


async def remove_picture(session: AsyncSession, changes: PendingMedia, user: User) -> User:
    forget_picture(changes, user)
    user.image_file = None
    await session.flush()
    return user


def forget_picture(changes: PendingMedia, user: User) -> None:
    """The user's current picture goes once the request commits (replaced, removed, deleted)."""
    if user.image_file is not None:
        changes.supersede(user.image_file)
