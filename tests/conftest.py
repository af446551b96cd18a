"""Every data-layer test runs on SQLite and on PostgreSQL, each test on an emptied database.

Each pytest-xdist worker of each run gets its own SQLite file and its own PostgreSQL
database, migrated once; tables are emptied after every test, so tests can commit for real
(and race) in parallel.

What keeps a test fast (the inner loop, `make test-fast`, runs some 2,900 of them):
- Tables are emptied with DELETE and the id sequences reset, not TRUNCATE: on PostgreSQL a
  TRUNCATE of a few tiny tables costs some 50 ms (new files, locks), a DELETE a millisecond.
  The tables are the database's own, reflected once: a new domain's are emptied unlisted.
- Tests with equal settings share one FastAPI app (each still starts its own lifespan:
  limiter, mailer, caches): FastAPI analyses each route of an app the first time a request
  walks past it, which costs a fresh app 60-100 ms of its first requests.
- The database pools are the worker's, kept open from test to test (`Kept`): the app's
  lifespans use them (`create_app(database=...)`), and the `engine` fixture has its own.
  Made per test, their first connections and statements cost a test some 50-100 ms.
- The settings are made once per database (`settings_for`).
- Setup that is not what a test is about goes straight to the database (tests/factories.py,
  the `factory` fixture): `author` and `painter` are inserted with a precomputed password
  hash and given a token, where registering and signing in cost two requests and argon2.
- Each worker collects garbage as `inkwell serve` does (`pytest_collection_finish`).
- A race test on SQLite lets the lock's holder commit once the other side has sent its write
  (tests/locks.py), rather than after a pause.
"""

import asyncio
import functools
import gc
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import asyncpg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import MetaData, Table, delete, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import Receive, Scope, Send

from inkwell.abuse.config import WriteLimitSettings
from inkwell.app import create_app
from inkwell.cli import YOUNG_GENERATION_THRESHOLD
from inkwell.config import DatabaseSettings, Settings
from inkwell.db import Database, create_engine, create_sessionmaker
from inkwell.migrations import upgrade_database
from inkwell.search.models import mapped
from inkwell.state import State
from tests.connection_budget import (
    CONNECTIONS_PER_WORKER,
    TEST_DATABASE_CONNECTIONS,
    ConnectionPeak,
)
from tests.factories import PASSWORD, Account, Factory

pytest_plugins = ("tests.s3", "tests.database_proxy", "tests.mail_server", "tests.scheduling")

Pools = TypeVar("Pools")

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL)
IN_CI = os.environ.get("CI", "").lower() == "true"
SECRET_KEY = "a test secret key, long enough for HS256 and even for HS512 signing"
# Generous enough that no test but the rate-limit ones ever meets them.
NO_RATE_LIMITS: dict[str, object] = {
    **{
        f"rate_limit_{action}_per_address": "10000/minute"
        for action in ("login", "register", "forgot_password")
    },
    **{
        f"rate_limit_{action}_per_account": "10000/minute"
        for action in ("register", "forgot_password")
    },
    "rate_limit_login_failures": 10_000,
    # Every per-account write limit (abuse/config.py), those added later included.
    **dict.fromkeys(WriteLimitSettings.model_fields, "10000/minute"),
}


@asynccontextmanager
async def postgres_database(name: str) -> AsyncIterator[str]:
    """A database of this worker's own on the test server, dropped at the end."""
    server = make_url(POSTGRES_URL)
    try:
        admin = await asyncpg.connect(
            host=server.host,
            port=server.port,
            user=server.username,
            password=server.password,
            database=server.database,
            timeout=5,
        )
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc.__class__.__name__}: {exc})"
        if IN_CI:
            pytest.fail(f"{message}; in CI the PostgreSQL tests must run.", pytrace=False)
        pytest.skip(f"{message}; set TEST_DATABASE_URL or start the server")
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    # Not the server's default (english where initdb ran in an English locale): a search
    # that leaned on the default, not the configuration it names, would find otherwise.
    await admin.execute(
        f"ALTER DATABASE \"{name}\" SET default_text_search_config = 'pg_catalog.simple'"
    )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def within_the_connection_budget(url: str) -> AsyncIterator[None]:
    """Fails the worker's last test if its database ever held more than
    CONNECTIONS_PER_WORKER connections at once (tests/connection_budget.py)."""
    database = make_url(url).database
    assert database is not None
    peak = ConnectionPeak(make_url(POSTGRES_URL), database)
    await asyncio.to_thread(peak.start)
    try:
        yield
    finally:
        await asyncio.to_thread(peak.stop)
    if peak.peak > CONNECTIONS_PER_WORKER:
        pytest.fail(
            f"this worker held {peak.peak} PostgreSQL connections at once, over its budget of "
            f"{CONNECTIONS_PER_WORKER} (tests/connection_budget.py), in {peak.peak_in}",
            pytrace=False,
        )


def pytest_runtest_setup(item: pytest.Item) -> None:
    ConnectionPeak.running = item.nodeid


DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--databases",
        default=",".join(DATABASES),
        help="the databases the data tests run on, comma-separated (default: %(default)s); "
        "make test-fast runs them on sqlite alone",
    )


def _database_of(item: pytest.Item) -> str | None:
    """The database a test runs on: the parameter of its fixture named `*database_url`
    (`database_url`, or one of its own such as test_migrations' empty database)."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    return next((value for name, value in params.items() if name.endswith("database_url")), None)


# The collector's thresholds as Python starts them, before pytest_collection_finish.
PYTHONS_OWN_THRESHOLD = gc.get_threshold()


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collector's policy of `inkwell serve` (cli.py), for the same reasons: what a
    worker holds once it has collected (modules, mappers, the tests themselves) lives as
    long as it does, and a test's requests allocate thousands of objects that reference
    counting frees. On one worker the collector took 11 s of `make test-fast`'s 111; now 5."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leaves out the data tests of the databases not asked for (`--databases`)."""
    wanted = set(config.getoption("databases").split(","))
    if unknown := wanted - set(DATABASES):
        raise pytest.UsageError(f"--databases: no such database {', '.join(sorted(unknown))}")
    kept, left_out = [], []
    for item in items:
        database = _database_of(item)
        (kept if database is None or database in wanted else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(scope="session", params=DATABASES)
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
    testrun_uid: str,
) -> AsyncIterator[str]:
    """The URL of a migrated database; tests using it run once per backend."""
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'inkwell.db'}"
        else:
            url = await stack.enter_async_context(
                postgres_database(f"inkwell_test_{testrun_uid[:8]}_{worker_id}")
            )
            await stack.enter_async_context(within_the_connection_budget(url))
        engine = create_engine(Settings(database_url=url))
        await upgrade_database(engine)
        await note_pristine(engine)
        await engine.dispose()
        yield url


@pytest.fixture(scope="session")
def shared_media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One media directory per worker, emptied after every test: settings stay equal from test
    to test, so that tests share an app (see `app`)."""
    return tmp_path_factory.mktemp("media")


@functools.cache
def settings_for(database_url: str, media_dir: Path) -> Settings:
    """Made once per database (Settings are frozen): reading the environment for each of
    their hundred fields costs pydantic-settings some 7 ms, which every test paid."""
    return Settings(
        environment="test",
        database_url=database_url,
        media_dir=media_dir,
        # Cheap hashes keep the suite fast; production costs are the defaults.
        argon2_time_cost=1,
        argon2_memory_cost_kib=64,
        secret_key=SECRET_KEY,
        # Few, so that the suite holds few on a shared server (tests/connection_budget.py).
        database_connections=TEST_DATABASE_CONNECTIONS,
        # Tests sweep the outbox when they mean to (tests/notifications/test_emails.py).
        notification_email_sweep_seconds=0,
        # Tests insert rows behind the app's back (the factory), which no cache would see;
        # tests/caching turns it on.
        anonymous_cache_bytes=0,
        **NO_RATE_LIMITS,
    )


@pytest.fixture
def settings(database_url: str, shared_media_dir: Path) -> Iterator[Settings]:
    yield settings_for(database_url, shared_media_dir)
    for entry in list(shared_media_dir.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


@dataclass(frozen=True)
class Pristine:
    """A migrated database as its migrations left it: which tables to empty after a test
    (children first), and the rows some tables start with (post_stats' row), put back."""

    emptied: tuple[Table, ...]
    seeded: tuple[tuple[Table, tuple[dict[str, object], ...]], ...]
    sqlite_sequence: bool


# By database URL; noted once per database, when it is as its migrations left it.
_pristine: dict[str, Pristine] = {}


async def note_pristine(engine: AsyncEngine) -> Pristine:
    """The database's own tables (reflected, so a new domain's tables are emptied without
    editing a list), those holding rows after migrating noted with their rows."""
    url = engine.url.render_as_string(hide_password=False)
    if url in _pristine:
        return _pristine[url]
    metadata = MetaData()
    async with engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        emptied, seeded = [], []
        for table in reversed(metadata.sorted_tables):
            # The search index follows the rows it indexes (their triggers empty it).
            if table.name == "alembic_version" or not mapped(table.name, "table", {}):
                continue
            rows = (await connection.execute(select(table))).mappings().all()
            if rows:
                seeded.append((table, tuple(dict(row) for row in rows)))
            else:
                emptied.append(table)
        sqlite_sequence = connection.dialect.name == "sqlite" and bool(
            await connection.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
            )
        )
    _pristine[url] = Pristine(tuple(emptied), tuple(seeded), sqlite_sequence)
    return _pristine[url]


async def restore_pristine(engine: AsyncEngine, pristine: Pristine) -> None:
    """Every row the test wrote goes, the seeded rows are as they were, and ids start again
    from 1, as on a new database.

    DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of a few tiny tables costs some 50 ms
    (new files, an exclusive lock on each), a DELETE about a millisecond; PostgreSQL's
    sequences are reset by hand. SQLite starts rowids again by itself (no AUTOINCREMENT;
    sqlite_sequence is emptied for a table that would use it)."""
    async with engine.begin() as connection:
        for table in pristine.emptied:
            await connection.execute(delete(table))
        for table, rows in pristine.seeded:
            now = (await connection.execute(select(table))).mappings().all()
            if tuple(map(dict, now)) != rows:
                await connection.execute(delete(table))
                await connection.execute(insert(table), list(rows))
        if pristine.sqlite_sequence:
            await connection.execute(text("DELETE FROM sqlite_sequence"))
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false)"
                    " FROM pg_sequences"
                    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                )
            )


class Kept(Generic[Pools]):
    """The worker's pools for its database, kept from test to test and made anew only for a
    test whose database settings differ. Each test made its own, and paid for it: a new
    engine's first PostgreSQL connection costs some 35 ms (a server process started, the
    dialect's set-up), and every statement is compiled and prepared again on it."""

    def __init__(
        self,
        make: Callable[[Settings], Pools],
        dispose: Callable[[Pools], Awaitable[None]],
    ) -> None:
        self._make = make
        self._dispose = dispose
        self._made: tuple[dict[str, object], Pools] | None = None

    async def for_settings(self, settings: Settings) -> Pools:
        wanted = settings.model_dump(include=set(DatabaseSettings.model_fields))
        if self._made is not None:
            made_for, pools = self._made
            if made_for == wanted:
                return pools
            await self.close()
        pools = self._make(settings)
        self._made = (wanted, pools)
        return pools

    async def close(self) -> None:
        """Closes the pools' connections; they open new ones if used again."""
        if self._made is not None:
            await self._dispose(self._made[1])


@pytest.fixture(scope="session")
async def kept_engine(database_url: str) -> AsyncIterator[Kept[AsyncEngine]]:
    """The `engine` fixture's, closed before its database is dropped."""
    kept = Kept(create_engine, AsyncEngine.dispose)
    yield kept
    await kept.close()


@pytest.fixture(scope="session")
async def kept_database(database_url: str) -> AsyncIterator[Kept[Database]]:
    """The shared apps' (see `app`), apart from the `engine` fixture's so that the statements
    a test counts on the app's pools are the app's alone."""
    kept = Kept(Database.from_settings, Database.dispose)
    yield kept
    await kept.close()


@pytest.fixture
async def room_for_connections(
    kept_engine: Kept[AsyncEngine], kept_database: Kept[Database]
) -> None:
    """For a test that opens a crowd of connections of its own: the kept pools' idle ones
    are closed first, to stay within the worker's budget (tests/connection_budget.py)."""
    await kept_engine.close()
    await kept_database.close()


@pytest.fixture
async def engine(settings: Settings, kept_engine: Kept[AsyncEngine]) -> AsyncIterator[AsyncEngine]:
    """Direct access to the test database, emptied after each test."""
    engine = await kept_engine.for_settings(settings)
    pristine = await note_pristine(engine)
    yield engine
    await restore_pristine(engine, pristine)


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


@dataclass
class StartedApp:
    """An app whose lifespan has started, called the way a server calls it: each request gets
    its own copy of the State the lifespan yielded (httpx's ASGITransport runs no lifespan).
    A test may swap a resource in `state`; the requests that follow see it."""

    app: FastAPI
    state: State = field(repr=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app({**scope, "state": self.state.copy()}, receive, send)


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[StartedApp]:
    async with app.router.lifespan_context(app) as state:
        yield StartedApp(app, state)


def _shape(app: FastAPI) -> tuple[object, ...]:
    """What a test may change of an app: routes and mounts, middleware, error handlers,
    dependency overrides, `app.state` and the lifespan."""
    return (
        tuple(map(id, app.router.routes)),
        tuple(map(id, app.user_middleware)),
        tuple((key, id(handler)) for key, handler in app.exception_handlers.items()),
        tuple((key, id(value)) for key, value in app.dependency_overrides.items()),
        tuple((key, id(value)) for key, value in vars(app.state)["_state"].items()),
        id(app.router.lifespan_context),
    )


@dataclass(frozen=True)
class SharedApp:
    app: FastAPI
    shape: tuple[object, ...]
    database: Database


# Apps by the settings they were made with; the least recently used goes first when there
# are too many.
_shared_apps: dict[Settings, SharedApp] = {}
SHARED_APPS = 16


@pytest.fixture
async def app(
    settings: Settings, engine: AsyncEngine, kept_database: Kept[Database]
) -> AsyncIterator[FastAPI]:
    """The app, not started: a test may add routes, handlers or middleware to it first.

    Tests with equal settings share one app, each starting it anew (limiter, mailer, caches
    are the test's own) and building its middleware anew: FastAPI analyses each route of an
    app the first time a request walks past it, some 60-100 ms of a fresh app's first
    requests. Its lifespans all use the worker's kept pools (`Kept`); an app made with pools
    since replaced is made again. An app a test changed (see `_shape`) is thrown away after
    that test."""
    database = await kept_database.for_settings(settings)
    shared = _shared_apps.pop(settings, None)
    if shared is None or shared.database is not database:
        while len(_shared_apps) >= SHARED_APPS:
            _shared_apps.pop(next(iter(_shared_apps)))
        made = create_app(settings, database=database)
        shared = SharedApp(made, _shape(made), database)
    _shared_apps[settings] = shared
    # Middleware (and the error handlers inside it) are built at the first request: a test
    # may still add its own, and no middleware's state outlives a test.
    shared.app.middleware_stack = None
    yield shared.app
    if _shape(shared.app) != shared.shape:
        del _shared_apps[settings]


@pytest.fixture
async def started_app(app: FastAPI) -> AsyncIterator[StartedApp]:
    async with started(app) as started_app:
        yield started_app


@pytest.fixture
async def client(started_app: StartedApp) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=started_app)
    async with AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(started_app: StartedApp) -> Iterator[StatementCounter]:
    """Records every SQL statement the app's engine sends."""
    counter = StatementCounter()
    state = started_app.state
    engines = (state["engine"].sync_engine, state["reader"].engine.sync_engine)

    def record(*args: object) -> None:
        counter.statements.append(str(args[2]))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    yield counter
    for engine in engines:
        event.remove(engine, "before_cursor_execute", record)


# What the posts service stores beside the content "c", for tests that insert posts directly.
RENDERED = {"content_html": "<p>c</p>\n", "excerpt": "c", "word_count": 1}


class Api:
    """Short-hands for the setup steps tests share; each asserts the step worked."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self._count = 0

    async def register(self, username: str | None = None, **fields: str) -> dict[str, object]:
        self._count += 1
        username = username or f"user{self._count}"
        body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        response = await self.client.post("/api/users", json=body | fields)
        assert response.status_code == 201, response.text
        user: dict[str, object] = response.json()
        return user

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        """Bearer headers; the client keeps no cookie, so other requests stay anonymous."""
        response = await self.client.post(
            "/api/users/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        self.client.cookies.clear()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def sign_up(self, username: str | None = None, **fields: str) -> Account:
        user = await self.register(username, **fields)
        return Account(
            user, await self.login(str(user["username"]), fields.get("password", PASSWORD))
        )

    async def change_password(self, account: Account, new_password: str) -> None:
        response = await self.client.patch(
            f"/api/users/{account.id}",
            json={"password": new_password, "current_password": PASSWORD},
            headers=account.headers,
        )
        assert response.status_code == 200, response.text

    async def post(self, author: Account, **fields: object) -> dict[str, object]:
        self._count += 1
        body = {"title": f"Post {self._count}", "content": "Some words."}
        response = await self.client.post("/api/posts", json=body | fields, headers=author.headers)
        assert response.status_code == 201, response.text
        post: dict[str, object] = response.json()
        return post


@pytest.fixture
def api(client: AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
def factory(engine: AsyncEngine, settings: Settings) -> Factory:
    """Rows straight into the test's database, for setup that is not what a test tests."""
    return Factory(engine, settings)


@pytest.fixture
async def painter(factory: Factory, client: AsyncClient) -> Account:
    """A signed-up user whose credentials the `client` sends with every request."""
    account = await factory.account("painter")
    client.headers.update(account.headers)
    return account


@pytest.fixture
async def author(factory: Factory) -> Account:
    """A signed-up user (inserted, not registered through the API) and their headers."""
    return await factory.account("author")


@pytest.fixture
async def reader(factory: Factory) -> Account:
    """A second signed-up user, inserted as `author` is: the one who reads, likes, follows
    and comments."""
    return await factory.account("reader")
