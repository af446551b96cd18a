"""The `inkwell` command: serve the app, migrate the database, fill it with demo data."""

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated, NoReturn
from urllib.parse import urlsplit

import typer
import uvicorn
from fastapi import APIRouter, FastAPI
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inkwell.app import create_app, post_renderer
from inkwell.caching.generation import PublicGeneration
from inkwell.comments import markdown as comments_markdown
from inkwell.config import Settings
from inkwell.db import create_engine, create_sessionmaker, utcnow
from inkwell.errors import NotFound
from inkwell.media import service as media
from inkwell.media.pending import PendingMedia
from inkwell.media.storage import create_storage
from inkwell.migrations import downgrade_database, upgrade_database
from inkwell.operations.logs import logging_config
from inkwell.posts import stored_html
from inkwell.posts.markdown import MarkdownRenderer
from inkwell.security import PasswordHasher
from inkwell.seed import DEMO_PASSWORD, work
from inkwell.seed import seed as seed_data
from inkwell.users import service as users
from inkwell.users.models import ADMIN, USER

YOUNG_GENERATION_THRESHOLD = 10_000

# uvloop's libuv (1.45 on) accepts one connection per turn of the loop, and a turn under load
# is every ready request's work: a burst of new connections waited seconds to be accepted
# (bench/NOTES.md, "the tail was uvloop's accept"). asyncio accepts up to the backlog at once;
# the PostgreSQL listing measured no slower on it, the SQLite one up to ~10% dearer.
EVENT_LOOP = "asyncio"

app = typer.Typer(help="Inkwell, an async blog platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="Accounts and their roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")
media_app = typer.Typer(help="Pictures uploaded for posts.", no_args_is_help=True)
app.add_typer(media_app, name="media")
posts_app = typer.Typer(help="Posts and their comments.", no_args_is_help=True)
app.add_typer(posts_app, name="posts")

# Pictures a sweep deletes in one transaction (one statement, by the uses' index).
SWEEP_BATCH_SIZE = 500
# Rows rendered again in one transaction: a few seconds of rendering at most.
RENDER_BATCH_SIZE = 200


@asynccontextmanager
async def _tuned_garbage_collector(app: FastAPI) -> AsyncIterator[None]:
    """Once the app has started in this process (it runs after the app's own lifespan).

    Everything alive by then (modules, routes, mappers, compiled templates, pools) lives as
    long as the process: frozen, the collector stops walking it on every full collection.
    And a request allocates thousands of objects, nearly all freed by reference counting, so
    the youngest generation is collected every 10,000 allocations rather than every 700.
    Measured with `make bench`, this is a tenth or more of the CPU a listing costs.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)
    yield


def with_process_policy(app: FastAPI) -> FastAPI:
    """The app as a server process runs it: the garbage collector is the process's, so its
    tuning belongs to the server, not to the app (tests and embedders keep Python's)."""
    app.include_router(APIRouter(lifespan=_tuned_garbage_collector))
    return app


def served_app() -> FastAPI:
    """The factory `inkwell serve` hands uvicorn: each worker process builds its own app."""
    return with_process_policy(create_app())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Serve the app with uvicorn, asyncio's event loop and httptools.

    On SIGTERM uvicorn stops accepting, lets in-flight requests finish (up to 30 s), then
    runs the lifespan's shutdown, which closes the database pool.
    """
    settings = _settings_or_exit()
    if reload and settings.environment == "production":
        _exit_with("ENVIRONMENT=production refuses --reload")
    _agree_on_the_address(settings, host, port)
    if workers > 1 and settings.redis_url is None and settings.anonymous_cache_bytes:
        # Each worker would keep its own cache and never hear of the others' writes.
        typer.echo(
            "The anonymous cache is off: --workers without REDIS_URL cannot share its "
            "invalidations between the workers",
            err=True,
        )
        os.environ["ANONYMOUS_CACHE_BYTES"] = "0"
    uvicorn.run(
        "inkwell.cli:served_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        loop=EVENT_LOOP,
        http="httptools",
        # The app applies the trusted proxies' headers itself (TRUSTED_PROXIES).
        proxy_headers=False,
        # `server: uvicorn` would tell every scanner what to try first.
        server_header=False,
        log_config=logging_config(settings),
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=30,
        # With --workers, a worker that misses the supervisor's ping this long is killed and
        # replaced; uvicorn's 5 s kill a worker still importing on a busy machine, forever.
        timeout_worker_healthcheck=30,
    )


def served_address(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server bound to `host`."""
    if host in {"0.0.0.0", ""}:  # noqa: S104  (naming the wildcard, not binding it)
        host = "127.0.0.1"
    elif host == "::":
        host = "[::1]"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _agree_on_the_address(settings: Settings, host: str, port: int) -> None:
    """In development PUBLIC_BASE_URL follows --host and --port unless it is set, so emailed
    links and the CSRF origin check name the address the site runs at; set, and naming
    another port, it is kept with a warning. Workers read it from the environment."""
    if settings.environment != "development":
        return
    if "public_base_url" not in settings.model_fields_set:
        os.environ["PUBLIC_BASE_URL"] = served_address(host, port)
        return
    published = urlsplit(settings.public_base_url)
    published_port = published.port or (443 if published.scheme == "https" else 80)
    if published_port != port:
        typer.echo(
            f"Warning: PUBLIC_BASE_URL is {settings.public_base_url}, but the server listens "
            f"on port {port}: emailed links and the site's own origin name the former.",
            err=True,
        )


def _settings_or_exit() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        _exit_with("; ".join(_describe(error) for error in exc.errors()))


def _describe(error: ErrorDetails) -> str:
    field = ".".join(map(str, error["loc"])).upper()
    return f"{field}: {error['msg']}" if field else error["msg"]


def _exit_with(message: str) -> NoReturn:
    typer.echo(f"Cannot serve: {message}", err=True)
    raise typer.Exit(2)


def _migrate(step: Callable[[AsyncEngine, str], Awaitable[None]], revision: str) -> None:
    async def run() -> None:
        engine = create_engine(Settings())
        try:
            await step(engine, revision)
        finally:
            await engine.dispose()

    asyncio.run(run())


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply the migrations up to REVISION (the newest by default)."""
    _migrate(upgrade_database, revision)
    typer.echo(f"Database upgraded to {revision}.")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Undo the migrations down to REVISION (`base` undoes them all)."""
    _migrate(downgrade_database, revision)
    typer.echo(f"Database downgraded to {revision}.")


@app.command()
def seed(
    users: Annotated[int, typer.Option(min=1, help="Users to create")] = 100,
    posts: Annotated[int, typer.Option(min=0, help="Posts to create")] = 10_000,
    comments: Annotated[int, typer.Option(min=0, help="Comments under the first post")] = 0,
) -> None:
    """Fill the database with demo users, posts, tags and likes (and comments under the first
    post); every user signs in with the demo password it prints. A million posts take
    minutes: COPY on PostgreSQL (as the role that owns the tables), large transactions on
    SQLite."""
    settings = Settings()

    async def run(progress: Progress) -> None:
        task = progress.add_task("Seeding", total=work(users, posts, comments))
        engine = create_engine(settings)
        try:
            await upgrade_database(engine)
            hasher = PasswordHasher(
                time_cost=settings.argon2_time_cost,
                memory_cost_kib=settings.argon2_memory_cost_kib,
                max_concurrent=1,
            )
            async with create_sessionmaker(engine).begin() as session:
                await seed_data(
                    session,
                    hasher,
                    users=users,
                    posts=posts,
                    comments=comments,
                    advance=lambda n: progress.advance(task, n),
                )
            await PublicGeneration.for_settings(settings, settings.redis_url).announce()
        finally:
            await engine.dispose()

    columns = (*Progress.get_default_columns(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress:
        asyncio.run(run(progress))
    typer.echo(f"Added {users} users, {posts} posts and {comments} comments.")
    typer.echo(f"Every seeded user's password is {DEMO_PASSWORD}")


def _set_role(username: str, role: str) -> None:
    async def run() -> None:
        engine = create_engine(Settings())
        try:
            async with create_sessionmaker(engine).begin() as session:
                user = await users.get_user_by_username(session, username)
                user.role = role
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except NotFound as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{username} is now {'an admin' if role == ADMIN else 'a user'}.")


@users_app.command("promote")
def users_promote(username: Annotated[str, typer.Argument(help="Their username")]) -> None:
    """Make NAME an admin: they may delete any post or comment, suspend users and resolve
    reports."""
    _set_role(username, ADMIN)


@users_app.command("demote")
def users_demote(username: Annotated[str, typer.Argument(help="Their username")]) -> None:
    """Make NAME a plain user again."""
    _set_role(username, USER)


@media_app.command("sweep")
def media_sweep(
    older_than: Annotated[int, typer.Option(min=1, help="Days since the upload")] = 7,
) -> None:
    """Delete the pictures uploaded for posts that no post links, drafts included, and none
    has for --older-than days: never used, or dropped by an edit (deleting a post or an
    account deletes its pictures at once). Run it daily; the days are the grace an editor's
    unsaved text has to link its pictures again. Then try again every recorded deletion of a
    file the store failed to delete; exit code 1 if some are still left."""
    settings = _settings_or_exit()

    async def run() -> tuple[int, int, int]:
        engine = create_engine(settings)
        sessions = create_sessionmaker(engine)
        unused_before = utcnow() - timedelta(days=older_than)
        swept = 0
        try:
            while True:
                async with sessions.begin() as session:
                    count = await media.sweep_post_pictures(
                        session, unused_before=unused_before, batch_size=SWEEP_BATCH_SIZE
                    )
                if count is None:
                    break
                swept += count
            changes = PendingMedia(create_storage(settings), sessions)
            tried, deleted = await changes.retry(batch_size=SWEEP_BATCH_SIZE)
        finally:
            await engine.dispose()
        return swept, tried, deleted

    swept, tried, deleted = asyncio.run(run())
    typer.echo(f"Deleted {swept} pictures for posts that no post links.")
    typer.echo(f"Tried {tried} recorded file deletions: {deleted} done, {tried - deleted} left.")
    if deleted < tried:
        raise typer.Exit(1)


@posts_app.command("render")
def posts_render() -> None:
    """Render every post's and comment's Markdown again with this version's renderer and the
    settings: after an upgrade whose renderer makes more (a language Pygments learnt to
    highlight), or a change of PUBLIC_BASE_URL or of the bucket's address (which decide
    which pictures are the site's own). Rows whose HTML stays the same are not written;
    nothing else of a row changes. Servers sharing REDIS_URL drop their cached pages at
    once; without it theirs expire (ANONYMOUS_CACHE_SECONDS)."""
    settings = _settings_or_exit()

    async def run() -> list[tuple[int, int]]:
        engine = create_engine(settings)
        sessions = create_sessionmaker(engine)
        stored = [
            (stored_html.POSTS, post_renderer(settings, create_storage(settings))),
            (comments_markdown.STORED, comments_markdown.renderer()),
        ]
        try:
            counts = [await _render_all(sessions, kind, renderer) for kind, renderer in stored]
            if any(changed for _, changed in counts):
                await PublicGeneration.for_settings(settings, settings.redis_url).announce()
        finally:
            await engine.dispose()
        return counts

    (posts, posts_changed), (comments, comments_changed) = asyncio.run(run())
    typer.echo(
        f"Rendered {posts} posts again ({posts_changed} changed) "
        f"and {comments} comments ({comments_changed} changed)."
    )


async def _render_all(
    sessions: async_sessionmaker[AsyncSession],
    stored: stored_html.StoredHtml,
    renderer: MarkdownRenderer,
) -> tuple[int, int]:
    """Every row, a transaction a batch: how many were read, and how many written."""
    read = changed = after = 0
    while True:
        async with sessions.begin() as session:
            batch = await stored_html.render_batch(
                session, stored, renderer, after=after, batch_size=RENDER_BATCH_SIZE
            )
        if batch is None:
            return read, changed
        read, changed, after = read + batch.read, changed + batch.changed, batch.last_id
