"""A small synthetic company generated, ingested and built once, for the receivables tests.

300 customers, seed 1: the company has every receivables case the generator makes (part
payments, overpayments, pre-payment credit notes, voided and re-issued invoices, card and
bank uncollectible invoices, zero and negative invoices). The build is the real
`revlake build` of a workspace, so the published snapshot is what the API and CLI read.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from revlake.demo import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.transform import snapshots
from revlake.transform.build import BuildSummary, build_tenant
from revlake.workspace import Workspace, init_workspace

AR_CUSTOMERS = 300
AR_SEED = 1
TENANT = "demo"


@dataclass(frozen=True)
class ArCompany:
    """The generated company (exports and truth), its workspace and published snapshot."""

    workspace: Workspace
    generated: Path
    summary: BuildSummary

    @property
    def snapshot(self) -> Path:
        path = snapshots.current_snapshot(self.workspace.snapshots_dir(TENANT))
        assert path is not None
        return path

    @property
    def truth(self) -> Path:
        return self.generated / "truth" / "invoice_balance_events.csv"

    @property
    def invoices_csv(self) -> Path:
        return self.generated / "exports" / "billing" / "invoices.csv"


_BUILT: dict[Path, ArCompany] = {}


def ar_company(tmp_path_factory: pytest.TempPathFactory) -> ArCompany:
    """The company built once per test session (every receivables test module shares it)."""
    base = tmp_path_factory.getbasetemp()
    if base not in _BUILT:
        generated = tmp_path_factory.mktemp("ar-company")
        generate_company(GenerateConfig(customers=AR_CUSTOMERS, seed=AR_SEED, out=generated))
        workspace = init_workspace(tmp_path_factory.mktemp("ar-workspace") / "ws")
        shutil.copytree(generated / "exports", workspace.landing_dir(TENANT), dirs_exist_ok=True)
        ingest = run_ingest(workspace, TENANT, strict=True)
        assert ingest.rows_rejected == 0
        summary = build_tenant(workspace, TENANT)
        failures = [(n.name, n.status, n.message) for n in summary.failures]
        assert failures == [] and summary.published, failures
        _BUILT[base] = ArCompany(workspace=workspace, generated=generated, summary=summary)
    return _BUILT[base]
