"""JWT access tokens: signed with SECRET_KEY, short-lived, tied to the user's security stamp."""

from dataclasses import dataclass
from datetime import timedelta

import jwt

from inkwell.auth.config import AuthSettings
from inkwell.auth.signing import Signer
from inkwell.errors import ErrorCode, Unauthorized
from inkwell.schemas import MAX_ID
from inkwell.users.models import User

AUDIENCE = "inkwell"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105  (a claim value, not a password)


class InvalidToken(Unauthorized):
    code = ErrorCode.TOKEN_INVALID
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}  # noqa: RUF012  (never mutated)

    def __init__(self) -> None:
        super().__init__("Invalid or expired token")


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    security_stamp: str
    # The sign-in session (auth/models.SignInSession) a cookie's token belongs to, which
    # must still exist; None for a bearer token, which only its lifetime and stamp limit.
    session_id: str | None = None


class AccessTokens:
    def __init__(self, *, key: str, algorithm: str, lifetime: timedelta) -> None:
        self._signer = Signer(key, algorithm, AUDIENCE, lifetime)
        self.lifetime = lifetime

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> "AccessTokens":
        return cls(
            key=settings.signing_key,
            algorithm=settings.jwt_algorithm,
            lifetime=timedelta(minutes=settings.access_token_expire_minutes),
        )

    def issue(self, user: User) -> str:
        """A bearer token: valid for its lifetime, while the user's stamp stays the same."""
        return self._signer.sign(user.id, {"typ": ACCESS_TOKEN_TYPE, "stp": user.security_stamp})

    def issue_in_session(self, claims: AccessClaims) -> str:
        """A cookie's token: valid also only while its sign-in session exists."""
        return self._signer.sign(
            claims.user_id,
            {"typ": ACCESS_TOKEN_TYPE, "stp": claims.security_stamp, "sid": claims.session_id},
        )

    def read(self, token: str) -> AccessClaims:
        """Only access tokens: none of another audience or type."""
        try:
            claims = self._signer.verify(token, requires=("typ", "stp"))
        except jwt.InvalidTokenError as exc:
            raise InvalidToken() from exc
        subject, stamp, session_id = claims["sub"], claims["stp"], claims.get("sid")
        if (
            claims["typ"] != ACCESS_TOKEN_TYPE
            or not isinstance(stamp, str)
            or not isinstance(session_id, str | None)
        ):
            raise InvalidToken()
        return AccessClaims(user_id=_user_id(subject), security_stamp=stamp, session_id=session_id)

    def read_bearer(self, token: str) -> AccessClaims:
        """Only a bearer token, for Conduit, whose answers carry a new one: a cookie's token,
        traded there, would become a bearer token outliving its sign-in session."""
        claims = self.read(token)
        if claims.session_id is not None:
            raise InvalidToken()
        return claims


def _user_id(subject: str) -> int:
    if not (subject.isascii() and subject.isdigit() and 1 <= int(subject) <= MAX_ID):
        raise InvalidToken()
    return int(subject)
