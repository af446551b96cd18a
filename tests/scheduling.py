"""How `make test` (`pytest -n 2 --dist loadgroup`) shares the tests between its workers.

A module whose tests share one costly module-scoped fixture runs on one worker, so the
fixture is made once: tests/test_plans.py's database of 100,000 posts takes some 25 s of
PostgreSQL's CPU to seed. xdist's own `loadgroup` would do this from an `xdist_group` mark, but
with pytest 9.2 its marks no longer reach the scheduler (it renames the tests' node ids, which
pytest no longer takes from the attribute it writes: pytest-xdist#1386, open), and each
worker seeded its own database. The modules are named here instead.

The scheduling is xdist's `loadscope` (one work unit a module here, every other test a unit
of its own): the largest unit goes out first, so one worker starts with the module while the
other goes on with the rest.
"""

from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

ONE_WORKER_MODULES = frozenset({"tests/test_plans.py"})


class OneWorkerModules(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return module if module in ONE_WORKER_MODULES else nodeid


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling | None:
    if config.getvalue("dist") != "loadgroup":
        return None
    return OneWorkerModules(config, log)
