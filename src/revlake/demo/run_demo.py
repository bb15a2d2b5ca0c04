"""`make demo`: a synthetic company through the whole of revlake, then the dashboard.

Steps (each reuses the library functions the CLI calls):
  1. generate the company into `<dir>/company` (skipped when the same arguments were
     already generated there);
  2. create the workspace `<dir>/workspace` with tenant `demo` (once);
  3. copy the exports into the tenant's landing folder;
  4. `revlake run`: ingest → build → publish, recorded in the run history;
  5. train the win-probability model and score the open deals (later runs of
     `revlake run` re-score every new build);
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
from revlake.workspace import Workspace, init_workspace

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
    from revlake.pipeline import run_pipeline

    workspace = prepare_demo(root, customers, seed)
    result = run_pipeline(workspace, TENANT, actor="make demo")
    _print_result(result)
    if not result.ok:
        return 1
    _train_and_score(workspace, root / "company")
    if serve:
        return _serve(workspace, port)
    return 0


def _train_and_score(workspace: Workspace, company: Path) -> None:
    """Train the win model (with the generator's oracle beside it) and score open deals."""
    from revlake.ml.service import score_tenant, train_tenant

    try:
        trained = train_tenant(
            workspace, TENANT, oracle_path=company / "truth" / "opportunity_truth.csv"
        )
        console.print(f"trained win model: {trained.version_path}")
        scored = score_tenant(workspace, TENANT)
        console.print(f"scored open deals into {scored.snapshot.name}")
    except RevlakeError as exc:
        console.print(f"[yellow]model step skipped:[/] {exc}")


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
    try:
        return run_demo(
            args.dir.resolve(), args.customers, args.seed, serve=not args.no_serve, port=args.port
        )
    except RevlakeError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
