"""The app behind a cuttable loopback proxy to the test PostgreSQL server, which itself stays
up throughout (other test runs share it): the proxy plays the database going down and back."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url

from inkwell.app import create_app
from inkwell.config import Settings
from tests.conftest import started
from tests.servers import TcpProxy


@pytest.fixture
async def database_proxy(settings: Settings) -> AsyncIterator[TcpProxy]:
    """A loopback proxy in front of the test PostgreSQL server."""
    url = settings.database
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
def proxied_settings(settings: Settings, database_proxy: TcpProxy) -> dict[str, Any]:
    """The test settings, with the database reached only through `database_proxy`; a test
    module may override this fixture to change more."""
    url = make_url(settings.database_url).set(host="127.0.0.1", port=database_proxy.port)
    return settings.model_dump() | {
        "database_url": url.render_as_string(hide_password=False),
        "readiness_timeout": 0.5,
        "database_timeout": 1.0,
    }


@pytest.fixture
async def proxied_client(proxied_settings: dict[str, Any]) -> AsyncIterator[AsyncClient]:
    """A client of an app that reaches its database only through `database_proxy`."""
    app: FastAPI = create_app(Settings(**proxied_settings))
    async with (
        started(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client,
    ):
        yield client
