"""`AdminUser`: the signed-in user, if they are an admin (401 anonymous, 403 otherwise)."""

from typing import Annotated

from fastapi import Depends

from inkwell.auth.dependencies import CurrentUser
from inkwell.moderation.service import require_admin
from inkwell.users.models import User


async def _admin_user(user: CurrentUser) -> User:
    return require_admin(user)


AdminUser = Annotated[User, Depends(_admin_user)]
