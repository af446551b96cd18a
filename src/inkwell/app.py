"""The application factory: everything the app needs comes from one `Settings` object."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.routing import Mount

from inkwell import __version__
from inkwell.abuse.limits import WriteLimits
from inkwell.auth.devices import KnownDevices
from inkwell.auth.ratelimit import RateLimiter
from inkwell.auth.router import router as auth_router
from inkwell.auth.router import sessions_router
from inkwell.auth.tokens import AccessTokens
from inkwell.caching.generation import watching_session_class
from inkwell.caching.middleware import AnonymousCache
from inkwell.caching.static import HashedStaticFiles, StaticAssets
from inkwell.comments.router import router as comments_router
from inkwell.conduit.app import PREFIX as CONDUIT_PREFIX
from inkwell.conduit.app import create_conduit_app
from inkwell.config import Settings
from inkwell.db import Database, create_sessionmaker
from inkwell.errors import install_error_handlers
from inkwell.feeds.router import router as feeds_router
from inkwell.follows.router import router as follows_router
from inkwell.likes.router import router as likes_router
from inkwell.mail.service import create_mailer
from inkwell.media.images import PictureProcessor
from inkwell.media.limits import UploadLimits
from inkwell.media.router import router as media_router
from inkwell.media.router import uploads_router
from inkwell.media.storage import Storage, create_storage
from inkwell.migrations import upgrade_database
from inkwell.moderation.router import router as moderation_router
from inkwell.notifications.emails import Outbox
from inkwell.notifications.router import router as notifications_router
from inkwell.operations.application import InkwellFastAPI
from inkwell.operations.docs import install_api_docs
from inkwell.operations.health import router as health_router
from inkwell.posts.markdown import POST, MarkdownRenderer
from inkwell.posts.router import router as posts_router
from inkwell.rate_limits import limit_storage
from inkwell.search.router import router as search_router
from inkwell.security import PasswordHasher
from inkwell.state import State
from inkwell.syndication.router import router as syndication_router
from inkwell.users.router import router as users_router
from inkwell.web import account_picture as account_picture_pages
from inkwell.web import accounts as account_pages
from inkwell.web import conversation as conversation_forms
from inkwell.web import moderation as moderation_pages
from inkwell.web import notifications as notification_pages
from inkwell.web import posts as post_pages
from inkwell.web import profiles as profile_pages
from inkwell.web import search as search_pages
from inkwell.web import signing_in as signing_in_pages
from inkwell.web.common import error_page
from inkwell.web.rendering import Site, page_templates

STATIC_DIR = Path(__file__).parent / "static"
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


# In the order they are matched, the busiest listings and pages first.
_ROUTERS = (
    posts_router,
    feeds_router,
    post_pages.router,
    profile_pages.router,
    account_pages.router,
    account_picture_pages.router,
    signing_in_pages.router,
    notification_pages.router,
    search_pages.router,
    syndication_router,
    conversation_forms.router,
    moderation_pages.router,
    search_router,
    likes_router,
    comments_router,
    follows_router,
    notifications_router,
    moderation_router,
    auth_router,
    users_router,
    sessions_router,
    health_router,
    media_router,
    uploads_router,
)


def post_renderer(settings: Settings, storage: Storage) -> MarkdownRenderer:
    """Posts show as pictures only the site's own: /media/, and the same by its full address."""
    return MarkdownRenderer(
        POST,
        own_media=(
            f"{settings.public_base_url.rstrip('/')}/media/",
            f"{storage.public_url}/" if storage.public_url else "",
        ),
    )


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """`database`: pools made from the same settings, for the lifespan to use instead of its
    own, and left open when it ends."""
    settings = settings or Settings()

    # Made before the app: its security headers name the storage's origin, and /media is its.
    storage = create_storage(settings)
    markdown = post_renderer(settings, storage)

    site = Site(settings.site_name, settings.site_description, settings.public_base_url.rstrip("/"))
    # Hashed once, here: pages link each file by its content's hash (caching/static.py).
    static_assets = StaticAssets.scan(STATIC_DIR, hashed=settings.environment != "development")
    # Made with the app, not the lifespan: templates hold no connection or task to close,
    # and each is compiled once, at its first render, whatever runs the app anew.
    templates = page_templates(
        auto_reload=settings.environment == "development", site=site, static_url=static_assets.url
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        pools = database or Database.from_settings(settings)
        engine, reader = pools.engine, pools.reader
        if settings.is_sqlite:
            await upgrade_database(engine)
        picture_processor = PictureProcessor.from_settings(settings)
        anonymous_cache = AnonymousCache.from_settings(settings, settings.redis_url)
        # Every session of the app tells the cache when it commits a public write.
        sessionmaker = create_sessionmaker(
            engine, watching_session_class(anonymous_cache.generation.changed)
        )
        mailer = create_mailer(settings)
        outbox = Outbox(settings, sessionmaker, mailer)
        # One storage (with REDIS_URL, one Redis connection pool) for every limit's budgets.
        budgets = limit_storage(settings)
        try:
            async with outbox.sweeping(), anonymous_cache.syncing():
                yield State(
                    settings=settings,
                    engine=engine,
                    sessionmaker=sessionmaker,
                    reader=reader,
                    password_hasher=PasswordHasher(
                        time_cost=settings.argon2_time_cost,
                        memory_cost_kib=settings.argon2_memory_cost_kib,
                        max_concurrent=settings.password_hash_concurrency,
                    ),
                    access_tokens=AccessTokens.from_settings(settings),
                    known_devices=KnownDevices.from_settings(settings),
                    rate_limiter=RateLimiter.from_settings(settings, budgets),
                    mailer=mailer,
                    templates=templates,
                    storage=storage,
                    picture_processor=picture_processor,
                    upload_limits=UploadLimits.from_settings(settings, budgets),
                    write_limits=WriteLimits.from_settings(settings, budgets),
                    outbox=outbox,
                    markdown=markdown,
                    anonymous_cache=anonymous_cache,
                )
        finally:
            picture_processor.close()
            if database is None:
                await pools.dispose()

    app = InkwellFastAPI(
        title="Inkwell",
        version=__version__,
        summary="A blog platform, asynchronous from the socket to the database.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs else None,
        trusted_proxies=settings.trusted_proxies,
        # Pages may show pictures from where the storage sends browsers (S3's public URL).
        media_origin=storage.public_origin,
        telemetry=None if settings.telemetry else TELEMETRY_OFF,
    )
    install_error_handlers(app, error_page)
    # Routes are matched in order: Conduit's whole prefix first (one pattern for every path
    # under it, instead of all of Inkwell's before it), then _ROUTERS.
    app.router.routes.append(_conduit_mount(settings))
    for router in _ROUTERS:
        app.include_router(router)
    _add_last_routes(app, settings, static_assets, storage)
    return app


def _add_last_routes(
    app: FastAPI, settings: Settings, static_assets: StaticAssets, storage: Storage
) -> None:
    """The API docs, Conduit and the files' mounts."""
    if settings.api_docs:
        install_api_docs(app)
    app.mount("/static", HashedStaticFiles(static_assets), name="static")
    app.mount("/media", storage.media_app(), name="media")


def _conduit_mount(settings: Settings) -> Mount:
    """Starlette's pattern stops at a line break; every path under the prefix, a
    percent-encoded one in a slug included, is Conduit's to answer (in its error shape)."""
    conduit = Mount(CONDUIT_PREFIX, app=create_conduit_app(settings), name="conduit")
    conduit.path_regex = re.compile(conduit.path_regex.pattern, re.DOTALL)
    return conduit
