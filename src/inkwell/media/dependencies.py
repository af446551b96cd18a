"""The media domain's dependencies: the storage backend, the image processor and the
storage changes tied to the request's transaction."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from inkwell.media.images import PictureProcessor
from inkwell.media.pending import PendingMedia
from inkwell.media.storage import Storage


async def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


MediaStorage = Annotated[Storage, Depends(_storage)]


async def _picture_processor(request: Request) -> PictureProcessor:
    processor: PictureProcessor = request.app.state.picture_processor
    return processor


Pictures = Annotated[PictureProcessor, Depends(_picture_processor)]


async def _pending_media(storage: MediaStorage) -> AsyncIterator[PendingMedia]:
    """Request scope: it settles after the function-scoped DbSession committed or rolled back
    (after the response was sent, on success), whatever happened."""
    pending = PendingMedia(storage)
    try:
        yield pending
    finally:
        await pending.settle()


MediaChanges = Annotated[PendingMedia, Depends(_pending_media, scope="request")]
