"""The pytest plugin `make mutation` loads (pyproject's [tool.mutmut] pytest_add_cli_args).

It keeps each run to the module's targeted tests (INKWELL_MUTATION_TESTS, set by
tests/mutation/__main__.py), and empties the caches of the modules under mutation before
every test: a statement built once and cached would otherwise be built by the first test
only, so mutmut would map its builder to that test alone, and each mutant's run would
never build it with the mutant switched on.
"""

import os
import sys
import tomllib
from pathlib import Path

import pytest

SELECTION = "INKWELL_MUTATION_TESTS"
_mutated_modules: frozenset[str] = frozenset()


def pytest_configure(config: pytest.Config) -> None:
    global _mutated_modules  # noqa: PLW0603  (set once per session, read before each test)
    pyproject = tomllib.loads((config.rootpath / "pyproject.toml").read_text())
    paths = pyproject["tool"]["mutmut"]["only_mutate"]
    _mutated_modules = frozenset(
        path.removeprefix("src/").removesuffix(".py").replace("/", ".") for path in paths
    )


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Test files outside the selection are not even imported (some need extras)."""
    selection = os.environ.get(SELECTION)
    if not selection or collection_path.suffix != ".py":
        return None
    return collection_path.resolve() not in {Path(name).resolve() for name in selection.split(",")}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in _mutated_modules & sys.modules.keys():
        for value in vars(sys.modules[name]).values():
            if getattr(value, "__module__", None) == name and hasattr(value, "cache_clear"):
                value.cache_clear()
