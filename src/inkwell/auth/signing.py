"""Signed tokens (JWTs) in one shape for every use: access tokens, known-device cookies and
email-change links. Each use has an audience of its own, so that a token made for one is
refused by the others, and only the configured algorithm is accepted (never `none`)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from inkwell.db import utcnow


@dataclass(frozen=True, slots=True)
class Signer:
    key: str
    algorithm: str
    audience: str
    lifetime: timedelta

    def sign(self, subject: int, claims: Mapping[str, object]) -> str:
        """A token naming `subject`, valid for `lifetime` from now, carrying `claims`."""
        now = utcnow()
        registered = {"sub": str(subject), "aud": self.audience, "iat": now}
        return jwt.encode(
            {**registered, "exp": now + self.lifetime, **claims},
            self.key,
            algorithm=self.algorithm,
        )

    def verify(self, token: str, *, requires: Iterable[str]) -> dict[str, Any]:
        """The claims of a token this signer made, unexpired, with every claim `sign` writes
        and those in `requires`; raises jwt.InvalidTokenError otherwise."""
        return jwt.decode(
            token,
            self.key,
            algorithms=[self.algorithm],
            audience=self.audience,
            options={"require": ["sub", "aud", "iat", "exp", *requires]},
        )
