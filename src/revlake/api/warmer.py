"""Opens each tenant's newly published build in the background, answers loaded.

A publish is a pointer swap in another process (`revlake run`, `score`, …); the server
learns of it from the CURRENT file. The warmer polls the CURRENT files every `interval_s`
(a `stat` per tenant) and, when one changed, loads the build's precomputed answers
(`revlake.reader.answers.load_answers`: from the answers file beside the build, a few ms)
and then opens its DuckDB connection (tens to a couple of hundred ms on a loaded 2-core
machine), before a user asks. A request that arrives first does not wait for the
connection: the server opens builds lazily, and a stored answer is read from the answers
file; only an answer that needs a query opens the connection (or waits for the warmer's).
Either way each build is warmed once (`BuildRegistry.warm`).
"""

from __future__ import annotations

import logging
import threading

from revlake.errors import RevlakeError
from revlake.reader import Build, BuildRegistry
from revlake.reader.answers import load_answers

log = logging.getLogger(__name__)
WARM_INTERVAL_S = 0.2


def warm_build(build: Build) -> None:
    """Load the build's stored answers first (what the first requests want), then open
    its DuckDB connection (what answers that are not stored need)."""
    load_answers(build)
    build.connection()


class BuildWarmer:
    """A daemon thread warming every tenant's current build (see the module docstring)."""

    def __init__(
        self, registry: BuildRegistry, tenants: list[str], interval_s: float = WARM_INTERVAL_S
    ) -> None:
        self.registry = registry
        self.tenants = tenants
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling (again after `stop`: an app's lifespan may run several times)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="revlake-build-warmer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=10)

    def warm_once(self) -> None:
        """Warm every tenant's current build now (what each poll does)."""
        for tenant in self.tenants:
            try:
                self.registry.warm(tenant, warm_build)
            except RevlakeError as exc:  # a build that cannot be opened: requests say why
                log.warning("cannot warm the published build of tenant %s: %s", tenant, exc)
            except Exception:  # never let one bad build stop warming the others
                log.exception("warming the published build of tenant %s failed", tenant)

    def _run(self) -> None:
        stop = self._stop
        while not stop.is_set():
            self.warm_once()
            stop.wait(self.interval_s)
