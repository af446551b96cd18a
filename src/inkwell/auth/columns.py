"""What another domain's statement adds to read a signed-in request's session in the same
round trip (users.service.get_account checks a cookie's token with it)."""

from sqlalchemy import Exists, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from inkwell.auth.models import SignInSession


def session_exists(user_id: InstrumentedAttribute[int], session_id: ColumnElement[str]) -> Exists:
    """Whether the sign-in session still exists (a primary-key probe): logging out or ending
    it from the list of sessions voids its access token at once."""
    return (
        select(SignInSession.id)
        .where(SignInSession.id == session_id, SignInSession.user_id == user_id)
        .exists()
    )
