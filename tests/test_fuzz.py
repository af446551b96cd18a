"""Schemathesis over every operation of the OpenAPI document, signed in and anonymous, against
a real server on PostgreSQL (which refuses what SQLite forgives): a short run of `make fuzz`."""

import pytest

from tests.fuzz.run import fuzz

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_schemathesis_finds_no_server_error_undocumented_status_or_schema_break(
    database_url: str,
) -> None:
    assert fuzz(max_seconds=25, database_url=database_url) == 0
