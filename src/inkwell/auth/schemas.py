from datetime import datetime
from typing import Annotated, Literal, Self

from fastapi import Path
from pydantic import BaseModel, Field, StringConstraints

from inkwell.auth.models import SESSION_ID_LENGTH
from inkwell.auth.rows import ActiveSession
from inkwell.schemas import Input, NoNul, SaysSomething
from inkwell.users.fields import PASSWORD_MAX_LENGTH, Email, Password
from inkwell.users.models import EMAIL_MAX_LENGTH


class LoginForm(BaseModel):
    """The OAuth2 password grant's form; `username` takes the username or the email."""

    grant_type: Literal["password"] | None = None
    username: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=EMAIL_MAX_LENGTH),
        SaysSomething,
        Field(description="The username or the email, in any case"),
    ]
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX_LENGTH)]
    scope: str = ""


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105


class ForgotPassword(Input):
    email: Email


class ResetPassword(Input):
    token: Annotated[str, StringConstraints(min_length=1, max_length=128), NoNul]
    password: Password


class Message(BaseModel):
    detail: str


# A session's id as its owner's list names it (secrets.token_urlsafe).
SessionId = Annotated[
    str, Path(min_length=1, max_length=SESSION_ID_LENGTH, pattern=r"^[A-Za-z0-9_-]+$")
]


class SessionRead(BaseModel):
    id: str
    device: str = Field(description='Summarised from the User-Agent: "Firefox on Windows"')
    created_at: datetime = Field(description="When it signed in")
    last_seen_at: datetime = Field(description="When its access token was last renewed")
    expires_at: datetime = Field(description="When it ends unless used before")
    current: bool = Field(description="Whether the request signed in with this session")

    @classmethod
    def of(cls, row: ActiveSession, *, current: bool) -> Self:
        return cls(
            id=row.id,
            device=row.device,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            current=current,
        )
