from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from inkwell.schemas import Input, NoNul, SaysSomething
from inkwell.users.models import EMAIL_MAX_LENGTH
from inkwell.users.schemas import PASSWORD_MAX_LENGTH, Email, Password


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
