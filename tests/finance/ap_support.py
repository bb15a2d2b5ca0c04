"""A small synthetic company generated, ingested and built once, for the payables and bank
tests (tests/finance/test_ap_*.py, test_reconciliation.py).

150 customers, seed 5: vendor bills (hosting, advertising, contractors; credits, partial
and late payments, open bills), Stripe payouts and a bank statement. The build is the
real, full `revlake build` from the session's company factory: the same build the served
workspace of the API and browser tests copies (tests/serving_support.py), so this company
is built once per run; the published snapshot is what the API and CLI read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from revlake.transform import snapshots
from revlake.transform.build import BuildSummary
from revlake.workspace import Workspace
from tests.company_support import CompanyFactory

AP_CUSTOMERS = 150
AP_SEED = 5
TENANT = "demo"
AP_SELECT = "+kpi_ap_monthly +fct_cash_payments +fct_bank_transactions"
"""The payables and bank models and their parents (a selected build of test_ap_models)."""


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


def ap_company(company_factory: CompanyFactory) -> ApCompany:
    """The company of these tests, from the session's company factory (built once)."""
    built = company_factory(customers=AP_CUSTOMERS, seed=AP_SEED, tenant=TENANT)
    failures = [(n.name, n.status, n.message) for n in built.summary.failures]
    assert failures == [] and built.summary.published, failures
    return ApCompany(workspace=built.workspace, generated=built.generated, summary=built.summary)
