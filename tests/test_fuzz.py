"""Schemathesis over every operation of both OpenAPI documents, signed in and anonymous,
against a real server on PostgreSQL (which refuses what SQLite forgives): a smoke pass of a few
cases an operation (tests/fuzz/run.py: smoke); the long runs are `make fuzz`.

One test a document and a pass, so that xdist spreads the four over its workers; the server
is started once a module on each worker that runs one."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fuzz.run import DOCUMENTS, serving, smoke

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    with serving(database_url) as base_url:
        yield base_url


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
@pytest.mark.parametrize("api", DOCUMENTS, ids=["inkwell", "conduit"])
def test_schemathesis_finds_no_server_error_undocumented_status_or_schema_break(
    server: str, api: str, signed_in: bool, tmp_path: Path
) -> None:
    result = smoke(server, api, tmp_path / "events.ndjson", signed_in=signed_in)

    assert result.untested == set(), "operations schemathesis never sent"
    assert result.exit_code == 0
