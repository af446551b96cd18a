"""Every data-layer test runs on SQLite and on PostgreSQL, each test on an emptied database.

Each pytest-xdist worker of each run gets its own SQLite file and its own PostgreSQL
database, migrated once; tables are emptied after every test, so tests can commit for real
(and race) in parallel.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import Receive, Scope, Send

from inkwell.abuse.config import WriteLimitSettings
from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.db import create_engine, create_sessionmaker
from inkwell.migrations import upgrade_database
from inkwell.state import State

pytest_plugins = ("tests.s3", "tests.database_proxy", "tests.mail_server")

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL)
IN_CI = os.environ.get("CI", "").lower() == "true"
TABLES = (
    "notifications",
    "likes",
    "comments",
    "follows",
    "password_reset_tokens",
    "post_tags",
    "tags",
    "posts",
    "users",
)
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
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
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
        engine = create_engine(Settings(database_url=url))
        await upgrade_database(engine)
        await engine.dispose()
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        media_dir=tmp_path / "media",
        # Cheap hashes keep the suite fast; production costs are the defaults.
        argon2_time_cost=1,
        argon2_memory_cost_kib=64,
        secret_key=SECRET_KEY,
        **NO_RATE_LIMITS,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """Direct access to the test database, emptied after each test."""
    engine = create_engine(settings)
    yield engine
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                await connection.execute(text(f"DELETE FROM {table}"))
    await engine.dispose()


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


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine) -> FastAPI:
    """The app, not started: a test may add routes to it first."""
    return create_app(settings)


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


PASSWORD = "correct horse battery staple"
# What the posts service stores beside the content "c", for tests that insert posts directly.
RENDERED = {"content_html": "<p>c</p>\n", "excerpt": "c"}


@dataclass(frozen=True)
class Account:
    """A registered, signed-in user: the private profile and the headers that authenticate."""

    user: dict[str, object]
    headers: dict[str, str]

    @property
    def id(self) -> object:
        return self.user["id"]


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
async def painter(api: Api) -> Account:
    """A signed-up user whose credentials the `client` sends with every request."""
    account = await api.sign_up("painter")
    api.client.headers.update(account.headers)
    return account


@pytest.fixture
async def author(api: Api) -> Account:
    return await api.sign_up("author")
