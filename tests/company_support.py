"""Generate a synthetic company, ingest its exports and build it: the set-up several test
folders share (receivables, payables, revenue recognition), in one place."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from revlake.demo import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.transform.build import BuildSummary, build_tenant
from revlake.workspace import Workspace, init_workspace


def generate_ingest_build(
    generated: Path,
    workspace_root: Path,
    *,
    customers: int,
    seed: int,
    tenant: str = "demo",
    select: str | None = None,
) -> tuple[Workspace, BuildSummary]:
    """The company generated into `generated`, ingested strictly (no rejects) into a new
    workspace at `workspace_root` and built (`select`: a dbt selection, default all)."""
    generate_company(GenerateConfig(customers=customers, seed=seed, out=generated))
    workspace = init_workspace(workspace_root, tenants=(tenant,))
    shutil.copytree(generated / "exports", workspace.landing_dir(tenant), dirs_exist_ok=True)
    ingested = run_ingest(workspace, tenant, strict=True)
    assert ingested.rows_rejected == 0
    return workspace, build_tenant(workspace, tenant, select=select)


@dataclass(frozen=True)
class BuiltCompany:
    """A generated company (exports and truth under `generated`), its workspace and build."""

    workspace: Workspace
    generated: Path
    summary: BuildSummary


class CompanyFactory(Protocol):
    """The session's companies, built once per (customers, seed, selection, tenant)."""

    def __call__(
        self, *, customers: int, seed: int, select: str | None = None, tenant: str = "demo"
    ) -> BuiltCompany: ...
