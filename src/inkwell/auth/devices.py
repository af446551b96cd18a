"""Known devices: a client that signed in to an account before is not slowed down by a
stranger's wrong passwords for that account (OWASP's "device cookies").

Per account, failed password checks make the next attempts wait (ratelimit.FailureDelays).
A stranger who spends one failure each time the delay runs out could keep the owner
waiting for good. So sign-in hands the client a signed cookie naming the account and a
random device id; a password check that presents it is counted on that device's own
failures, apart from everyone else's. A cookie proves only that its bearer once knew the
password: it opens nothing by itself, and the per-address limits hold for it as for all.
"""

import secrets
from datetime import timedelta

import jwt
from fastapi import Request, Response

from inkwell.auth.config import AuthSettings
from inkwell.auth.cookies import secure_cookies
from inkwell.auth.signing import Signer

DEVICE_COOKIE = "inkwell_device"
# Sent wherever passwords are checked: the API's sign-in and account changes, and the
# pages' forms that do the same without JavaScript (/login, /account/password, ...).
DEVICE_COOKIE_PATH = "/"
AUDIENCE = "inkwell:device"


class KnownDevices:
    def __init__(self, *, key: str, algorithm: str, lifetime: timedelta) -> None:
        self._signer = Signer(key, algorithm, AUDIENCE, lifetime)
        self.lifetime = lifetime

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> "KnownDevices":
        return cls(
            key=settings.signing_key,
            algorithm=settings.jwt_algorithm,
            lifetime=timedelta(days=settings.known_device_days),
        )

    def remember(
        self, request: Request, response: Response, public_base_url: str, user_id: int
    ) -> None:
        """After a right password: this client is now a known device of the account."""
        response.set_cookie(
            DEVICE_COOKIE,
            self._signer.sign(user_id, {"jti": secrets.token_urlsafe(16)}),
            max_age=int(self.lifetime.total_seconds()),
            path=DEVICE_COOKIE_PATH,
            secure=secure_cookies(request, public_base_url),
            httponly=True,
            samesite="strict",
        )

    def device_of(self, request: Request, user_id: int) -> str | None:
        """The id of the device the request's cookie names for this account, if it does."""
        cookie = request.cookies.get(DEVICE_COOKIE)
        if cookie is None:
            return None
        try:
            claims = self._signer.verify(cookie, requires=("jti",))
        except jwt.InvalidTokenError:
            return None
        device = claims["jti"]
        if claims["sub"] != str(user_id) or not isinstance(device, str):
            return None
        return device
