"""Imports every domain's models so that `Base.metadata` knows all tables (Alembic, tests)."""

from inkwell.auth.models import PasswordResetToken
from inkwell.posts.models import Post
from inkwell.users.models import User

__all__ = ["PasswordResetToken", "Post", "User"]
