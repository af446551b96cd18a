"""The cached read path: the routes every anonymous reader shares, answered from memory.

`SharedResponsesMiddleware` sits inside the security headers and the access log (they are
added to every answer, cached or not) and outside everything else, so a hit costs no
routing, no dependency and no database. For the routes in `SHARED_ROUTES`:

- A request is anonymous when it carries no `Authorization` header and none of the sign-in
  cookies (session, refresh, CSRF), valid or not: an expired session cookie still renews,
  sets cookies and may show a navbar, so it is answered by the app, never from the cache,
  and what it is answered is never kept.
- An anonymous 200 gets a weak ETag (a hash of its bytes), a Last-Modified (the public
  generation's last change, see `generation.last_modified`), `Cache-Control: public,
  max-age=0, s-maxage=SHARED_CACHE_SECONDS` (unless the route says otherwise, as feeds do)
  and `Vary: Cookie, Authorization`; a conditional request that matches is answered 304.
- A signed-in answer, whatever its status, gets `Cache-Control: private, no-store` and the
  same Vary.
- An anonymous GET of a kept route's first page (no `cursor`, no `skip` past 0) is kept:
  status 200, no Set-Cookie, no `private` or `no-store`, rendered wholly within the
  generation it began in. It is served while that generation is current, for at most
  ANONYMOUS_CACHE_SECONDS, to anonymous GETs (a HEAD reaches the cache as its GET, and
  operations/head.py drops the body).

Misses are coalesced: an anonymous GET of a first page that misses (a cold start, or the
first reads after a write) renders as the leader of its key, recorded in `flights` until
its answer is known. A GET of the same key arriving meanwhile, in the same generation, once
the leader has been routed to a KEPT route, waits for the leader's entry (at most
ANONYMOUS_CACHE_WAIT_SECONDS) and is answered it as a hit would be, 304 included. When the
leader's answer is not kept (not a 200, a cookie, private, a write during the render, an
exception, a cancellation) or the wait runs out, each waiter renders for itself. Requests
that would not be kept (credentials, later pages) never wait, and a hit never looks.
"""

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import Enum, auto
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inkwell.auth.cookies import CSRF_COOKIE, REFRESH_COOKIE, SESSION_COOKIE
from inkwell.caching.conditional import NOT_MODIFIED_HEADERS, not_modified, weak_etag
from inkwell.caching.config import CacheSettings
from inkwell.caching.generation import PublicGeneration, last_modified
from inkwell.caching.store import Entry, RawHeaders, ResponseStore, entry_size

STATE_KEY = "anonymous_cache"
PRIVATE = "private, no-store"
VARY = "Cookie, Authorization"
# Longer queries are someone's own (or junk): answered, validated, not kept.
KEPT_QUERY_MAX_LENGTH = 256


class Sharing(Enum):
    VALIDATED = auto()  # validators, 304 and a public Cache-Control; not kept in memory
    KEPT = auto()  # and its first page kept in memory


# Route paths, as declared. create_app checks that each one is a route of the app.
SHARED_ROUTES: dict[str, Sharing] = {
    "/": Sharing.KEPT,
    "/posts/{address}": Sharing.KEPT,
    "/@{username}": Sharing.KEPT,
    "/tags/{tag}": Sharing.KEPT,
    "/feed.atom": Sharing.KEPT,
    "/@{username}/feed.atom": Sharing.KEPT,
    "/tags/{tag}/feed.atom": Sharing.KEPT,
    "/api/posts": Sharing.KEPT,
    "/api/posts/{post_id:int}": Sharing.KEPT,
    "/api/posts/{post_id:int}/comments": Sharing.KEPT,
    "/api/users/{user_id:int}": Sharing.KEPT,
    "/api/users/{user_id:int}/posts": Sharing.KEPT,
    "/api/tags": Sharing.KEPT,
    "/search": Sharing.VALIDATED,
    "/api/search": Sharing.VALIDATED,
    # Crawlers poll these; a sitemap's files stream, so are never held to be validated.
    "/sitemap.xml": Sharing.VALIDATED,
    "/robots.txt": Sharing.VALIDATED,
}

# A cookie whose name holds a sign-in cookie's: the app's parser (Starlette's) strips any
# whitespace around a name (`inkwell_session =`, `\x1finkwell_session=`), and one read wider
# than the app reads it only bypasses the cache.
_SIGN_IN_COOKIE = re.compile(
    rb"(?:^|;)[^;=]*(?:%b)[^;=]*="
    % b"|".join(re.escape(name.encode()) for name in (SESSION_COOKIE, REFRESH_COOKIE, CSRF_COOKIE))
)


def carries_credentials(scope: Scope) -> bool:
    """An Authorization header or a sign-in cookie, whether or not it signs anyone in."""
    for name, value in scope["headers"]:
        if name == b"authorization" or (name == b"cookie" and _SIGN_IN_COOKIE.search(value)):
            return True
    return False


def _first_page(query: bytes) -> bool:
    if len(query) > KEPT_QUERY_MAX_LENGTH:
        return False
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name == "cursor" or (name == "skip" and value.strip() not in ("", "0")):
            return False
    return True


def _key(scope: Scope) -> str:
    host = next((value for name, value in scope["headers"] if name == b"host"), b"")
    path = scope.get("raw_path") or scope["path"].encode()
    key = b"%b://%b%b?%b" % (scope["scheme"].encode(), host, path, scope["query_string"])
    return key.decode("latin-1")


@dataclass(slots=True, eq=False)
class _Flight:
    """A miss being rendered by its leader, and the entry it comes to (None: not kept)."""

    key: str
    generation: tuple[int, int]
    scope: Scope  # the leader's: the router notes its route there before the endpoint runs
    root_path: str
    outcome: "asyncio.Future[Entry | None]"
    waiting: int = 0  # the requests waiting for it now (for the tests and metrics)

    def worth_waiting_for(self) -> bool:
        """Routed, to a route whose answers are kept: a request of the same key would be too.
        Not routed yet (it has not been, as far as is known): not worth waiting for."""
        return _route_sharing(self.scope, self.root_path) is Sharing.KEPT


@dataclass(slots=True)
class AnonymousCache:
    """The store and the generation it is checked against, with the settings that shape
    what the middleware answers."""

    store: ResponseStore
    generation: PublicGeneration
    lifetime: float
    public_cache_control: str
    wait: float = 0.0  # the longest a miss waits for the same key's render; 0: never
    kept: int = field(default=0)  # entries kept since start (for the tests and metrics)
    # The misses being rendered, by key: one per key at most, each removed once answered.
    flights: dict[str, _Flight] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: CacheSettings, redis_url: str | None) -> "AnonymousCache":
        store = ResponseStore(settings.anonymous_cache_bytes)
        generation = PublicGeneration.for_settings(settings, redis_url)
        generation.on_change(store.clear)
        return cls(
            store,
            generation,
            settings.anonymous_cache_seconds,
            f"public, max-age=0, s-maxage={settings.shared_cache_seconds}",
            settings.anonymous_cache_wait_seconds,
        )

    def enabled(self) -> bool:
        return self.store.capacity > 0

    def lead(self, key: str, scope: Scope) -> _Flight:
        """Records the request of `scope` as rendering the miss of `key`."""
        outcome: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        flight = _Flight(key, self.generation.current(), scope, scope.get("root_path", ""), outcome)
        self.flights[key] = flight  # replaces one of an older generation, if any
        return flight

    def land(self, flight: _Flight, entry: Entry | None) -> None:
        """The flight's answer is known: its waiters are woken and its key is free (again and
        again, harmlessly: the leader lands its flight once more whatever ends its request)."""
        if self.flights.get(flight.key) is flight:
            del self.flights[flight.key]
        if not flight.outcome.done():
            flight.outcome.set_result(entry)

    async def _sync_while_serving(self) -> AsyncIterator[None]:
        """With Redis: reads the shared generation now, then every CACHE_SYNC_SECONDS."""
        generation = self.generation
        if not generation.shared_through_redis():
            yield
            return
        await generation.sync()
        try:
            async with generation.syncing():
                yield
        finally:
            await generation.close()

    # Not @asynccontextmanager: mutmut mutates no decorated function (make mutation).
    syncing = asynccontextmanager(_sync_while_serving)


def _route_sharing(scope: Scope, root_path: str) -> Sharing | None:
    """The sharing of the route that answered; a mounted application's routes (Conduit's),
    whose paths are relative to their mount, are none of SHARED_ROUTES."""
    route = scope.get("route")
    if not isinstance(route, BaseRoute) or scope.get("root_path", "") != root_path:
        return None
    return SHARED_ROUTES.get(getattr(route, "path", ""))


class SharedResponsesMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache: AnonymousCache | None = scope.get("state", {}).get(STATE_KEY)
        if scope["type"] != "http" or scope["method"] != "GET" or cache is None:
            await self.app(scope, receive, send)
            return
        anonymous = not carries_credentials(scope)
        key = None
        if anonymous and cache.enabled() and cache.generation.fresh():
            key = _key(scope)
            entry = cache.store.get(key, cache.generation.current())
            if entry is not None:
                await _send_entry(scope, entry, send)
                return
            if cache.wait > 0 and _first_page(scope["query_string"]):
                await self._coalesced(cache, key, scope, receive, send)
                return
        exchange = _Exchange(cache, scope, send, anonymous=anonymous, key=key)
        await self.app(scope, receive, exchange.send)

    async def _coalesced(
        self, cache: AnonymousCache, key: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """An anonymous miss that may be kept: the first of its key (and generation) renders
        it, the others wait for its entry; whatever does not come to one renders itself."""
        flight = cache.flights.get(key)
        if flight is None or flight.generation != cache.generation.current():
            flight = cache.lead(key, scope)
            exchange = _Exchange(cache, scope, send, anonymous=True, key=key, flight=flight)
            try:
                await self.app(scope, receive, exchange.send)
            finally:
                cache.land(flight, None)
            return
        if flight.worth_waiting_for():
            flight.waiting += 1
            try:
                async with asyncio.timeout(cache.wait):
                    # Shielded: a waiter timing out or cancelled leaves it to the others.
                    entry = await asyncio.shield(flight.outcome)
            except TimeoutError:
                entry = None
            finally:
                flight.waiting -= 1
            generation = cache.generation
            if (
                entry is not None
                and entry.generation == generation.current()
                and generation.fresh()
            ):
                await _send_entry(scope, entry, send)
                return
        exchange = _Exchange(cache, scope, send, anonymous=True, key=key)
        await self.app(scope, receive, exchange.send)


async def _send_entry(scope: Scope, entry: Entry, send: Send) -> None:
    if not_modified(Headers(scope=scope), entry.etag, entry.last_modified):
        await _send_not_modified(entry.headers, send)
        return
    await send({"type": "http.response.start", "status": 200, "headers": list(entry.headers)})
    await send({"type": "http.response.body", "body": entry.body})


async def _send_not_modified(headers: RawHeaders, send: Send) -> None:
    kept = [(name, value) for name, value in headers if name.decode() in NOT_MODIFIED_HEADERS]
    await send({"type": "http.response.start", "status": 304, "headers": kept})
    await send({"type": "http.response.body", "body": b""})


def _add_vary(headers: MutableHeaders) -> None:
    present = headers.get("vary")
    headers["vary"] = f"{present}, {VARY}" if present else VARY


def _private(start: Message) -> None:
    """A signed-in answer: for no one else, and never kept."""
    headers = MutableHeaders(scope=start)
    headers["cache-control"] = PRIVATE
    _add_vary(headers)


class _Exchange:
    """One request's answer on its way out: shared routes' answers are held until their
    body is complete, given their headers, answered 304 or sent, and kept when they may be."""

    def __init__(
        self,
        cache: AnonymousCache,
        scope: Scope,
        send: Send,
        *,
        anonymous: bool,
        key: str | None,
        flight: _Flight | None = None,
    ) -> None:
        self.cache = cache
        self.scope = scope
        self.downstream = send
        self.anonymous = anonymous
        self.key = key
        self.flight = flight  # when this request leads its key's render
        # What the answer is rendered from: read before the app reads anything.
        self.generation = cache.generation.current()
        self.changed_at = cache.generation.changed_at
        self.began_at = time.time()
        self.root_path = scope.get("root_path", "")
        self.sharing: Sharing | None = None
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.sharing = _route_sharing(self.scope, self.root_path)
            if self.sharing is not None and not self.anonymous:
                # Whatever its status: a draft's page moves its author to the draft's slug.
                _private(message)
            if self.sharing is None or message["status"] != 200 or not self.anonymous:
                self._land(None)
                await self.downstream(message)
                return
            self.start = message
            return
        if self.start is None or message["type"] != "http.response.body":
            await self.downstream(message)
            return
        self.body.append(message.get("body", b""))
        if not message.get("more_body", False):
            await self._finish(self.start, b"".join(self.body))

    async def _finish(self, start: Message, body: bytes) -> None:
        headers = MutableHeaders(scope=start)
        cache_control = headers.get("cache-control", "")
        personal = "set-cookie" in headers or any(
            word in cache_control for word in ("private", "no-store")
        )
        if personal:
            headers["cache-control"] = PRIVATE
        elif not cache_control:
            headers["cache-control"] = self.cache.public_cache_control
        if "etag" not in headers:
            headers["etag"] = weak_etag(body)
        if "last-modified" not in headers:
            modified = last_modified(self.changed_at, self.began_at)
            if modified is not None:
                headers["last-modified"] = modified
        _add_vary(headers)
        self._land(None if personal else self._keep(headers.raw, body))
        etag, modified = headers.get("etag"), headers.get("last-modified")
        if not_modified(Headers(scope=self.scope), etag, modified):
            await _send_not_modified(headers.raw, self.downstream)
            return
        await self.downstream(start)
        await self.downstream({"type": "http.response.body", "body": body})

    def _land(self, entry: Entry | None) -> None:
        if self.flight is not None:
            self.cache.land(self.flight, entry)

    def _keep(self, headers: RawHeaders, body: bytes) -> Entry | None:
        """The entry this answer makes, if it may be kept: kept, unless larger than the bound
        (the requests waiting for it are answered it all the same)."""
        cache = self.cache
        if (
            self.key is None
            or self.sharing is not Sharing.KEPT
            or not _first_page(self.scope["query_string"])
            # A write committed while this was rendered: it may show the data before it.
            or cache.generation.current() != self.generation
            or not cache.generation.fresh()
        ):
            return None
        kept = list(headers)
        values = dict(kept)
        entry = Entry(
            generation=self.generation,
            expires=time.monotonic() + cache.lifetime,
            headers=kept,
            body=body,
            etag=values[b"etag"].decode("latin-1"),
            last_modified=(
                values[b"last-modified"].decode("latin-1") if b"last-modified" in values else None
            ),
            size=entry_size(self.key, kept, body),
        )
        if cache.store.put(self.key, entry):
            cache.kept += 1
        return entry
