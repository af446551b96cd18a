from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, computed_field, model_validator

from inkwell.field_errors import FieldCode, FieldProblem
from inkwell.schemas import Input, NeverNull, NoNul, Schema
from inkwell.users.fields import PASSWORD_MAX_LENGTH, Bio, DisplayName, Email, Password, Username
from inkwell.users.models import USER
from inkwell.users.rows import author_path, picture_path

# A signed token naming the new email (up to 254 characters) with its claims and signature.
CONFIRM_TOKEN_MAX_LENGTH = 2048


class UserCreate(Input):
    username: Username
    email: Email
    password: Password


class UserUpdate(
    Input,
    json_schema_extra={
        "dependentRequired": {"password": ["current_password"], "email": ["current_password"]}
    },
):
    """Only the fields sent change; none may be sent as null. A new email takes effect once
    confirmed through the link sent to it."""

    username: NeverNull[Username] = None
    email: NeverNull[Email] = None
    password: NeverNull[Password] = None
    current_password: NeverNull[Annotated[str, Field(max_length=PASSWORD_MAX_LENGTH)]] = None
    display_name: NeverNull[DisplayName] = None
    bio: NeverNull[Bio] = None
    email_notifications: Annotated[
        NeverNull[bool],
        Field(description="Whether comment notifications are also emailed"),
    ] = None

    @model_validator(mode="after")
    def new_password_or_email_needs_the_current_password(self) -> "UserUpdate":
        for field in ("password", "email"):
            if getattr(self, field) is not None and self.current_password is None:
                raise FieldProblem(
                    f"current_password is required to change the {field}",
                    code=FieldCode.CURRENT_PASSWORD_REQUIRED,
                    message=f"Enter your current password to change your {field}.",
                    field="current_password",
                )
        return self


class ConfirmEmail(Input):
    token: Annotated[
        str, StringConstraints(min_length=1, max_length=CONFIRM_TOKEN_MAX_LENGTH), NoNul
    ]


class UserPublic(Schema):
    id: int
    username: str
    image_file: Annotated[str | None, Field(exclude=True)] = None
    display_name: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_path(self) -> str:
        return picture_path(self.image_file)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        """Their page, `/@username`, percent-encoded."""
        return author_path(self.username)


class UserProfile(UserPublic):
    """A user's public profile: what their page shows."""

    bio: str | None
    created_at: datetime
    post_count: int = Field(description="How many posts they have published")
    follower_count: int = Field(description="How many follow the user")
    following_count: int = Field(description="How many the user follows")
    following: bool = Field(
        description="Whether the signed-in reader follows the user; false for anonymous readers"
    )


class UserPrivate(UserPublic):
    email: str
    created_at: datetime
    bio: str | None = None
    email_notifications: bool = Field(
        description="Whether comment notifications are also emailed (on by default)"
    )
    role: str = Field(
        default=USER,
        description="`user`, or `admin` (who may delete any post or comment, suspend users "
        "and resolve reports)",
    )
