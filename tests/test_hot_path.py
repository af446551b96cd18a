"""What every request pays for: kept small by design, and held there by these tests.

How fast it is, is measured by `make bench`, never asserted here."""

import gc
from collections.abc import Iterator
from inspect import isasyncgenfunction, iscoroutinefunction

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from inkwell.app import YOUNG_GENERATION_THRESHOLD, create_app
from inkwell.config import Settings


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
    only reads app.state, that hop costs more than the work. Blocking work goes to a thread
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


def test_starting_the_app_freezes_what_it_made_and_collects_young_objects_less_often(
    app: FastAPI,
) -> None:
    """Frozen objects are never walked again, and the youngest generation is collected
    every YOUNG_GENERATION_THRESHOLD allocations, not 700."""
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
