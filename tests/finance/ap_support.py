"""A small synthetic company generated, ingested and built once, for the payables and bank
tests (tests/finance/test_ap_*.py, test_reconciliation.py).

150 customers, seed 5: vendor bills (hosting, advertising, contractors; credits, partial
and late payments, open bills), Stripe payouts and a bank statement. The build is the
real `revlake build` of a workspace restricted to the payables and bank models and their
parents, so the published snapshot is what the API and CLI read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from revlake.transform import snapshots
from revlake.transform.build import BuildSummary
from revlake.workspace import Workspace
from tests.company_support import generate_ingest_build

AP_CUSTOMERS = 150
AP_SEED = 5
TENANT = "demo"
AP_SELECT = "+kpi_ap_monthly +fct_cash_payments +fct_bank_transactions"


@dataclass(frozen=True)
class ApCompany:
    """The generated company (exports and truth), its workspace and published snapshot."""

    workspace: Workspace
    generated: Path
    summary: BuildSummary

    @property
    def snapshot(self) -> Path:
        path = snapshots.current_snapshot(self.workspace.snapshots_dir(TENANT))
        assert path is not None
        return path

    def truth(self, name: str) -> list[dict[str, str]]:
        with (self.generated / "truth" / name).open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    def export(self, rel: str) -> list[dict[str, str]]:
        with (self.generated / "exports" / rel).open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))


_BUILT: dict[Path, ApCompany] = {}


def ap_company(tmp_path_factory: pytest.TempPathFactory) -> ApCompany:
    """The company built once per test session (every payables test module shares it)."""
    base = tmp_path_factory.getbasetemp()
    if base not in _BUILT:
        generated = tmp_path_factory.mktemp("ap-company")
        workspace, summary = generate_ingest_build(
            generated,
            tmp_path_factory.mktemp("ap-workspace") / "ws",
            customers=AP_CUSTOMERS,
            seed=AP_SEED,
            tenant=TENANT,
            select=AP_SELECT,
        )
        failures = [(n.name, n.status, n.message) for n in summary.failures]
        assert failures == [] and summary.published, failures
        _BUILT[base] = ApCompany(workspace=workspace, generated=generated, summary=summary)
    return _BUILT[base]
