"""The inner loop, `make test-fast`: `--databases` picks the databases the data tests run on,
leaving the other's cases out and every test that needs no database in."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# A test on `database_url`, one on a `*database_url` fixture of its own, one on none.
CHOSEN = [
    "tests/search/test_search_api.py::test_every_word_is_required",
    "tests/test_migrations.py::test_migrations_go_down_to_nothing_and_back_up",
    "tests/test_layout.py::test_every_domain_has_a_service",
]


def collect(*options: str) -> subprocess.CompletedProcess[str]:
    command = (sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider")
    return subprocess.run(
        [*command, *options, *CHOSEN],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_data_tests_run_on_the_databases_asked_for_alone() -> None:
    collected = collect("--databases", "sqlite")

    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert [line for line in collected.stdout.splitlines() if "::" in line] == [
        "tests/search/test_search_api.py::test_every_word_is_required[sqlite]",
        "tests/test_migrations.py::test_migrations_go_down_to_nothing_and_back_up[sqlite]",
        "tests/test_layout.py::test_every_domain_has_a_service",
    ]
    assert "(2 deselected)" in collected.stdout


@pytest.mark.slow
def test_a_database_the_suite_does_not_know_is_refused() -> None:
    collected = collect("--databases", "sqlite,mysql")

    assert collected.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--databases: no such database mysql" in collected.stderr
