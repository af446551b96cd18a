"""Liveness and readiness: readiness follows the database down and back up, no restart."""

import pytest
from httpx import AsyncClient

from tests.servers import TcpProxy


async def test_liveness_answers_ok(client: AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_answers_ready_when_the_database_answers(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


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
