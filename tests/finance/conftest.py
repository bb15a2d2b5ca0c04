"""Fixtures of the revenue recognition tests: a small synthetic company, ingested and built.


`revrec_company` generates a company (60 customers, seed 7), ingests its exports into a
workspace and builds the revenue recognition models once per session, so the recognition truth
tests and the CLI tests read the same published snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from revlake.transform import snapshots
from revlake.transform.build import BuildSummary
from revlake.workspace import Workspace
from tests.company_support import CompanyFactory

REVREC_CUSTOMERS = 60
REVREC_SEED = 7
REVREC_TENANT = "demo"
REVREC_SELECT = "+fct_revenue_schedule+ +fct_deferred_revenue_monthly_total+"


@dataclass(frozen=True)
class RevrecCompany:
    workspace: Workspace
    generated: Path  # the generator's output (exports/, truth/)
    summary: BuildSummary

    @property
    def snapshot(self) -> Path:
        current = snapshots.current_snapshot(self.workspace.snapshots_dir(REVREC_TENANT))
        assert current is not None, "the build published nothing"
        return current


@pytest.fixture(scope="session")
def revrec_company(company_factory: CompanyFactory) -> RevrecCompany:
    # Only the revenue recognition models, their parents and their tests: the whole
    # project's build is covered by tests/transform, and this keeps the fixture fast.
    built = company_factory(
        customers=REVREC_CUSTOMERS, seed=REVREC_SEED, select=REVREC_SELECT, tenant=REVREC_TENANT
    )
    return RevrecCompany(built.workspace, built.generated, built.summary)
