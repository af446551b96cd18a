"""The cache on, for the tests of caching (the rest of the suite runs without it: the
factory writes behind the app's back)."""

import pytest

from inkwell.caching.middleware import AnonymousCache
from inkwell.config import Settings

# The settings of instances sharing the test Redis (skipped, or failed in CI, without it).
from tests.abuse.test_write_limits import redis_settings  # noqa: F401
from tests.conftest import StartedApp

CACHE_BYTES = 4 * 1024 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Equal for every test, so that they share an app: alone, the cache keeps nothing in
    Redis; `redis_settings` gives each test that shares it a key prefix of its own."""
    return settings.model_copy(update={"anonymous_cache_bytes": CACHE_BYTES})


@pytest.fixture
def cache(started_app: StartedApp) -> AnonymousCache:
    return started_app.state["anonymous_cache"]
