"""Liveness and readiness: readiness follows the database down and back up, no restart."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url

from inkwell.app import create_app
from inkwell.config import Settings
from tests.servers import TcpProxy


async def test_liveness_answers_ok(client: AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_answers_ready_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.fixture
async def database_proxy(settings: Settings) -> AsyncIterator[TcpProxy]:
    """A loopback proxy in front of the test PostgreSQL server, which stays up throughout."""
    url = settings.database
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def proxied_client(
    settings: Settings, database_proxy: TcpProxy
) -> AsyncIterator[AsyncClient]:
    """An app that reaches its database only through `database_proxy`."""
    url = make_url(settings.database_url).set(host="127.0.0.1", port=database_proxy.port)
    fields = settings.model_dump() | {
        "database_url": url.render_as_string(hide_password=False),
        "readiness_timeout": 0.5,
    }
    app: FastAPI = create_app(Settings(**fields))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_readiness_answers_503_while_the_database_is_down_and_200_once_it_is_back(
    proxied_client: AsyncClient, database_proxy: TcpProxy
) -> None:
    assert (await proxied_client.get("/health/ready")).status_code == 200

    await database_proxy.stop()
    down = await proxied_client.get("/health/ready")
    assert down.status_code == 503
    assert down.json() == {"detail": "the database is unreachable (ConnectionRefusedError)"}
    assert down.headers["Retry-After"] == "5"
    assert (await proxied_client.get("/health")).status_code == 200

    await database_proxy.start()
    back = await proxied_client.get("/health/ready")
    assert back.status_code == 200
    assert back.json() == {"status": "ready"}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_readiness_answers_503_when_the_database_hangs_and_200_once_it_answers(
    proxied_client: AsyncClient, database_proxy: TcpProxy
) -> None:
    assert (await proxied_client.get("/health/ready")).status_code == 200

    await database_proxy.stall()
    hung = await proxied_client.get("/health/ready")
    assert hung.status_code == 503
    assert hung.json() == {"detail": "the database did not answer within 0.5 s"}

    await database_proxy.start()
    assert (await proxied_client.get("/health/ready")).status_code == 200


async def test_readiness_is_documented_with_its_503(client: AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"]["/health/ready"]["get"]
    assert set(operation["responses"]) == {"200", "503"}
