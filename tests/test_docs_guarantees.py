"""docs/STORE.md and docs/API.md state the same guarantees (issue 18 found them disagreeing
on the revocation delay and on finance's areas)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from revlake.store.roles import ROLE_AREAS, Area, Role

DOCS = Path(__file__).resolve().parents[1] / "docs"
LABELS = {
    Area.KPIS: "KPIs",
    Area.MRR: "MRR",
    Area.CUSTOMERS: "customers",
    Area.COHORTS: "cohorts",
    Area.FUNNEL: "funnel",
    Area.CHANNELS: "channels",
    Area.PIPELINE: "pipeline",
    Area.AR: "AR",
    Area.REVENUE_SCHEDULES: "revenue schedules",
    Area.AP: "AP",
    Area.TAX: "tax",
    Area.RUNS: "runs",
    Area.AUDIT: "audit",
}


def _role_row(doc: str, role: Role) -> str:
    match = re.search(rf"^\| {role.value} \| (.+) \|$", (DOCS / doc).read_text(), re.MULTILINE)
    assert match is not None, (doc, role)
    return match.group(1)


@pytest.mark.parametrize("doc", ["STORE.md", "API.md"])
@pytest.mark.parametrize(
    "role", [Role.REVOPS, Role.SALES, Role.MARKETING, Role.FINANCE], ids=lambda r: r.value
)
def test_role_tables_match_role_areas(doc: str, role: Role) -> None:
    row = _role_row(doc, role)
    for area, label in LABELS.items():
        mentioned = re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", row) is not None
        assert mentioned == (area in ROLE_AREAS[role]), (doc, role.value, label, row)


@pytest.mark.parametrize("doc", ["STORE.md", "API.md"])
def test_executive_row_excludes_the_finance_books(doc: str) -> None:
    assert "finance books" in _role_row(doc, Role.EXECUTIVE)
    assert not ROLE_AREAS[Role.EXECUTIVE] & {Area.AR, Area.AP, Area.TAX, Area.ADMIN}


def test_both_docs_state_the_same_revocation_delay() -> None:
    for doc in ("STORE.md", "API.md"):
        text = " ".join((DOCS / doc).read_text().split())
        assert "take effect within 1 second" in text or "takes effect within 1 second" in text, doc
