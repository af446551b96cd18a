"""PostgreSQL going away under a load of reads and writes, and coming back: requests fail fast
with 503 and Retry-After, the app heals by itself, and no acknowledged write is lost.

The other faults are tested where their features are: storage unreachable during an upload
(503, old picture intact) in test_picture_failures.py, SMTP down during forgot-password
(still 202, the failure logged) in test_password_reset.py, a hung database in test_health.py.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inkwell.posts.models import Post
from tests.conftest import Account, Api
from tests.servers import TcpProxy

CLIENTS = 8
# A request that waits longer than this for a dead database is hanging, not failing fast.
REQUEST_BOUND = 20.0


@dataclass
class Load:
    """Mixed traffic from several clients until stopped; it records every answer."""

    client: AsyncClient
    author: Account
    statuses: list[int] = field(default_factory=list)
    missing_retry_after: list[Response] = field(default_factory=list)
    acknowledged: dict[int, str] = field(default_factory=dict)
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    _titles: itertools.count[int] = field(default_factory=itertools.count)

    async def _request(self, method: str, path: str, **kwargs: object) -> Response:
        async with asyncio.timeout(REQUEST_BOUND):
            response = await self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
        self.statuses.append(response.status_code)
        if response.status_code == 503 and "retry-after" not in response.headers:
            self.missing_retry_after.append(response)
        return response

    async def write(self) -> Response:
        title = f"load {next(self._titles)}"
        body = {"title": title, "content": "written under load"}
        response = await self._request("POST", "/api/posts", json=body, headers=self.author.headers)
        if response.status_code == 201:
            self.acknowledged[response.json()["id"]] = title
        return response

    async def _client(self) -> None:
        while not self.stopped.is_set():
            written = await self.write()
            await self._request("GET", "/api/posts", params={"limit": 5})
            if written.status_code == 201:
                await self._request("GET", f"/api/posts/{written.json()['id']}")

    async def run(self) -> None:
        await asyncio.gather(*(self._client() for _ in range(CLIENTS)))


async def _for(seconds: float) -> None:
    await asyncio.sleep(seconds)


@pytest.fixture
async def load(proxied_client: AsyncClient) -> Load:
    return Load(proxied_client, await Api(proxied_client).sign_up("writer"))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_database_outage_under_load_fails_fast_heals_and_loses_no_acknowledged_write(
    load: Load, database_proxy: TcpProxy, session: AsyncSession
) -> None:
    running = asyncio.create_task(load.run())
    await _for(1.5)
    await database_proxy.stop()  # every connection dropped, new ones refused
    await _for(1.5)
    await database_proxy.start()
    await _for(2.0)
    load.stopped.set()
    started = time.monotonic()
    await running
    assert time.monotonic() - started < REQUEST_BOUND

    assert set(load.statuses) <= {200, 201, 503}, sorted(set(load.statuses))
    assert 503 in load.statuses, "the outage should have failed some requests"
    assert load.missing_retry_after == []
    healed = [(await load.write()).status_code for _ in range(5)]
    assert healed == [201] * 5
    stored = dict((await session.execute(select(Post.id, Post.title))).all())
    assert load.acknowledged.items() <= stored.items()
