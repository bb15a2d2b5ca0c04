"""The test suite's companies: generated, ingested and built once per session, shared.

Building a company (generate its exports, ingest them, run dbt) is the dominant cost of
the suite, so every test that needs one asks the session fixture `company_factory`
(tests/conftest.py) for it instead of building its own. A company is keyed by its
generator settings (customers, seed, period) and its build (dbt selection, tenant); two
builds of one company with different selections share one generation. What the factory
returns is shared: a test that changes the workspace (runs a command that writes, publishes,
trains) works on `BuiltCompany.copy(...)` instead. The other shared builds (the served
workspace, MavenTech) are session fixtures built the same way.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol

import tomli_w

from revlake.config import CONFIG_FILE_NAME
from revlake.demo import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.transform.build import BuildSummary, build_tenant
from revlake.workspace import Workspace, init_workspace

_DEFAULTS = {f.name: f.default for f in fields(GenerateConfig)}
DEFAULT_PERIOD: tuple[dt.date, dt.date] = (_DEFAULTS["start"], _DEFAULTS["end"])  # type: ignore[assignment]
"""The generator's default period (2021-01-01 to 2025-12-31)."""


@dataclass(frozen=True)
class CompanySpec:
    """What makes two companies the same: the generator's settings."""

    customers: int
    seed: int
    start: dt.date = DEFAULT_PERIOD[0]
    end: dt.date = DEFAULT_PERIOD[1]

    def generate(self, out: Path) -> Path:
        """Generate the company into `out` (exports/ and truth/); return `out`."""
        generate_company(
            GenerateConfig(
                customers=self.customers, seed=self.seed, out=out, start=self.start, end=self.end
            )
        )
        return out


@dataclass(frozen=True)
class BuildSpec:
    """What makes two builds the same: the company, the dbt selection and the tenant."""

    company: CompanySpec
    select: str | None = None
    tenant: str = "demo"


def ingest_and_build(
    generated: Path, workspace_root: Path, *, tenant: str = "demo", select: str | None = None
) -> tuple[Workspace, BuildSummary]:
    """The generated company's exports ingested strictly (no rejects) into a new workspace
    at `workspace_root` (one tenant) and built (`select`: a dbt selection, default all)."""
    workspace = init_workspace(workspace_root, tenants=(tenant,))
    shutil.copytree(generated / "exports", workspace.landing_dir(tenant), dirs_exist_ok=True)
    ingested = run_ingest(workspace, tenant, strict=True)
    assert ingested.rows_rejected == 0
    return workspace, build_tenant(workspace, tenant, select=select)


def copy_workspace(source: Workspace, target: Path) -> Workspace:
    """A private copy of `source` (settings, store, bronze, builds, models) a test may change."""
    shutil.copytree(source.root, target)
    return Workspace.open(target)


def add_tenants(workspace: Workspace, *tenants: str) -> Workspace:
    """`workspace` with more (empty) tenants in its revlake.toml, as `revlake init
    --tenant` would have listed them; the store learns them at the next publish or
    `sync_tenants`."""
    config = workspace.root / CONFIG_FILE_NAME
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    for tenant in tenants:
        raw["tenants"].append({"id": tenant, "name": tenant.replace("_", " ").title()})
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    reopened = Workspace.open(workspace.root)
    for tenant in tenants:
        reopened.ensure_tenant_dirs(tenant)
    return reopened


@dataclass(frozen=True)
class BuiltCompany:
    """A generated company (exports and truth under `generated`), its workspace and build.

    Shared by every test that asks for the same build: read it, or `copy` it first."""

    workspace: Workspace
    generated: Path
    summary: BuildSummary

    def copy(self, target: Path) -> Workspace:
        """A private copy of the workspace at `target` (which must not exist yet)."""
        return copy_workspace(self.workspace, target)


class CompanyFactory(Protocol):
    """The session's companies, built once per (customers, seed, period, selection, tenant)."""

    def __call__(
        self,
        *,
        customers: int,
        seed: int,
        select: str | None = None,
        tenant: str = "demo",
        start: dt.date = DEFAULT_PERIOD[0],
        end: dt.date = DEFAULT_PERIOD[1],
    ) -> BuiltCompany: ...


class GeneratedCompanies(Protocol):
    """The session's generated companies (exports and truth, not ingested), once per spec."""

    def __call__(self, spec: CompanySpec) -> Path: ...


MAVEN_FOLDER = "maven-crm-sales-opportunities"
MAVEN_TENANT = "maven"
MAVEN_FILES = {
    "maven_sales_pipeline": "sales_pipeline.csv",
    "maven_accounts": "accounts.csv",
    "maven_products": "products.csv",
    "maven_sales_teams": "sales_teams.csv",
}
"""The MavenTech export's tables, each landed in the folder named after its bronze table."""


def build_maventech(shared_datasets: Path, root: Path) -> Workspace:
    """The real MavenTech CRM export (../shared/datasets) landed, ingested strictly, built,
    the win model trained and the open deals scored, in a new workspace at `root`."""
    from revlake.ml.service import score_tenant, train_tenant  # LightGBM: only when needed

    workspace = init_workspace(root, tenants=(MAVEN_TENANT,))
    for table, name in MAVEN_FILES.items():
        target = workspace.landing_dir(MAVEN_TENANT) / table / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_datasets / MAVEN_FOLDER / name, target)
    assert run_ingest(workspace, MAVEN_TENANT, strict=True).rows_rejected == 0
    summary = build_tenant(workspace, MAVEN_TENANT)
    assert summary.published, [n.name for n in summary.failures]
    train_tenant(workspace, MAVEN_TENANT)
    score_tenant(workspace, MAVEN_TENANT)
    return workspace
