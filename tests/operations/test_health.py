"""Liveness and readiness: readiness follows the database down and back up, no restart."""

import asyncio

import pytest
from httpx import AsyncClient

from tests.conftest import Api
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
    assert down.json() == {
        "detail": "the database is unreachable (ConnectionRefusedError)",
        "code": "database_unavailable",
    }
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
    assert hung.json() == {
        "detail": "the database did not answer within 0.5 s",
        "code": "database_unavailable",
    }

    await database_proxy.start()
    assert (await proxied_client.get("/health/ready")).status_code == 200


async def test_readiness_is_documented_with_its_503(client: AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"]["/health/ready"]["get"]
    assert set(operation["responses"]) == {"200", "503"}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_reads_and_writes_on_a_hung_database_answer_503_in_time_then_recover(
    proxied_client: AsyncClient, database_proxy: TcpProxy
) -> None:
    writer = await Api(proxied_client).sign_up("writer")

    async def read() -> int:
        return (await proxied_client.get("/api/posts")).status_code

    async def write() -> int:
        body = {"title": "t", "content": "c"}
        response = await proxied_client.post("/api/posts", json=body, headers=writer.headers)
        return response.status_code

    assert await read() == 200
    await database_proxy.stall()
    # Twice each: the first finds its pooled connection dropped, the second waits on a new
    # one. DATABASE_TIMEOUT is 1 s behind the proxy; without it they would hang for good.
    async with asyncio.timeout(4 * 1.0 + 4):
        answers = [await read(), await read(), await write(), await write()]

    assert answers == [503] * 4
    await database_proxy.start()
    assert (await read(), await write()) == (200, 201)
