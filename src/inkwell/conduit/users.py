"""Conduit's users, the current user and profiles: Inkwell's accounts and follows."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from inkwell.abuse.dependencies import WriteBudget, write_limit
from inkwell.auth import service as auth
from inkwell.auth.dependencies import (
    AppSettings,
    ClientAddress,
    PasswordChecks,
    RateLimits,
    Tokens,
)
from inkwell.auth.ratelimit import Action
from inkwell.conduit.dependencies import ConduitUser, ConduitViewerId, conduit_user
from inkwell.conduit.errors import ConduitError
from inkwell.conduit.routing import ConduitRoute, documented
from inkwell.conduit.schemas import (
    LoginRequest,
    NewUserRequest,
    ProfileResponse,
    UpdateUserRequest,
    UserResponse,
)
from inkwell.conduit.shapes import image, profile
from inkwell.config import Settings
from inkwell.dependencies import NO_STORE, DbReader, DbSession, Passwords
from inkwell.follows import service as follows
from inkwell.media import service as media
from inkwell.media.dependencies import MediaChanges
from inkwell.users import service as users
from inkwell.users.models import USERNAME_MAX_LENGTH, User
from inkwell.users.rows import AuthorProfile

router = APIRouter(route_class=ConduitRoute)

# What a frontend sends as a username in a path, before NFKC and the lookup key.
ProfileName = Annotated[str, Path(min_length=1, max_length=4 * USERNAME_MAX_LENGTH)]


def _user(settings: AppSettings, user: User, token: str) -> UserResponse:
    return UserResponse.model_validate(
        {
            "user": {
                "email": user.email,
                "token": token,
                "username": user.username,
                "bio": user.bio,
                "image": image(settings.public_base_url, user.image_url, user.image_file),
            }
        }
    )


@router.post(
    "/users/login",
    tags=["User and Authentication"],
    responses=documented(401, 403, 422, 429),
    summary="Existing user login",
    dependencies=[NO_STORE],
)
async def login(
    data: LoginRequest,
    session: DbSession,
    guard: PasswordChecks,
    tokens: Tokens,
    settings: AppSettings,
) -> UserResponse:
    """By email (Inkwell also takes the username), within Inkwell's sign-in limits."""
    user = await auth.authenticate(session, guard, data.user.email, data.user.password)
    return _user(settings, user, tokens.issue(user))


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    tags=["User and Authentication"],
    responses=documented(409, 422, 429),
    summary="Register a new user",
    dependencies=[NO_STORE],
)
async def register(
    *,
    data: NewUserRequest,
    session: DbSession,
    passwords: Passwords,
    limiter: RateLimits,
    address: ClientAddress,
    tokens: Tokens,
    settings: AppSettings,
) -> UserResponse:
    new = data.user
    await limiter.spend(Action.REGISTER, address=address, accounts=[new.username, new.email])
    user = await users.register(
        session, passwords, username=new.username, email=new.email, password=new.password
    )
    return _user(settings, user, tokens.issue(user))


@router.get(
    "/user",
    tags=["User and Authentication"],
    responses=documented(401, 422),
    summary="Get current user",
    dependencies=[NO_STORE],
)
async def current_user(user: ConduitUser, tokens: Tokens, settings: AppSettings) -> UserResponse:
    return _user(settings, user, tokens.issue(user))


@router.put(
    "/user",
    tags=["User and Authentication"],
    responses=documented(401, 409, 422),
    summary="Update current user",
    dependencies=[NO_STORE],
)
async def update_user(
    *,
    data: UpdateUserRequest,
    user: ConduitUser,
    session: DbSession,
    passwords: Passwords,
    guard: PasswordChecks,
    tokens: Tokens,
    settings: AppSettings,
    media_changes: MediaChanges,
) -> UserResponse:
    """The username, bio and image change here; `null` or `""` clears the bio or the image
    (an image uploaded to Inkwell too). The email and the password change in Inkwell's
    settings (with the current password): sending them unchanged (or empty) is fine,
    sending new ones is a 422."""
    changes = data.user
    if changes.email is not None and changes.email != user.email:
        raise ConduitError(422, "email", "can only be changed in Inkwell's account settings")
    if changes.password:
        raise ConduitError(422, "password", "can only be changed in Inkwell's account settings")
    bio = (changes.bio or "") if "bio" in changes.model_fields_set else None
    current_image = image(settings.public_base_url, user.image_url, user.image_file)
    if "image" in changes.model_fields_set and changes.image != current_image:
        await media.set_picture_address(session, media_changes, user, changes.image)
    await users.update_user(session, passwords, guard, user, username=changes.username, bio=bio)
    return _user(settings, user, tokens.issue(user))


@router.get(
    "/profiles/{username}",
    tags=["Profile"],
    responses=documented(401, 404, 422),
    summary="Get a profile",
)
async def get_profile(
    username: ProfileName, reader: DbReader, viewer_id: ConduitViewerId, settings: AppSettings
) -> ProfileResponse:
    found = await users.get_profile_by_username(reader, username, viewer_id)
    return ProfileResponse.model_validate({"profile": profile(settings.public_base_url, found)})


@router.post(
    "/profiles/{username}/follow",
    tags=["Profile"],
    responses=documented(401, 404, 422, 429),
    summary="Follow a user",
)
async def follow(
    *,
    username: ProfileName,
    user: ConduitUser,
    budget: Annotated[WriteBudget, Depends(write_limit("follows", writer=conduit_user))],
    session: DbSession,
    reader: DbReader,
    settings: AppSettings,
) -> ProfileResponse:
    await budget.spend()
    found = await users.get_profile_by_username(reader, username, user.id)
    quiet = timedelta(hours=settings.follow_notification_quiet_hours)
    await follows.follow(session, user.id, found.id, notification_quiet=quiet)
    return _followed(settings, found, following=True)


@router.delete(
    "/profiles/{username}/follow",
    tags=["Profile"],
    responses=documented(401, 404, 422),
    summary="Unfollow a user",
)
async def unfollow(
    username: ProfileName,
    user: ConduitUser,
    session: DbSession,
    reader: DbReader,
    settings: AppSettings,
) -> ProfileResponse:
    found = await users.get_profile_by_username(reader, username, user.id)
    await follows.unfollow(session, user.id, found.id)
    return _followed(settings, found, following=False)


def _followed(settings: Settings, found: AuthorProfile, *, following: bool) -> ProfileResponse:
    """The profile as (un)following it left it: the read before the write, and its result."""
    answer = {**profile(settings.public_base_url, found), "following": following}
    return ProfileResponse.model_validate({"profile": answer})
