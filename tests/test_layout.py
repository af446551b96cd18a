"""The layout ARCHITECTURE.md describes, held by the code itself."""

import ast
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "inkwell"
SERVICES = sorted(PACKAGE.glob("*/service.py"))
PYPROJECT = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text())
# The modules `make mutation` measures (tests/mutation), and the only decorators of a
# function whose mutants mutmut makes: it leaves every other decorated function unmutated.
MUTATED = sorted(PYPROJECT["tool"]["mutmut"]["only_mutate"])
MUTATED_DECORATORS = {"staticmethod", "classmethod"}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    return imported


def test_every_domain_has_a_service() -> None:
    assert {path.parent.name for path in SERVICES} >= {"auth", "users", "posts", "media", "mail"}


@pytest.mark.parametrize("service", SERVICES, ids=lambda path: path.parent.name)
def test_services_answer_in_rows_not_in_an_apis_schemas(service: Path) -> None:
    """A service serves every façade (the API, the pages, Conduit): it returns its domain's
    rows, and each façade shapes them into its own schemas."""
    schemas = {name for name in _imported_modules(service) if name.endswith(".schemas")}
    assert schemas == set()


@pytest.fixture(params=MUTATED, ids=lambda path: path.removeprefix("src/inkwell/"))
def measured(request: pytest.FixtureRequest) -> ast.Module:
    """A module `make mutation` measures, parsed."""
    module: str = request.param
    return ast.parse((PACKAGE.parents[1] / module).read_text(), filename=module)


def _has_code(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body of only a docstring (a Protocol's member) has nothing to mutate."""
    [first, *rest] = function.body
    return bool(rest) or not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant))


def test_make_mutation_reaches_every_function_of_the_modules_it_measures(
    measured: ast.Module,
) -> None:
    """Their caches and context managers are made by assignment (`_one = cache(_one_statement)`),
    not by decorator: a decorated function would count in no score."""
    decorated = [
        f"{node.name} (@{ast.unparse(decorator)})"
        for node in ast.walk(measured)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _has_code(node)
        for decorator in node.decorator_list
        if ast.unparse(decorator) not in MUTATED_DECORATORS
    ]
    assert decorated == []


def test_the_modules_make_mutation_measures_call_none_of_their_functions_at_import(
    measured: ast.Module,
) -> None:
    """A statement built at import is built before any mutant is switched on (mutmut switches
    per call), so none of its mutants could be told apart: they build at first use."""
    functions = {
        node.name
        for node in measured.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    called = [
        f"line {statement.lineno}: {ast.unparse(statement)}"
        for statement in measured.body
        if isinstance(statement, ast.Assign | ast.AnnAssign)
        for node in ast.walk(statement)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if node.func.id in functions
    ]
    assert called == []
