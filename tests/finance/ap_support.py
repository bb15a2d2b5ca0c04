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

import duckdb

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


DOUBLED_LINES = 100
"""Bank lines `with_doubled_bank_lines` imports twice: enough ambiguous lines (two per
doubled line) to page past the Bank page's stored first 100."""


def with_doubled_bank_lines(workspace: Workspace, count: int = DOUBLED_LINES) -> Workspace:
    """`workspace` (a private copy) whose published demo build lists its first `count`
    incoming bank lines twice, as a statement imported twice would (the copy's id ends in
    "-again"). A doubled line and its copy want the same payment equally, so both are
    ambiguous and that payment stays unmatched: the demo company itself has no ambiguous
    lines. The answers stored at publish are not redone: read it with a non-default
    `window_days` (none is stored)."""
    path = snapshots.current_snapshot(workspace.snapshots_dir(TENANT))
    assert path is not None
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "insert into gold.fct_bank_transactions "
            "select * replace (transaction_id || '-again' as transaction_id) "
            "from gold.fct_bank_transactions where transaction_id in ("
            "  select transaction_id from gold.fct_bank_transactions where amount > 0"
            "  order by transaction_date, transaction_id limit ?)",
            [count],
        )
    finally:
        con.close()
    return workspace
