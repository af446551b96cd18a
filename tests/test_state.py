"""The application's State reaches every request, a mounted application's included: a
second API under its own prefix (Conduit) shares the engine, Reader, mailer and storage. The
lifespan makes the database pools and closes them, unless they were handed to the app."""

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from inkwell.app import create_app
from inkwell.config import Settings
from inkwell.db import Database, Reader
from inkwell.dependencies import DbReader
from inkwell.media.dependencies import MediaStorage
from inkwell.media.storage import Storage
from tests.conftest import StartedApp, started
from tests.factories import Account


async def test_a_mounted_application_reaches_the_same_state(
    app: FastAPI, started_app: StartedApp, client: AsyncClient
) -> None:
    mounted = FastAPI()
    reached: list[tuple[Reader, Storage]] = []

    async def resources(reader: DbReader, storage: MediaStorage) -> None:
        reached.append((reader, storage))

    mounted.add_api_route("/resources", resources, status_code=204)
    app.mount("/mounted", mounted)

    assert (await client.get("/mounted/resources")).status_code == 204
    state = started_app.state
    assert reached == [(state["reader"], state["storage"])]


async def test_the_app_starts_and_stops_through_the_asgi_lifespan_as_a_server_runs_it(
    app: FastAPI,
) -> None:
    """Servers start the app by a `lifespan` scope sent through every middleware, which
    must hand it on whole (the tests' own start calls the lifespan directly)."""
    events = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        return next(events)

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def opened_connections(database: Database) -> int:
    pools = (database.engine.pool, database.reader.engine.pool)
    return sum(pool.checkedin() + pool.checkedout() for pool in pools)  # type: ignore[attr-defined]


async def read_and_write(served: StartedApp, author: Account) -> None:
    async with AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client:
        assert (await client.get("/api/posts")).status_code == 200
        created = await client.post(
            "/api/posts", json={"title": "t", "content": "c"}, headers=author.headers
        )
        assert created.status_code == 201


async def test_pools_handed_to_the_app_serve_each_lifespan_and_outlive_it(
    settings: Settings, author: Account
) -> None:
    database = Database.from_settings(settings)
    try:
        for _ in range(2):
            async with started(create_app(settings, database=database)) as served:
                assert served.state["engine"] is database.engine
                assert served.state["reader"] is database.reader
                await read_and_write(served, author)

        # The write and the read the first lifespan opened, still open.
        assert opened_connections(database) == 2
    finally:
        await database.dispose()


async def test_an_apps_own_pools_are_closed_when_its_lifespan_ends(
    settings: Settings, author: Account
) -> None:
    async with started(create_app(settings)) as served:
        await read_and_write(served, author)
        database = Database(served.state["engine"], served.state["reader"])
        assert opened_connections(database) == 2

    assert opened_connections(database) == 0
