"""Schemathesis over every operation of both OpenAPI documents, signed in and anonymous,
against a real server on PostgreSQL (which refuses what SQLite forgives): a smoke pass of a few
cases an operation (tests/fuzz/run.py: smoke); the long runs are `make fuzz`.

One test a document and a pass, so that xdist spreads the four over its workers; the server
is started once a module on each worker that runs one, on the worker's database, which is
emptied again when the server stops (the users and posts the passes made would otherwise meet
the worker's next test)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from inkwell.config import Settings
from inkwell.db import create_engine
from tests.conftest import note_pristine, restore_pristine
from tests.fuzz.run import DOCUMENTS, serving, smoke

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


@pytest.fixture(scope="module")
async def server(database_url: str) -> AsyncIterator[str]:
    with serving(database_url) as base_url:
        yield base_url
    engine = create_engine(Settings(database_url=database_url))
    try:
        await restore_pristine(engine, await note_pristine(engine))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
@pytest.mark.parametrize("api", DOCUMENTS, ids=["inkwell", "conduit"])
def test_schemathesis_finds_no_server_error_undocumented_status_or_schema_break(
    server: str, api: str, signed_in: bool, tmp_path: Path
) -> None:
    result = smoke(server, api, tmp_path / "events.ndjson", signed_in=signed_in)

    assert result.untested == set(), "operations schemathesis never sent"
    assert result.exit_code == 0
