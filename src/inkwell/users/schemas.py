from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field, StringConstraints, computed_field

from inkwell.auth.passwords import refuse_common
from inkwell.schemas import Input, NoNul, Patch, Schema
from inkwell.users.models import EMAIL_MAX_LENGTH, USERNAME_MAX_LENGTH

DEFAULT_AVATAR_PATH = "/static/img/default-avatar.svg"
MEDIA_URL_PREFIX = "/media/"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=USERNAME_MAX_LENGTH,
        pattern=r"^[\w.-]+$",
    ),
    Field(description="Letters, digits, `_`, `.` and `-`; unique regardless of case."),
]
Email = Annotated[
    EmailStr,
    Field(max_length=EMAIL_MAX_LENGTH),
    AfterValidator(str.lower),
]
# Passwords are taken exactly as typed: no stripping, no composition rules, no truncation;
# only the most common ones are refused.
Password = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH),
    NoNul,
    AfterValidator(refuse_common),
]


class UserCreate(Input):
    username: Username
    email: Email
    password: Password


class UserUpdate(Patch):
    username: Username | None = None
    email: Email | None = None
    password: Password | None = None
    current_password: Annotated[str, Field(max_length=PASSWORD_MAX_LENGTH)] | None = None


class UserPublic(Schema):
    id: int
    username: str
    image_file: Annotated[str | None, Field(exclude=True)] = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_path(self) -> str:
        if self.image_file is None:
            return DEFAULT_AVATAR_PATH
        return MEDIA_URL_PREFIX + self.image_file


class UserPrivate(UserPublic):
    email: str
    created_at: datetime
