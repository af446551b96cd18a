"""What every request pays for: kept small by design, and held there by these tests.

How fast it is, is measured by `make bench`, never asserted here."""

import gc
from collections.abc import Iterator
from inspect import isasyncgenfunction, iscoroutinefunction

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import ASGITransport, AsyncClient
from opentelemetry import trace

from inkwell.app import create_app
from inkwell.cli import YOUNG_GENERATION_THRESHOLD, with_process_policy
from inkwell.config import Settings
from tests.conftest import PYTHONS_OWN_THRESHOLD, started


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)


def _runs_on_the_event_loop(call: object) -> bool:
    if iscoroutinefunction(call) or isasyncgenfunction(call):
        return True
    # Security schemes (OAuth2PasswordBearer, APIKeyCookie) are objects with an async __call__.
    return not isinstance(call, type) and iscoroutinefunction(type(call).__call__)


def test_no_route_or_dependency_is_sent_to_the_thread_pool(settings: Settings) -> None:
    """FastAPI runs a plain `def` in a worker thread on every request: for a dependency that
    only reads the State, that hop costs more than the work. Blocking work goes to a thread
    on purpose (argon2, Pillow, boto3) from inside async code, never by being a `def`."""
    app: FastAPI = create_app(settings)
    routes = [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]
    assert {"/api/posts", "/api/users/me", "/"} <= {route.path for route in routes}
    sync = {
        f"{route.path}: {getattr(dependency.call, '__name__', dependency.call)}"
        for route in routes
        for dependency in [route.dependant, *_dependencies(route.dependant)]
        if dependency.call is not None and not _runs_on_the_event_loop(dependency.call)
    }
    assert sync == set()


@pytest.fixture
def pythons_own_collector() -> Iterator[None]:
    """The collector as Python starts it, during the test; afterwards the test process's own
    settings back (tests/conftest.py freezes what a worker holds once it has collected)."""
    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    gc.set_threshold(*PYTHONS_OWN_THRESHOLD)
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    if frozen:
        gc.freeze()


@pytest.mark.usefixtures("pythons_own_collector")
async def test_a_served_app_freezes_what_it_made_and_collects_young_objects_less_often(
    settings: Settings,
) -> None:
    """What `inkwell serve` runs: once started, frozen objects are never walked again, and
    the youngest generation is collected every YOUNG_GENERATION_THRESHOLD allocations."""
    async with started(with_process_policy(create_app(settings))):
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD


@pytest.mark.usefixtures("pythons_own_collector")
async def test_the_app_alone_leaves_the_collector_as_the_process_has_it(
    settings: Settings,
) -> None:
    threshold = gc.get_threshold()
    async with started(create_app(settings)):
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == threshold


@pytest.mark.parametrize("telemetry", [False, True])
async def test_fastapi_looks_for_an_opentelemetry_provider_only_with_telemetry_on(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, telemetry: bool
) -> None:
    lookups: list[None] = []
    global_provider = trace.get_tracer_provider

    def counted_provider() -> trace.TracerProvider:
        lookups.append(None)
        return global_provider()

    monkeypatch.setattr(trace, "get_tracer_provider", counted_provider)
    app = create_app(settings.model_copy(update={"telemetry": telemetry}))
    async with (
        started(app) as served,
        AsyncClient(transport=ASGITransport(app=served), base_url="http://test") as client,
    ):
        assert (await client.get("/health")).status_code == 200

    assert bool(lookups) is telemetry
