"""Two pytest-xdist workers that each build a shared company once (`make test`, `-n 2`).

Tests that share one expensive session build (a company built with dbt, the MavenTech
export, Spark) must run in the same worker, or both workers build it. xdist's `loadgroup`
cannot do this under pytest 9 (it renames node ids, which pytest 9 no longer lets a plugin
do), so this plugin does the grouping itself: each worker writes the group of every test it
collected (derived from the test's fixtures, so a new test lands in the right group by
itself) to a file the controller's scheduler reads. With `--dist loadgroup` the scheduler is
xdist's own scope scheduler with these groups as scopes; the longest groups go first.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

GROUPS_FILE_VARIABLE = "PYTEST_REVLAKE_WORKER_GROUPS"
SPARK_FILES = {"test_spark_parity.py", "test_spark_incremental.py", "test_databricks.py"}

SHARED_BUILD_GROUPS: dict[str, str] = {
    "served": "company-150-5",
    "ap_company": "company-150-5",  # tests/finance/ap_support.py: the served company's build
    "maventech_workspace": "maventech",
    "synthetic_build": "company-300-1",
    "ar_company": "company-300-1",  # tests/finance/ar_support.py: the same company and tenant
    "gold_build": "gold",
    "revrec_company": "revrec",
    "small_company": "small-company",
}
"""A session build (fixture, or support-module builder imported by the test's module) and
the group of the tests that share it."""

GROUPS_FIRST = ("spark", "company-150-5", "maventech", "company-300-1", "gold")
"""The longest groups, handed out first so that neither worker ends the run alone."""


def worker_group(item: pytest.Item) -> str:
    """The group of a test: the shared build it needs (or Spark), else its module, whose
    module-scoped fixtures are then set up once too."""
    if item.path.name in SPARK_FILES:
        return "spark"
    names = set(getattr(item, "fixturenames", ()))
    module = getattr(item, "module", None)
    if module is not None:
        names |= set(vars(module))
    for name, group in SHARED_BUILD_GROUPS.items():
        if name in names:
            return group
    return item.nodeid.split("::", 1)[0]


def group_items(items: list[pytest.Item]) -> None:
    """In a worker: order the tests longest groups first (every worker the same way, as
    xdist requires) and write each test's group for the controller."""
    groups = {item.nodeid: worker_group(item) for item in items}
    rank = {group: index for index, group in enumerate(GROUPS_FIRST)}

    def order(item: pytest.Item) -> tuple[int, bool]:
        # Browser tests last in their group: Playwright's sync API keeps an event loop
        # running in the worker's thread from then on (asyncio.run would fail after it).
        browser = item.get_closest_marker("browser") is not None
        return rank.get(groups[item.nodeid], len(rank)), browser

    items.sort(key=order)
    target = os.environ.get(GROUPS_FILE_VARIABLE)
    if target:
        path = Path(target)
        partial = path.with_name(f"{path.name}.{os.environ.get('PYTEST_XDIST_WORKER')}")
        partial.write_text(json.dumps(groups), encoding="utf-8")
        partial.replace(path)  # atomic: the other worker writes the same content


class WorkerGroups:
    """The controller's side: a groups file for the workers, and the scheduler that reads it."""

    def pytest_configure(self, config: pytest.Config) -> None:
        if not hasattr(config, "workerinput") and GROUPS_FILE_VARIABLE not in os.environ:
            folder = tempfile.mkdtemp(prefix="revlake-worker-groups-")
            os.environ[GROUPS_FILE_VARIABLE] = str(Path(folder) / "groups.json")

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "loadgroup":
            return None
        from xdist.scheduler import LoadScopeScheduling

        path = Path(os.environ[GROUPS_FILE_VARIABLE])

        class SharedBuildScheduling(LoadScopeScheduling):  # type: ignore[misc]
            """xdist's scope scheduling, a scope being a group of `worker_group`."""

            groups: dict[str, str] | None = None

            def _split_scope(self, nodeid: str) -> str:
                if self.groups is None:  # read once every worker has collected
                    self.groups = json.loads(path.read_text(encoding="utf-8"))
                return self.groups.get(nodeid) or nodeid.split("::", 1)[0]

        return SharedBuildScheduling(config, log)
