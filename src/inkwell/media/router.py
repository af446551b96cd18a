from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status

from inkwell.auth.dependencies import SelfUser
from inkwell.dependencies import DbSession
from inkwell.errors import responses
from inkwell.media import service
from inkwell.media.dependencies import MediaChanges, Pictures, PostPictureUploader, Uploader
from inkwell.media.schemas import UploadedPicture
from inkwell.media.uploads import UploadLimitRoute
from inkwell.users.rows import MEDIA_URL_PREFIX
from inkwell.users.schemas import UserPrivate

router = APIRouter(prefix="/api/users", tags=["pictures"], route_class=UploadLimitRoute)
uploads_router = APIRouter(prefix="/api", tags=["pictures"], route_class=UploadLimitRoute)
PictureFile = Annotated[UploadFile, File(description="A JPEG, PNG, WebP or GIF image")]


@router.put(
    "/{user_id:int}/picture",
    responses=responses(401, 403, 404, 409, 413, 415, 422, 429, 503),
    summary="Upload a profile picture (JPEG, PNG, WebP or GIF; multipart field `file`)",
)
async def upload_picture(
    user: Uploader,
    file: PictureFile,
    session: DbSession,
    pictures: Pictures,
    changes: MediaChanges,
) -> UserPrivate:
    account = await service.replace_picture(session, pictures, changes, user, file)
    return UserPrivate.model_validate(account)


@router.delete(
    "/{user_id:int}/picture",
    responses=responses(401, 403, 404, 409),
    summary="Remove the profile picture; the default avatar takes its place",
)
async def delete_picture(user: SelfUser, session: DbSession, changes: MediaChanges) -> UserPrivate:
    user = await service.remove_picture(session, changes, user)
    return UserPrivate.model_validate(user)


@uploads_router.post(
    "/uploads",
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 413, 415, 422, 429, 503),
    summary="Upload a picture for a post (JPEG, PNG, WebP or GIF; multipart field `file`)",
)
async def upload_post_picture(
    user: PostPictureUploader,
    file: PictureFile,
    session: DbSession,
    pictures: Pictures,
    changes: MediaChanges,
) -> UploadedPicture:
    """Stored as a WebP at most 1600 pixels wide, without its metadata; the answer's `url` goes
    into the post as `![what it shows](url)`. Same limits as a profile picture."""
    key = await service.store_post_picture(session, pictures, changes, user.id, file)
    return UploadedPicture(url=MEDIA_URL_PREFIX + key)
