"""Schemathesis against a real `inkwell serve` on a free loopback port, over each of its
documents (Inkwell's API, and the Conduit API's at /conduit/api): one pass signed in
(tests/fuzz/hooks.py registers a user and sends its token, which both APIs take), one
anonymous pass."""

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.ports import free_port
from tests.servers import ROOT, VENV_BIN, server_env

# The documents fuzzed, by the base URL of their operations.
DOCUMENTS = ("", "/conduit/api")
# The cases of the fuzzing phase each operation gets in the suite's smoke pass: the first is
# the simplest valid one, the next ones are as often invalid (schemathesis's mode `all`).
SMOKE_EXAMPLES = 3
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
GENEROUS_RATE_LIMITS = {
    f"RATE_LIMIT_{action}_PER_{key}": "100000/minute"
    for action in ("LOGIN", "REGISTER", "FORGOT_PASSWORD")
    for key in ("ADDRESS", "ACCOUNT")
}


def _wait_until_answering(url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not start")


@contextmanager
def serving(database_url: str | None = None) -> Iterator[str]:
    """`inkwell serve` on a free loopback port (SQLite in a temporary directory unless
    `database_url`), stopped at the end; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="inkwell-fuzz-") as tmp:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = server_env(
            DATABASE_URL=database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'fuzz.db'}",
            MEDIA_DIR=str(Path(tmp) / "media"),
            ARGON2_TIME_COST="1",
            ARGON2_MEMORY_COST_KIB="64",
            LOG_LEVEL="WARNING",
            **GENEROUS_RATE_LIMITS,
        )
        command = [VENV_BIN / "inkwell", "serve", "--port", str(port)]
        server = subprocess.Popen(command, cwd=tmp, env=env, stdin=subprocess.DEVNULL)
        try:
            _wait_until_answering(f"{base_url}/health", server, timeout=120)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=60)


def fuzz(max_seconds: int, database_url: str | None = None) -> int:
    """Runs both passes over each document for `max_seconds` each, every phase; the exit code
    is schemathesis's worst. One schemathesis worker: with two, its threads sometimes crash
    inside schemathesis and hypothesis (a KeyError in the coverage phase, an "AST constructor
    recursion depth mismatch" in hypothesis's lambda cache), not in the API."""
    with serving(database_url) as base_url:
        return max(
            _schemathesis(base_url, api, [f"--max-time={max_seconds}"], signed_in=signed_in)
            for api in DOCUMENTS
            for signed_in in (True, False)
        )


@dataclass(frozen=True)
class Smoke:
    """A smoke pass's exit code, and the operations of the document it did not test."""

    exit_code: int
    untested: set[str]


def smoke(base_url: str, api: str, report: Path, *, signed_in: bool) -> Smoke:
    """One pass over a document with a budget of cases, not of seconds (tests/test_fuzz.py):
    SMOKE_EXAMPLES cases of the fuzzing phase, valid and invalid, for every operation, however
    slow the machine. A time budget on a busy machine ends inside the coverage phase, with
    operations never sent; the long runs of every phase are `make fuzz`."""
    arguments = [
        "--phases=fuzzing",
        "--generation-database=none",
        f"--max-examples={SMOKE_EXAMPLES}",
        "--report=ndjson",
        f"--report-ndjson-path={report}",
    ]
    exit_code = _schemathesis(base_url, api, arguments, signed_in=signed_in)
    document = httpx.get(f"{base_url}{api}/openapi.json", timeout=30).json()
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    tested = set()
    for line in report.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if finished and finished["status"] != "skip":
            tested.add(finished["recorder"]["label"])
    return Smoke(exit_code, operations - tested)


def _schemathesis(base_url: str, api: str, budget: list[str], *, signed_in: bool) -> int:
    env = os.environ | {"INKWELL_FUZZ_URL": base_url, "PYTHONPATH": str(ROOT)}
    if signed_in:
        env["SCHEMATHESIS_HOOKS"] = "tests.fuzz.hooks"
    who = "signed in" if signed_in else "anonymous"
    print(f"== schemathesis, {base_url}{api}/openapi.json, {who}", flush=True)
    command = [
        VENV_BIN / "schemathesis",
        "run",
        f"{base_url}{api}/openapi.json",
        f"--url={base_url}{api}",
        "--checks=all",
        "--exclude-checks=ignored_auth,object_level_authorization",
        *budget,
        "--workers=1",
        "--request-timeout=30",
        "--seed=20261125",
        "--no-color",
    ]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
