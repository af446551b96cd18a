from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Response, status

from inkwell.auth.dependencies import (
    AppSettings,
    ClientAddress,
    PasswordChecks,
    RateLimits,
    SelfUser,
    ViewerId,
)
from inkwell.auth.ratelimit import Action
from inkwell.auth.schemas import Message
from inkwell.body_limits import BodyLimitRoute
from inkwell.dependencies import DbReader, DbSession, Passwords, ResourceId
from inkwell.errors import responses
from inkwell.mail.dependencies import MailerDep
from inkwell.mail.service import deliver
from inkwell.media.dependencies import MediaChanges
from inkwell.media.service import delete_account
from inkwell.users import service
from inkwell.users.email_change import EmailChangeTokens, changed_email, requested_emails
from inkwell.users.schemas import ConfirmEmail, UserCreate, UserPrivate, UserProfile, UserUpdate

router = APIRouter(prefix="/api/users", tags=["users"], route_class=BodyLimitRoute)


async def _email_change_tokens(settings: AppSettings) -> EmailChangeTokens:
    return EmailChangeTokens.from_settings(settings)


EmailChanges = Annotated[EmailChangeTokens, Depends(_email_change_tokens)]


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
    user = await service.register(
        session, passwords, username=data.username, email=data.email, password=data.password
    )
    return UserPrivate.model_validate(user)


@router.get("/{user_id:int}", responses=responses(401, 404), summary="A user's public profile")
async def get_user(user_id: ResourceId, reader: DbReader, viewer_id: ViewerId) -> UserProfile:
    return UserProfile.model_validate(await service.get_profile(reader, user_id, viewer_id))


@router.patch(
    "/{user_id:int}",
    responses={
        202: {
            "model": UserPrivate,
            "description": "A link to confirm the new email is sent to it; the email changes "
            "when it is opened (the rest of the change is already saved)",
        },
        **responses(400, 401, 403, 404, 409, 429),
    },
    summary="Change your username, display name, bio, password or email (a new password signs "
    "you out everywhere; a new email is confirmed by a link sent to it)",
)
async def update_user(
    *,
    user: SelfUser,
    data: UserUpdate,
    session: DbSession,
    passwords: Passwords,
    guard: PasswordChecks,
    settings: AppSettings,
    email_changes: EmailChanges,
    mailer: MailerDep,
    background: BackgroundTasks,
    response: Response,
) -> UserPrivate:
    """A new email needs the current password; the current address is told of the request."""
    changes = data.model_dump(exclude_unset=True)
    new_email = await service.update_user(session, passwords, guard, user, **changes)
    if new_email is not None:
        for message in requested_emails(settings, email_changes, user, new_email):
            background.add_task(deliver, mailer, message)
        response.status_code = status.HTTP_202_ACCEPTED
    return UserPrivate.model_validate(user)


@router.post(
    "/confirm-email",
    responses=responses(400, 409),
    summary="Make the new email the account's, with the token from the link sent to it",
)
async def confirm_email(
    *,
    data: ConfirmEmail,
    session: DbSession,
    settings: AppSettings,
    email_changes: EmailChanges,
    mailer: MailerDep,
    background: BackgroundTasks,
) -> Message:
    """Ends every session and voids pending reset links; the old address is told. A used,
    expired or superseded link (any sign-out everywhere or new password since) is a 400."""
    user, old_email = await service.confirm_email(session, email_changes.read(data.token))
    background.add_task(deliver, mailer, changed_email(settings, user, old_email))
    return Message(detail="Your email is changed and every session has ended; sign in again.")


@router.delete(
    "/{user_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 403, 404),
    summary="Delete your account, all its posts and every picture it uploaded",
)
async def delete_user(user: SelfUser, session: DbSession, media: MediaChanges) -> None:
    await delete_account(session, media, user)
