"""Fixtures of the revenue recognition tests: a small synthetic company, ingested and built.


`revrec_company` generates a company (60 customers, seed 7), ingests its exports into a
workspace and builds the revenue recognition models once per session, so the recognition truth
tests and the CLI tests read the same published snapshot.
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
def revrec_company(tmp_path_factory: pytest.TempPathFactory) -> RevrecCompany:
    generated = tmp_path_factory.mktemp("revrec-company")
    generate_company(GenerateConfig(customers=REVREC_CUSTOMERS, seed=REVREC_SEED, out=generated))
    workspace = init_workspace(tmp_path_factory.mktemp("revrec-workspace") / "ws")
    shutil.copytree(generated / "exports", workspace.landing_dir(REVREC_TENANT), dirs_exist_ok=True)
    ingested = run_ingest(workspace, REVREC_TENANT, strict=True)
    assert ingested.rows_rejected == 0
    # Only the revenue recognition models, their parents and their tests: the whole
    # project's build is covered by tests/transform, and this keeps the fixture fast.
    summary = build_tenant(workspace, REVREC_TENANT, select=REVREC_SELECT)
    return RevrecCompany(workspace, generated, summary)
