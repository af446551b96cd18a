"""The application's State reaches every request, a mounted application's included: a
second API under its own prefix (Conduit) shares the engine, Reader, mailer and storage."""

from fastapi import FastAPI
from httpx import AsyncClient

from inkwell.db import Reader
from inkwell.dependencies import DbReader
from inkwell.media.dependencies import MediaStorage
from inkwell.media.storage import Storage
from tests.conftest import StartedApp


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
