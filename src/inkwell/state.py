"""The application's state: what the lifespan makes and every request shares.

The lifespan yields a `State`; the server copies it into each request's scope, mounted
sub-applications included (they get the same scope), so a dependency reads it from there
rather than from `app.state`, which belongs to one application only.
"""

from typing import TypedDict, cast

from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from inkwell.abuse.limits import WriteLimits
from inkwell.auth.devices import KnownDevices
from inkwell.auth.ratelimit import RateLimiter
from inkwell.auth.tokens import AccessTokens
from inkwell.caching.middleware import AnonymousCache
from inkwell.config import Settings
from inkwell.db import Reader
from inkwell.mail.service import Mailer
from inkwell.media.images import PictureProcessor
from inkwell.media.limits import UploadLimits
from inkwell.media.storage import Storage
from inkwell.notifications.emails import Outbox
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.security import PasswordHasher


class State(TypedDict):
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    reader: Reader
    password_hasher: PasswordHasher
    access_tokens: AccessTokens
    known_devices: KnownDevices
    rate_limiter: RateLimiter
    mailer: Mailer
    templates: Jinja2Templates
    storage: Storage
    picture_processor: PictureProcessor
    upload_limits: UploadLimits
    write_limits: WriteLimits
    outbox: Outbox
    markdown: MarkdownRenderer
    # Read by caching.middleware under this name (STATE_KEY).
    anonymous_cache: AnonymousCache


def state_of(connection: HTTPConnection) -> State:
    """The State as this request sees it: the request's own copy of what the lifespan yielded."""
    return cast(State, connection.scope["state"])
