"""The media domain's dependencies: the storage backend, the image processor and the
storage changes tied to the request's transaction."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from inkwell.dependencies import app_state
from inkwell.media.images import PictureProcessor
from inkwell.media.pending import PendingMedia
from inkwell.media.storage import Storage

MediaStorage = Annotated[Storage, Depends(app_state("storage"))]
Pictures = Annotated[PictureProcessor, Depends(app_state("picture_processor"))]


async def _pending_media(storage: MediaStorage) -> AsyncIterator[PendingMedia]:
    """Request scope: it settles after the function-scoped DbSession committed or rolled back
    (after the response was sent, on success), whatever happened."""
    pending = PendingMedia(storage)
    try:
        yield pending
    finally:
        await pending.settle()


MediaChanges = Annotated[PendingMedia, Depends(_pending_media, scope="request")]
