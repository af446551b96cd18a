"""What the auth service answers besides its models: plain rows no façade has shaped."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SessionGrant:
    """What a sign-in or a renewal grants: the session and whose it is, and the refresh
    secret the client is to present next time (None when it keeps the one it has: a renewal
    in the grace period of a rotation, see SignInSession)."""

    session_id: str
    user_id: int
    security_stamp: str
    refresh_secret: str | None


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A session as its owner sees it in their list."""

    id: str
    device: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
