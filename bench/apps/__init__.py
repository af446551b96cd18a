"""The reference apps the benchmark compares Inkwell with; none of them is part of Inkwell.

Each is served by uvicorn as a factory (`module:create_app`) and reads the database it
serves from BENCH_DATABASE_URL, a plain `postgresql://` URL that each one gives its own driver.
"""

import importlib
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sqlalchemy.engine import URL, make_url

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The same pool for every app that has one: Inkwell's defaults. No overflow: overflow
# connections are opened and closed per checkout, so under load they would measure
# PostgreSQL's connection start-up rather than the app (see bench/NOTES.md).
POOL_SIZE = 20
MAX_OVERFLOW = 0


def database_url(driver: str) -> URL:
    return make_url(os.environ["BENCH_DATABASE_URL"]).set(drivername=f"postgresql+{driver}")


def upstream_url() -> str | None:
    """Set in the slow-I/O scenario: the stub every request waits on (see bench.apps.upstream)."""
    return os.environ.get("BENCH_UPSTREAM_URL")


def app_named_by(variable: str) -> ASGIApp:
    """The app built by the factory that the environment `variable` names (`module:factory`):
    how a wrapper (bench.apps.upstream, bench.apps.timed) serves the app inside it."""
    module_name, factory_name = os.environ[variable].split(":")
    app: ASGIApp = getattr(importlib.import_module(module_name), factory_name)()
    return app
