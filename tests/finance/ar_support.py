"""A small synthetic company generated, ingested and built once, for the receivables tests.

300 customers, seed 1: the company has every receivables case the generator makes (part
payments, overpayments, pre-payment credit notes, voided and re-issued invoices, card and
bank uncollectible invoices, zero and negative invoices). The build is the real
`revlake build` of a workspace, so the published snapshot is what the API and CLI read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from revlake.transform import snapshots
from revlake.transform.build import BuildSummary
from revlake.workspace import Workspace
from tests.company_support import CompanyFactory

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


def ar_company(company_factory: CompanyFactory) -> ArCompany:
    """The company of these tests, from the session's company factory (built once)."""
    built = company_factory(customers=AR_CUSTOMERS, seed=AR_SEED, tenant=TENANT)
    failures = [(n.name, n.status, n.message) for n in built.summary.failures]
    assert failures == [] and built.summary.published, failures
    return ArCompany(workspace=built.workspace, generated=built.generated, summary=built.summary)
