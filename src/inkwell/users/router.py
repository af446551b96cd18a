from fastapi import APIRouter, status

from inkwell.dependencies import DbSession, Passwords, ResourceId
from inkwell.errors import responses
from inkwell.media.dependencies import MediaChanges
from inkwell.media.service import forget_picture
from inkwell.users import service
from inkwell.users.schemas import UserCreate, UserPrivate, UserPublic, UserUpdate

router = APIRouter(prefix="/api/users", tags=["users"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=responses(409),
    summary="Register a new account",
)
async def register(data: UserCreate, session: DbSession, passwords: Passwords) -> UserPrivate:
    user = await service.register(session, passwords, data)
    return UserPrivate.model_validate(user)


@router.get("/{user_id}", responses=responses(404), summary="A user's public profile")
async def get_user(user_id: ResourceId, session: DbSession) -> UserPublic:
    return UserPublic.model_validate(await service.get_user(session, user_id))


@router.patch(
    "/{user_id}",
    responses=responses(400, 404, 409),
    summary="Change username, email or password",
)
async def update_user(
    user_id: ResourceId, data: UserUpdate, session: DbSession, passwords: Passwords
) -> UserPrivate:
    user = await service.get_user(session, user_id)
    return UserPrivate.model_validate(await service.update_user(session, passwords, user, data))


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(404),
    summary="Delete the account, all its posts and its picture",
)
async def delete_user(user_id: ResourceId, session: DbSession, media: MediaChanges) -> None:
    user = await service.get_user(session, user_id)
    forget_picture(session, media, user)
    await service.delete_user(session, user)
