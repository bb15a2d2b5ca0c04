"""Count the expensive set-ups of a pytest run: dbt invocations and company generations.

Opt-in pytest plugin (`python -m pytest -p tests.build_trace ...`): every dbt command run
in-process and every `generate_company` call is recorded with the test (and phase: setup,
call, teardown) that caused it and the seconds it took; the terminal summary lists them and
their totals. It is how docs/ARCHITECTURE.md ("Tests") counts the builds of a run, and how
a new test that builds a company again instead of asking `company_factory` is found.
Nothing is patched unless the plugin is named with `-p`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from revlake.demo.generate import GenerateConfig, ProgressFn


@dataclass(frozen=True)
class Setup:
    """One dbt command or one company generation, and the test that caused it."""

    kind: str  # "dbt" | "generate"
    what: str  # e.g. "build --select +fct_x" or "customers=150 seed=5"
    test: str  # PYTEST_CURRENT_TEST: "path::name (setup)"
    seconds: float


RECORDED: list[Setup] = []


def _record(kind: str, what: str, started: float) -> None:
    test = os.environ.get("PYTEST_CURRENT_TEST", "(outside a test)")
    RECORDED.append(Setup(kind, what, test, time.perf_counter() - started))


def _dbt_what(args: list[str]) -> str:
    """The dbt command and its selection, without the paths and vars revlake passes."""
    words = [args[0]] if args else []
    if "--select" in args:
        words += ["--select", args[args.index("--select") + 1]]
    return " ".join(words)


def _patch() -> None:
    from dbt.cli.main import dbtRunner

    import revlake.demo
    import revlake.demo.generate

    invoke = dbtRunner.invoke

    def traced_invoke(self: Any, args: list[str], **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return invoke(self, args, **kwargs)
        finally:
            _record("dbt", _dbt_what(list(args)), started)

    dbtRunner.invoke = traced_invoke  # type: ignore[method-assign]

    generate = revlake.demo.generate.generate_company

    def traced_generate(
        cfg: GenerateConfig, progress: ProgressFn | None = None, workers: int = 1
    ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return generate(cfg, progress, workers)
        finally:
            _record("generate", f"customers={cfg.customers} seed={cfg.seed}", started)

    revlake.demo.generate.generate_company = traced_generate
    revlake.demo.generate_company = traced_generate


# At import, not in pytest_configure: `-p` plugins are imported before the conftests, whose
# `from revlake.demo import generate_company` must already see the traced function.
_patch()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    terminalreporter.section("expensive set-ups (tests/build_trace.py)")
    for setup in RECORDED:
        write(f"{setup.seconds:7.1f}s  {setup.kind:8}  {setup.what:60.60}  {setup.test}")
    for kind in ("dbt", "generate"):
        chosen = [s for s in RECORDED if s.kind == kind]
        total = sum(s.seconds for s in chosen)
        write(f"{kind}: {len(chosen)} calls, {total:.1f} s")
