"""The media domain's dependencies: the storage backend, the image processor, the upload
limits, the uploader and the storage changes tied to the request's transaction."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from inkwell.auth.dependencies import SignedIn
from inkwell.dependencies import DbReader, ResourceId
from inkwell.errors import Forbidden
from inkwell.media.images import PictureProcessor
from inkwell.media.limits import UploadLimits
from inkwell.media.pending import PendingMedia
from inkwell.media.storage import Storage
from inkwell.state import state_of
from inkwell.users import service as users
from inkwell.users.rows import Account


async def _storage(request: Request) -> Storage:
    return state_of(request)["storage"]


async def _picture_processor(request: Request) -> PictureProcessor:
    return state_of(request)["picture_processor"]


async def _upload_limits(request: Request) -> UploadLimits:
    return state_of(request)["upload_limits"]


MediaStorage = Annotated[Storage, Depends(_storage)]
Pictures = Annotated[PictureProcessor, Depends(_picture_processor)]
UploadBudget = Annotated[UploadLimits, Depends(_upload_limits)]


async def _uploader(user_id: ResourceId, user: SignedIn, reader: DbReader) -> Account:
    """SelfUser's answers (401, 404, 403), read in one short statement each: SelfUser loads
    the user into the request's session, whose connection would then stay checked out while
    the picture waits for a decoder and is decoded, and a storm of uploads drains the pool."""
    if user.id != user_id:
        await users.get_profile(reader, user_id)
        raise Forbidden("You may only change your own account")
    return user


async def _uploading(
    user: Annotated[Account, Depends(_uploader)], limits: UploadBudget
) -> AsyncIterator[Account]:
    """The user, holding their one upload until the request's session has committed."""
    async with limits.upload(user.id):
        yield user


async def _uploading_for_posts(user: SignedIn, limits: UploadBudget) -> AsyncIterator[Account]:
    """The same budget and one-at-a-time as profile pictures: the decoders are the same."""
    async with limits.upload(user.id):
        yield user


Uploader = Annotated[Account, Depends(_uploading, scope="function")]
PostPictureUploader = Annotated[Account, Depends(_uploading_for_posts, scope="function")]


async def _pending_media(request: Request, storage: MediaStorage) -> PendingMedia:
    return PendingMedia(storage, state_of(request)["sessionmaker"])


MediaChanges = Annotated[PendingMedia, Depends(_pending_media)]
