"""Wall time and peak memory of one command in a child process, free of the parent's memory.

Linux carries a process's peak resident set size across fork and exec: a child forked by
a benchmark that holds 12 GiB (the company it just generated) reports at least 12 GiB
through `wait4`, whatever it used itself. So the command runs under `/usr/bin/time`, which
forks it from its own small process and reports that process's peak, as an operator
measuring `revlake run` by hand would see it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TIME = "/usr/bin/time"


@dataclass(frozen=True)
class ChildRun:
    """What one command took: wall seconds, its own peak RSS (MiB) and its exit code."""

    wall_s: float
    peak_mib: float
    exit_code: int


def run_measured(command: list[str], env: Mapping[str, str] | None = None) -> ChildRun:
    """Run `command` (output discarded) and measure it as a process of its own, with
    `env` added to this process's environment."""
    if not Path(TIME).is_file() or shutil.which(TIME) is None:
        raise SystemExit(f"{TIME} is needed to measure a command's own peak memory (Debian: time)")
    with tempfile.TemporaryDirectory(prefix="revlake-bench-time-") as tmp:
        report = Path(tmp) / "peak"
        started = time.perf_counter()
        done = subprocess.run(
            [TIME, "-f", "%M", "-o", str(report), *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            env={**os.environ, **env} if env else None,
        )
        wall = time.perf_counter() - started
        lines = report.read_text().split() if report.is_file() else []
    peak_kib = float(lines[-1]) if lines and lines[-1].isdigit() else float("nan")
    return ChildRun(wall, peak_kib / 1024, done.returncode)
