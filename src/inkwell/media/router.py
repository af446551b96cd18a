from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile

from inkwell.dependencies import DbSession, ResourceId
from inkwell.errors import responses
from inkwell.media import service
from inkwell.media.dependencies import MediaChanges, Pictures
from inkwell.media.uploads import UploadLimitRoute
from inkwell.users.models import User
from inkwell.users.schemas import UserPrivate
from inkwell.users.service import get_user

router = APIRouter(prefix="/api/users", tags=["pictures"], route_class=UploadLimitRoute)


async def _picture_owner(user_id: ResourceId, session: DbSession) -> User:
    """The user whose picture changes; auth's `SelfUser` takes this place once it lands."""
    return await get_user(session, user_id)


PictureOwner = Annotated[User, Depends(_picture_owner)]


@router.put(
    "/{user_id}/picture",
    responses=responses(404, 409, 413, 415, 503),
    summary="Upload a profile picture (JPEG, PNG, WebP or GIF; multipart field `file`)",
)
async def upload_picture(
    user: PictureOwner,
    file: Annotated[UploadFile, File(description="A JPEG, PNG, WebP or GIF image")],
    session: DbSession,
    pictures: Pictures,
    changes: MediaChanges,
) -> UserPrivate:
    user = await service.replace_picture(session, pictures, changes, user, file)
    return UserPrivate.model_validate(user)


@router.delete(
    "/{user_id}/picture",
    responses=responses(404, 409),
    summary="Remove the profile picture; the default avatar takes its place",
)
async def delete_picture(
    user: PictureOwner, session: DbSession, changes: MediaChanges
) -> UserPrivate:
    user = await service.remove_picture(session, changes, user)
    return UserPrivate.model_validate(user)
