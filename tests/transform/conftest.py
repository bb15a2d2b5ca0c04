"""Fixtures of the transform tests: the synthetic company ingested and built once.

`synthetic_workspace` generates a 300-customer company (seed 1), drops its exports into a
workspace's landing folder and ingests them with revlake.ingest; `synthetic_build` runs
the full `revlake build` on it once per session. Both engineers' tests reuse them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from revlake.demo import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.transform.build import BuildSummary, build_tenant
from revlake.workspace import Workspace, init_workspace

SYNTHETIC_CUSTOMERS = 300
SYNTHETIC_SEED = 1
TENANT = "demo"


@dataclass(frozen=True)
class SyntheticCompany:
    workspace: Workspace
    generated: Path  # the generator's output folder (exports/, truth/)


@dataclass(frozen=True)
class SyntheticBuild:
    company: SyntheticCompany
    summary: BuildSummary


@pytest.fixture(scope="session")
def synthetic_workspace(tmp_path_factory: pytest.TempPathFactory) -> SyntheticCompany:
    """A workspace whose tenant `demo` has the synthetic company ingested into bronze."""
    generated = tmp_path_factory.mktemp("synthetic-company")
    generate_company(
        GenerateConfig(customers=SYNTHETIC_CUSTOMERS, seed=SYNTHETIC_SEED, out=generated)
    )
    workspace = init_workspace(tmp_path_factory.mktemp("synthetic-workspace") / "ws")
    shutil.copytree(generated / "exports", workspace.landing_dir(TENANT), dirs_exist_ok=True)
    summary = run_ingest(workspace, TENANT, strict=True)
    assert summary.rows_rejected == 0
    return SyntheticCompany(workspace=workspace, generated=generated)


@pytest.fixture(scope="session")
def synthetic_build(synthetic_workspace: SyntheticCompany) -> SyntheticBuild:
    """The full dbt build (every model and test) of the synthetic company, published."""
    summary = build_tenant(synthetic_workspace.workspace, TENANT)
    return SyntheticBuild(company=synthetic_workspace, summary=summary)
