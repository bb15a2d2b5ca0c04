"""`generate_company`: validate the arguments, run the chunks, write the manifest.

Determinism: every random draw comes from numpy / Python generators seeded from
(seed, stream, chunk) through `numpy.random.SeedSequence`; nothing reads the clock, and
no output depends on set or hash ordering. Memory: one chunk's leads and accounts are in
memory at a time; rows stream to the open files.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from revlake.demo import schema
from revlake.demo.accounting import LEDGER_DIR, Ledger, write_accounting
from revlake.demo.calendar import Calendar
from revlake.demo.chunk import run_chunk
from revlake.demo.context import ChunkContext, Company, chunk_streams, global_stream
from revlake.demo.reference import Catalogue, FxTable, Marketing, SalesTeam
from revlake.demo.sink import CsvFile
from revlake.errors import InputError, RevlakeError

GENERATOR_VERSION = "1"
MAX_CUSTOMERS = 50_000_000
DEFAULT_CHUNK = 10_000
OUTPUT_ENTRIES = ("exports", "truth", "manifest.json", ".parts", LEDGER_DIR)
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class GenerateConfig:
    """Arguments of one generation run."""

    customers: int
    seed: int
    out: Path
    start: date = date(2021, 1, 1)
    end: date = date(2025, 12, 31)
    force: bool = False
    chunk_size: int = DEFAULT_CHUNK


def validate(cfg: GenerateConfig) -> None:
    """Raise InputError naming the bad argument."""
    if not 1 <= cfg.customers <= MAX_CUSTOMERS:
        raise InputError(
            f"--customers must be between 1 and {MAX_CUSTOMERS:,}, got {cfg.customers}"
        )
    if cfg.seed < 0:
        raise InputError(f"--seed must be zero or positive, got {cfg.seed}")
    if cfg.end <= cfg.start:
        raise InputError(f"--end ({cfg.end}) must be after --start ({cfg.start})")
    if (cfg.end - cfg.start).days < 60:
        raise InputError("--start and --end must be at least 60 days apart")
    if cfg.start.year < 1990 or cfg.end.year > 2200:
        raise InputError("--start and --end must lie between 1990 and 2200")
    if cfg.chunk_size < 1:
        raise InputError(f"chunk size must be positive, got {cfg.chunk_size}")


def prepare_out(out: Path, force: bool) -> None:
    """Create the output folder; refuse a non-empty one unless `force`."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise InputError(f"--out {out}: folder is not empty (use --force to overwrite)")
        for name in OUTPUT_ENTRIES:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".revlake-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write there ({exc.strerror or exc})") from exc


def chunk_shares(customers: int, chunk_size: int) -> list[float]:
    """Each chunk's share of the company (chunk customer targets over N)."""
    k = max(1, math.ceil(customers / chunk_size))
    base, extra = divmod(customers, k)
    return [(base + (1 if i < extra else 0)) / customers for i in range(k)]


def build_company(cfg: GenerateConfig, files: dict[str, CsvFile]) -> Company:
    """The run-wide reference data, drawn from the global stream (same in every process)."""
    cal = Calendar(cfg.start, cfg.end)
    grng = global_stream(cfg.seed)
    fx = FxTable(cal, grng)
    catalogue = Catalogue(cal)
    team = SalesTeam(cfg.customers, cal, grng)
    marketing = Marketing(cfg.customers, cal, grng)
    ledger = Ledger(cfg.out / LEDGER_DIR, cfg.seed, cal)
    return Company(cal, fx, catalogue, team, marketing, files, ledger)


ChunkResult = tuple[int, "np.ndarray[Any, np.dtype[np.int64]]", dict[str, int]]


def _chunk_job(job: tuple[GenerateConfig, int, float, str]) -> ChunkResult:
    """Worker process: write chunk `k` to part files under `part_dir`."""
    cfg, k, share, part_dir = job
    files = {path: CsvFile(Path(part_dir) / path, None) for path in schema.HEADERS}
    company = build_company(cfg, files)
    try:
        rng, pr = chunk_streams(cfg.seed, k)
        paying = run_chunk(ChunkContext(company, k, rng, pr), share)
        if company.ledger is not None:
            company.ledger.finish_chunk(k)
    finally:
        for f in files.values():
            f.close()
    return paying, company.marketing.paid_leads, {path: f.rows for path, f in files.items()}


def _run_chunks(
    cfg: GenerateConfig, company: Company, workers: int, progress: ProgressFn | None
) -> int:
    """Run every chunk, in this process or in `workers` processes; return paying customers."""
    shares = chunk_shares(cfg.customers, cfg.chunk_size)
    paying = 0
    if workers <= 1 or len(shares) == 1:
        for k, share in enumerate(shares):
            rng, pr = chunk_streams(cfg.seed, k)
            paying += run_chunk(ChunkContext(company, k, rng, pr), share)
            if company.ledger is not None:
                company.ledger.finish_chunk(k)
            if progress is not None:
                progress(k + 1, len(shares))
        return paying
    parts = cfg.out / ".parts"
    jobs = [(cfg, k, share, str(parts / str(k))) for k, share in enumerate(shares)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(min(workers, len(shares))) as pool:
        for k, (n, paid_leads, rows) in enumerate(pool.imap(_chunk_job, jobs)):
            paying += n
            company.marketing.paid_leads += paid_leads
            for path, count in rows.items():
                company.files[path].append_part(parts / str(k) / path, count)
            if progress is not None:
                progress(k + 1, len(shares))
    shutil.rmtree(parts, ignore_errors=True)
    return paying


def generate_company(
    cfg: GenerateConfig, progress: ProgressFn | None = None, workers: int = 1
) -> dict[str, Any]:
    """Write the synthetic company to `cfg.out`; return the manifest (also written).

    `workers` > 1 runs chunks in that many processes; the files are the same bytes.
    """
    validate(cfg)
    prepare_out(cfg.out, cfg.force)
    files = {path: CsvFile(cfg.out / path, header) for path, header in schema.HEADERS.items()}
    company = build_company(cfg, files)
    try:
        company.team.write(files[schema.USER])
        company.catalogue.write(
            company.cal, files[schema.PRODUCTS], files[schema.PRICES], files[schema.COUPONS]
        )
        company.fx.write(company.cal, files[schema.FX])
        paying = _run_chunks(cfg, company, workers, progress)
        ads = [
            files[schema.GOOGLE],
            files[schema.META],
            files[schema.LINKEDIN],
            files[schema.MICROSOFT],
        ]
        company.marketing.write(
            company.cal, ads, np.random.default_rng(np.random.SeedSequence([cfg.seed, 2]))
        )
        n_chunks = len(chunk_shares(cfg.customers, cfg.chunk_size))
        write_accounting(company, cfg.seed, cfg.customers, n_chunks, cfg.out)
    except OSError as exc:
        raise RevlakeError(f"writing {cfg.out} failed: {exc}") from exc
    finally:
        hashes = {path: f.close() for path, f in files.items()}
    manifest: dict[str, Any] = {
        "generator": "revlake.demo",
        "generator_version": GENERATOR_VERSION,
        "arguments": {
            "customers": cfg.customers,
            "seed": cfg.seed,
            "start": cfg.start.isoformat(),
            "end": cfg.end.isoformat(),
            "chunk_size": cfg.chunk_size,
        },
        "paying_customers": paying,
        "files": {
            path: {"rows": files[path].rows, "sha256": hashes[path]} for path in sorted(files)
        },
    }
    (cfg.out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest
