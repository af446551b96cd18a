"""The suite holds few PostgreSQL connections (tests/connection_budget.py), and the guard
that checks it counts what a database holds."""

import asyncio
import re
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from inkwell.config import Settings
from tests.conftest import POSTGRES_URL
from tests.connection_budget import (
    CONNECTIONS_PER_WORKER,
    SUITE_PEAK,
    TEST_DATABASE_CONNECTIONS,
    WORKERS,
    ConnectionPeak,
)
from tests.servers import server_env


def test_the_app_under_test_holds_few_connections(settings: Settings) -> None:
    assert settings.database_connections == TEST_DATABASE_CONNECTIONS
    # Its pools and the `engine` fixture's write pool, well within a worker's budget.
    assert settings.database_connections + settings.write_connections <= CONNECTIONS_PER_WORKER


def test_server_subprocesses_hold_few_connections() -> None:
    assert server_env()["DATABASE_CONNECTIONS"] == str(TEST_DATABASE_CONNECTIONS)


def test_the_suite_peak_leaves_most_of_a_shared_server_to_others() -> None:
    assert SUITE_PEAK <= 50  # of PostgreSQL's default max_connections of 100


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_guard_sees_connections_held_at_once(
    database_url: str, request: pytest.FixtureRequest
) -> None:
    url = make_url(database_url)
    peak = ConnectionPeak(make_url(POSTGRES_URL), str(url.database))
    await asyncio.to_thread(peak.start)
    held = [
        await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, database=url.database
        )
        for _ in range(3)
    ]
    await asyncio.sleep(0.3)
    for connection in held:
        await connection.close()
    await asyncio.to_thread(peak.stop)
    assert peak.peak >= 3
    assert peak.peak_in == request.node.nodeid  # named in the guard's failure


def test_make_test_runs_no_more_workers_than_the_budget_counts() -> None:
    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    workers = [int(count) for count in re.findall(r"pytest -n (\d+)", makefile)]
    assert workers
    assert max(workers) <= WORKERS
