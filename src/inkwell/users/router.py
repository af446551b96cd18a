from fastapi import APIRouter, status

from inkwell.auth.dependencies import ClientAddress, PasswordChecks, RateLimits, SelfUser
from inkwell.auth.ratelimit import Action
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import DbReader, DbSession, Passwords, ResourceId
from inkwell.errors import responses
from inkwell.media.dependencies import MediaChanges
from inkwell.media.service import forget_picture
from inkwell.users import service
from inkwell.users.schemas import UserCreate, UserPrivate, UserPublic, UserUpdate

router = APIRouter(prefix="/api/users", tags=["users"], route_class=BodyLimitRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=responses(409, 429),
    summary="Register a new account",
)
async def register(
    data: UserCreate,
    session: DbSession,
    passwords: Passwords,
    limiter: RateLimits,
    address: ClientAddress,
) -> UserPrivate:
    await limiter.spend(Action.REGISTER, address=address, accounts=[data.username, data.email])
    user = await service.register(session, passwords, data)
    return UserPrivate.model_validate(user)


@router.get("/{user_id:int}", responses=responses(404), summary="A user's public profile")
async def get_user(user_id: ResourceId, reader: DbReader) -> UserPublic:
    return await service.get_profile(reader, user_id)


@router.patch(
    "/{user_id:int}",
    responses=responses(400, 401, 403, 404, 409, 429),
    summary="Change your username, email or password (a new password signs you out everywhere)",
)
async def update_user(
    user: SelfUser,
    data: UserUpdate,
    session: DbSession,
    passwords: Passwords,
    guard: PasswordChecks,
) -> UserPrivate:
    updated = await service.update_user(session, passwords, guard, user, data)
    return UserPrivate.model_validate(updated)


@router.delete(
    "/{user_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403, 404),
    summary="Delete your account, all its posts and its picture",
)
async def delete_user(user: SelfUser, session: DbSession, media: MediaChanges) -> None:
    forget_picture(session, media, user)
    await service.delete_user(session, user)
