"""A small synthetic company generated, ingested and built once, for the receivables tests.

300 customers, seed 1: the company has every receivables case the generator makes (part
payments, overpayments, pre-payment credit notes, voided and re-issued invoices, card and
bank uncollectible invoices, zero and negative invoices). The build is the real
`revlake build` of a workspace, so the published snapshot is what the API and CLI read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from revlake.transform import snapshots
from revlake.transform.build import BuildSummary
from revlake.workspace import Workspace
from tests.company_support import generate_ingest_build

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
        workspace, summary = generate_ingest_build(
            generated,
            tmp_path_factory.mktemp("ar-workspace") / "ws",
            customers=AR_CUSTOMERS,
            seed=AR_SEED,
            tenant=TENANT,
        )
        failures = [(n.name, n.status, n.message) for n in summary.failures]
        assert failures == [] and summary.published, failures
        _BUILT[base] = ArCompany(workspace=workspace, generated=generated, summary=summary)
    return _BUILT[base]
