"""`revlake generate`: write a synthetic B2B SaaS company (exports + ground truth)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from revlake.cli.common import console, err_console
from revlake.demo import GenerateConfig, generate_company
from revlake.demo.generate import prepare_out, validate
from revlake.errors import InputError


def _parse_date(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise InputError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from exc


def generate(
    customers: Annotated[
        str, typer.Option("--customers", "-n", help="Paying customers to acquire (about).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (new or empty).")],
    seed: Annotated[
        str, typer.Option("--seed", "-s", help="Random seed (same seed, same files).")
    ] = "42",
    start: Annotated[str, typer.Option("--start", help="First day of the history.")] = "2021-01-01",
    end: Annotated[
        str, typer.Option("--end", help="Last day of the history (export date).")
    ] = "2025-12-31",
    force: Annotated[bool, typer.Option("--force", help="Overwrite a non-empty --out.")] = False,
    workers: Annotated[
        int, typer.Option("--workers", "-j", help="Processes to run chunks in (same output).")
    ] = 1,
) -> None:
    """Generate a synthetic company: CRM, billing, ad and FX exports plus ground truth."""
    try:
        n = int(customers)
    except ValueError as exc:
        raise InputError(f"--customers must be a whole number, got {customers!r}") from exc
    try:
        seed_value = int(seed)
    except ValueError as exc:
        raise InputError(f"--seed must be a whole number, got {seed!r}") from exc
    cfg = GenerateConfig(
        customers=n,
        seed=seed_value,
        out=out,
        start=_parse_date(start, "--start"),
        end=_parse_date(end, "--end"),
        force=force,
    )
    validate(cfg)
    if not 1 <= workers <= 64:
        raise InputError(f"--workers must be between 1 and 64, got {workers}")
    prepare_out(cfg.out, cfg.force)  # fail before the progress bar appears
    with Progress(
        TextColumn("[bold]generating[/] chunk"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("chunks", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        manifest = generate_company(cfg, progress, workers=workers)
    files = manifest["files"]
    console.print(
        f"Wrote [bold]{out}[/]: {manifest['paying_customers']:,} paying customers, "
        f"{files['exports/billing/invoices.csv']['rows']:,} invoices, "
        f"{files['exports/billing/invoice_line_items.csv']['rows']:,} invoice lines, "
        f"{sum(f['rows'] for f in files.values()):,} rows in {len(files)} files"
    )


def register(app: typer.Typer) -> None:
    app.command()(generate)
