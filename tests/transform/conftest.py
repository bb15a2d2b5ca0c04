"""Fixtures of the transform tests: the synthetic company built once, and the gold build
of the star/pipeline/growth tests.

`synthetic_build` is the session's `company_factory` build of the 300-customer company
(seed 1): the full `revlake build` (every model and test), published; the receivables
tests read the same build (tests/finance/ar_support.py), so it is built once per run.
`gold_build` is the dbt build of tests/transform/gold_build_support.py (synthetic exports,
a HubSpot export and the shared datasets in one bronze); `erp_served` publishes that same
build as tenant `erp` of a workspace (no second build) for the sales API and page tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from revlake.transform.build import BuildSummary
from revlake.workspace import Workspace
from tests.company_support import CompanyFactory
from tests.transform.gold_build_support import GoldBuild, build_gold, shared_datasets_or_none
from tests.transform.sales_serving import ErpServed, serve_gold_build

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
def synthetic_build(company_factory: CompanyFactory) -> SyntheticBuild:
    """The full dbt build (every model and test) of the synthetic company, published."""
    built = company_factory(customers=SYNTHETIC_CUSTOMERS, seed=SYNTHETIC_SEED, tenant=TENANT)
    return SyntheticBuild(SyntheticCompany(built.workspace, built.generated), built.summary)


@pytest.fixture(scope="session")
def gold_build(tmp_path_factory: pytest.TempPathFactory) -> GoldBuild:
    """The one DuckDB build the star/pipeline/growth tests share (built once per run)."""
    return build_gold(tmp_path_factory.mktemp("dbtb"), shared_datasets_or_none())


@pytest.fixture(scope="session")
def synthetic_workspace(synthetic_build: SyntheticBuild) -> SyntheticCompany:
    """The synthetic company's workspace (bronze ingested; the factory's build): read it
    or copy its files, never write to it."""
    return synthetic_build.company


@pytest.fixture(scope="session")
def erp_served(gold_build: GoldBuild, tmp_path_factory: pytest.TempPathFactory) -> ErpServed:
    """The gold build published as tenant `erp` with keys of several roles (needs the
    shared datasets: skipped without them outside CI, like the tests that read them)."""
    if shared_datasets_or_none() is None:
        pytest.skip("../shared/datasets not present")
    failed = [n.name for n in gold_build.invocation.nodes if n.failed]
    assert not failed, failed
    return serve_gold_build(gold_build.database, tmp_path_factory.mktemp("erp-served") / "ws")
