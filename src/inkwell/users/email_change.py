"""A new email takes effect only once a link sent to it is opened.

The link carries a signed token (a JWT of its own audience and type, so it is no access
token and no access token is one) naming the user, the new email and the security stamp
at the time of asking. Confirming changes the stamp, and so does any new password, reset
or sign-out everywhere: after any of them every pending link is void, so a link works once
and no table is needed.
"""

from datetime import timedelta
from email.message import EmailMessage
from typing import Annotated, Literal
from urllib.parse import urlencode

import jwt
from pydantic import BaseModel, Field, ValidationError

from inkwell.auth.signing import Signer
from inkwell.config import Settings
from inkwell.errors import BadRequest, ErrorCode
from inkwell.mail.service import compose
from inkwell.schemas import MAX_ID
from inkwell.users.models import User

AUDIENCE = "inkwell:email-change"
TOKEN_TYPE: Literal["email-change"] = "email-change"  # noqa: S105  (a claim, not a password)


class InvalidConfirmation(BadRequest):
    code = ErrorCode.CONFIRMATION_LINK_INVALID

    def __init__(self) -> None:
        super().__init__("This confirmation link is invalid, used or expired")


class EmailChangeClaims(BaseModel):
    """What a token says, checked again after its signature: only what issue() writes passes."""

    user_id: Annotated[int, Field(alias="sub", ge=1, le=MAX_ID)]
    token_type: Annotated[Literal["email-change"], Field(alias="typ")]
    new_email: Annotated[str, Field(alias="eml")]
    security_stamp: Annotated[str, Field(alias="stp")]


class EmailChangeTokens:
    def __init__(self, *, key: str, algorithm: str, lifetime: timedelta) -> None:
        self._signer = Signer(key, algorithm, AUDIENCE, lifetime)
        self.lifetime = lifetime

    @classmethod
    def from_settings(cls, settings: Settings) -> "EmailChangeTokens":
        return cls(
            key=settings.signing_key,
            algorithm=settings.jwt_algorithm,
            lifetime=timedelta(minutes=settings.email_change_expire_minutes),
        )

    def issue(self, user: User, new_email: str) -> str:
        claims = {"typ": TOKEN_TYPE, "eml": new_email, "stp": user.security_stamp}
        return self._signer.sign(user.id, claims)

    def read(self, token: str) -> EmailChangeClaims:
        """A forged, expired or foreign token is a bad request (400), like a used one."""
        try:
            claims = self._signer.verify(token, requires=("typ", "eml", "stp"))
            return EmailChangeClaims.model_validate(claims)
        except (jwt.InvalidTokenError, ValidationError) as exc:
            raise InvalidConfirmation from exc


def requested_emails(
    settings: Settings, tokens: EmailChangeTokens, user: User, new_email: str
) -> list[EmailMessage]:
    """The link to the new address, and a word to the current one: if someone else asked,
    its owner learns it while the account is still theirs."""
    query = urlencode({"token": tokens.issue(user, new_email)})
    link = f"{settings.public_base_url.rstrip('/')}/confirm-email?{query}"
    minutes = settings.email_change_expire_minutes
    return [
        compose(
            sender=settings.mail_from,
            to=new_email,
            subject="Confirm your new Inkwell email",
            body=(
                f"Hello {user.username},\n\n"
                f"To make this the email of your Inkwell account, open this link within "
                f"{minutes} minutes:\n\n{link}\n\n"
                "If you did not ask for this, ignore this email; nothing changes.\n"
            ),
        ),
        compose(
            sender=settings.mail_from,
            to=user.email,
            subject="Your Inkwell email is about to change",
            body=(
                f"Hello {user.username},\n\n"
                f"Someone signed in to your account, with its password, asked to change its "
                f"email to {new_email}. A link to confirm it was sent there.\n\n"
                "If this was not you, change your password now: that voids the link and "
                "signs everyone else out.\n"
            ),
        ),
    ]


def changed_email(settings: Settings, user: User, old_email: str) -> EmailMessage:
    return compose(
        sender=settings.mail_from,
        to=old_email,
        subject="Your Inkwell email has changed",
        body=(
            f"Hello {user.username},\n\n"
            f"The email of your Inkwell account is now {user.email}, and every session has "
            "ended. This address will no longer receive its emails or password reset links.\n\n"
            "If this was not you, tell the site's administrators: the password can no "
            "longer be reset from this address.\n"
        ),
    )
