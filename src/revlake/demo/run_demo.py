"""`make demo`: a synthetic company through the whole of revlake, then the dashboard.

Steps (each reuses the library functions the CLI calls):
  1. generate the company into `<dir>/company` (skipped when the same arguments were
     already generated there);
  2. create the workspace `<dir>/workspace` with tenant `demo` (once);
  3. copy the exports into the tenant's landing folder;
  4. `revlake run`: ingest → build → publish, recorded in the run history;
  5. train the win and churn models (beside the generator's oracle), then score deals,
     forecast and score customers (later `revlake run`s re-score every new build), and
     backtest the forecast over the last 4 quarters (the model page shows it);
  6. create an executive API key and serve the API and dashboard (unless --no-serve).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from rich.console import Console

from revlake.demo import GenerateConfig, generate_company
from revlake.errors import RevlakeError
from revlake.workspace import Workspace, init_workspace, use_private_umask

TENANT = "demo"
console = Console()


def _already_generated(out: Path, customers: int, seed: int) -> bool:
    manifest = out / "manifest.json"
    if not manifest.is_file():
        return False
    arguments = json.loads(manifest.read_text(encoding="utf-8")).get("arguments", {})
    return bool(arguments.get("customers") == customers and arguments.get("seed") == seed)


def prepare_demo(root: Path, customers: int, seed: int) -> Workspace:
    """Steps 1–3: the company's exports in the landing folder of a demo workspace."""
    company = root / "company"
    if _already_generated(company, customers, seed):
        console.print(f"[dim]company already generated in {company}[/]")
    else:
        console.print(f"generating a company of {customers:,} customers (seed {seed}) …")
        generate_company(GenerateConfig(customers=customers, seed=seed, out=company, force=True))
    workspace_dir = root / "workspace"
    if (workspace_dir / "revlake.toml").is_file():
        workspace = Workspace.open(workspace_dir)
    else:
        workspace = init_workspace(workspace_dir, tenants=[TENANT])
    shutil.copytree(company / "exports", workspace.landing_dir(TENANT), dirs_exist_ok=True)
    return workspace


def run_demo(root: Path, customers: int, seed: int, *, serve: bool, port: int) -> int:
    """Run every step; returns the process exit code."""
    from revlake.cli.run_cmd import _print_result
    from revlake.pipeline import run_pipeline, score_registered_models

    workspace = prepare_demo(root, customers, seed)
    # the demo wrote these files itself a moment ago: no need to wait for them to settle
    result = run_pipeline(workspace, TENANT, actor="make demo", settle_s=0)
    _print_result(result)
    if not result.ok:
        return 1
    if _train_models(workspace, root / "company" / "truth"):
        pipeline_steps = len(result.steps)
        score_registered_models(workspace, result)
        console.print(f"model steps: {', '.join(result.steps[pipeline_steps:])}")
        _backtest(workspace)
    if serve:
        return _serve(workspace, port)
    return 0


def _backtest(workspace: Workspace) -> None:
    """The forecast backtest the dashboard's model page shows (skipped on too little history)."""
    from revlake.ml.forecast_service import backtest_tenant

    try:
        report = backtest_tenant(workspace, TENANT, cutoffs=4)
    except RevlakeError as exc:
        console.print(f"[yellow]backtest skipped:[/] {exc}")
        return
    summary = report.summary
    console.print(
        f"backtest over {len(summary.rows)} quarters: P50 MAPE {summary.mape:.1%} "
        f"(stage-weighted baseline {summary.baseline_mape:.1%}), "
        f"P10–P90 coverage {summary.coverage:.0%}: {report.table}"
    )


def _train_models(workspace: Workspace, truth: Path) -> bool:
    """Train the win and churn models, each reported beside the generator's oracle."""
    from revlake.ml.churn_service import train_churn_tenant
    from revlake.ml.service import train_tenant

    try:
        win = train_tenant(workspace, TENANT, oracle_path=truth / "opportunity_truth.csv")
        console.print(f"trained win model: {win.version_path}")
        churn = train_churn_tenant(
            workspace, TENANT, hazards_path=truth / "customer_churn_hazard.csv"
        )
        console.print(f"trained churn model: {churn.version_path}")
    except RevlakeError as exc:
        console.print(f"[yellow]model training skipped:[/] {exc}")
        return False
    return True


def _serve(workspace: Workspace, port: int) -> int:
    from revlake.api.server import demo_key, serve

    key = demo_key(workspace, TENANT)
    console.print(
        f"\n[bold]Dashboard:[/] http://127.0.0.1:{port}/   [bold]API docs:[/] "
        f"http://127.0.0.1:{port}/docs"
    )
    console.print(f"[bold]API key (admin, tenant {TENANT}):[/] {key}\n")
    serve(workspace, host="127.0.0.1", port=port)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("demo-workspace"))
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="stop after the pipeline")
    args = parser.parse_args(argv)
    use_private_umask()  # like the `revlake` command: the demo's files are 0600 / 0700
    try:
        return run_demo(
            args.dir.resolve(), args.customers, args.seed, serve=not args.no_serve, port=args.port
        )
    except RevlakeError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
