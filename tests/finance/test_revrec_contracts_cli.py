"""Contracts in the store through the CLI: add, list, show, modify, schedule, roll-forward.

Every write is audited; every bad input exits with status 2, names the field and value,
and writes nothing (neither a contract row nor an audit entry).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.errors import RevlakeError
from revlake.store.contracts import RevrecContract, RevrecModification, RevrecObligation
from revlake.store.models import AuditEntry
from revlake.store.workspace_store import open_store
from revlake.workspace import Workspace, init_workspace
from tests.finance.conftest import REVREC_TENANT, RevrecCompany

BUNDLE: dict[str, Any] = {
    "reference": "C-1001",
    "customer_id": "cus_acme",
    "customer_name": "Acme GmbH",
    "currency": "EUR",
    "start": "2026-01-15",
    "end": "2027-01-15",
    "price": "100000",
    "obligations": [
        {
            "name": "license",
            "ssp": "60000",
            "pattern": "point_in_time",
            "satisfied_on": "2026-01-15",
        },
        {"name": "support", "ssp": "30000", "pattern": "ratable"},
        {
            "name": "implementation",
            "ssp": "30000",
            "pattern": "milestones",
            "milestones": [
                {"name": "design", "date": "2026-03-31", "percent": "40"},
                {"name": "go-live", "date": "2026-06-30", "percent": "60"},
            ],
        },
    ],
}

TOML_CONTRACT = """
reference = "C-2001"
currency = "USD"
start = "2026-02-01"
end = "2026-08-01"
price = "6000"

[[obligations]]
name = "service"
ssp = "6000"
pattern = "ratable"
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh workspace whose store already knows its tenant (a first command syncs it)."""
    ws = init_workspace(tmp_path / "ws")
    assert "No contracts yet" in cli(ws, "revrec", "contracts", "list")
    return ws


def cli(workspace: Workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(
        app, [*args, "--workspace", str(workspace.root)], env={"COLUMNS": "200", "NO_COLOR": "1"}
    )
    if code:
        # the console entry point (revlake.cli.app.main) prints it and exits with its code
        error = result.exception
        assert isinstance(error, RevlakeError), result.output
        assert error.exit_code == code, error
        return str(error)
    assert result.exit_code == 0, result.output
    return result.output


def write(tmp: Path, name: str, document: dict[str, Any] | str) -> Path:
    path = tmp / name
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    return path


def counts(workspace: Workspace) -> tuple[int, int, int, int]:
    store = open_store(workspace)
    try:
        with store.read() as session:
            return tuple(  # type: ignore[return-value]
                session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (RevrecContract, RevrecObligation, RevrecModification, AuditEntry)
            )
    finally:
        store.dispose()


def test_add_list_show_and_modify(workspace: Workspace, tmp_path: Path) -> None:
    out = cli(
        workspace, "revrec", "contracts", "add", "--file", str(write(tmp_path, "c.json", BUNDLE))
    )
    assert "Added contract 1 (C-1001)" in out
    shown = json.loads(cli(workspace, "revrec", "contracts", "show", "1", "--json"))
    allocation = {a["obligation"]: a["allocated"] for a in shown["segments"][0]["allocation"]}
    assert allocation == {
        "license": "50000.00",
        "support": "25000.00",
        "implementation": "25000.00",
    }
    months = {(r["obligation"], r["month"]): r["amount"] for r in shown["schedule"]}
    assert months[("license", "2026-01")] == "50000.00"
    assert months[("implementation", "2026-03")] == "10000.00"
    assert months[("support", "2026-01")] == "1164.38"  # 25,000 × 17/365
    total = sum(float(r["amount"]) for r in shown["schedule"])
    assert round(total, 2) == 100000.00

    cli(
        workspace,
        "revrec",
        "contracts",
        "add",
        "--file",
        str(write(tmp_path, "c.toml", TOML_CONTRACT)),
    )
    listed = json.loads(cli(workspace, "revrec", "contracts", "list", "--json"))
    assert [(c["id"], c["reference"], c["total_consideration"]) for c in listed["items"]] == [
        (1, "C-1001", "100000.00"),
        (2, "C-2001", "6000.00"),
    ]

    modification = {
        "effective": "2026-07-15",
        "added_consideration": "12000",
        "extend": {"support": "2028-01-15"},
    }
    out = cli(
        workspace,
        "revrec",
        "contracts",
        "modify",
        "1",
        "--file",
        str(write(tmp_path, "m.json", modification)),
    )
    assert "Modified contract 1 from 2026-07-15" in out
    shown = json.loads(cli(workspace, "revrec", "contracts", "show", "1", "--json"))
    assert shown["modifications"] == 1
    assert shown["total_consideration"] == "112000.00"
    assert len(shown["segments"]) == 2
    second = shown["segments"][1]
    assert second["start"] == "2026-07-15"
    assert [a["obligation"] for a in second["allocation"]] == ["support"]
    total = sum(float(r["amount"]) for r in shown["schedule"])
    assert round(total, 2) == 112000.00

    store = open_store(workspace)
    try:
        with store.read() as session:
            actions = [
                (e.action, e.entity_id)
                for e in session.execute(
                    select(AuditEntry)
                    .where(AuditEntry.entity == "revrec_contract")
                    .order_by(AuditEntry.seq)
                ).scalars()
            ]
    finally:
        store.dispose()
    assert actions == [
        ("revrec_contract.created", "1"),
        ("revrec_contract.created", "2"),
        ("revrec_contract.modified", "1"),
    ]


def _bad(**changes: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(BUNDLE))
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def _obligation(index: int, **changes: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(BUNDLE))
    document["obligations"][index].update(changes)
    return document


BAD_CONTRACTS = [
    (_obligation(1, ssp="0"), "obligations[1].ssp = 0: a standalone selling price must be > 0"),
    (_obligation(1, ssp="-5"), "obligations[1].ssp = -5"),
    (_bad(obligations=[]), "obligations: a contract needs at least one performance obligation"),
    (_bad(price="0"), "transaction price = EUR 0.00"),
    (_bad(end="2026-01-01"), "end = 2026-01-01 is not after start = 2026-01-15"),
    (
        _obligation(1, start="2026-06-01", end="2026-05-01"),
        "obligations[1].end = 2026-05-01 is not after",
    ),
    (
        _obligation(2, milestones=[{"date": "2027-03-01", "percent": "100"}]),
        "obligations[2].milestones[0].date = 2027-03-01 is outside the contract period",
    ),
    (_bad(currency="EUX"), "currency: unknown currency 'EUX'"),
    (_obligation(0, currency="USD"), "mixed currencies in one contract are not allowed"),
    (
        _obligation(2, milestones=[{"date": "2026-03-01", "percent": "120"}]),
        "obligations[2].milestones[0].percent = 120: a percentage must be between 0 and 100",
    ),
    (
        _obligation(2, milestones=[{"date": "2026-03-01", "percent": "60"}]),
        "the percents add up to 60, not 100",
    ),
    (_bad(price=1000.5), None),  # a JSON float is read as an exact Decimal: accepted
    (_bad(reference=None), "reference: required field is missing"),
    (_obligation(1, pattern="weekly"), "obligations[1].pattern = 'weekly'"),
    (_obligation(1, satisfied="2026-02-01"), "obligations[1].satisfied: unknown field"),
    (_bad(discont="100"), "discont: unknown field (expected one of"),
]


@pytest.mark.parametrize(("document", "message"), BAD_CONTRACTS)
def test_bad_contracts_are_refused_and_write_nothing(
    workspace: Workspace, tmp_path: Path, document: dict[str, Any], message: str | None
) -> None:
    before = counts(workspace)
    path = write(tmp_path, "bad.json", document)
    if message is None:
        cli(workspace, "revrec", "contracts", "add", "--file", str(path))
        return
    out = cli(workspace, "revrec", "contracts", "add", "--file", str(path), code=2)
    assert message in " ".join(out.split()), out
    assert counts(workspace) == before


def test_bad_modifications_are_refused_and_write_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    cli(workspace, "revrec", "contracts", "add", "--file", str(write(tmp_path, "c.json", BUNDLE)))
    before = counts(workspace)
    cases = [
        (
            {"effective": "2025-12-01", "added_consideration": "10"},
            "is not after the contract start",
        ),
        ({"effective": "2026-03-01"}, "the modification changes nothing"),
        (
            {"effective": "2026-03-01", "extend": {"license": "2027-06-01"}},
            "only a ratable obligation",
        ),
        (
            {"effective": "2026-03-01", "extend": {"support": "2026-02-01"}},
            "is not after the modification date",
        ),
        (
            {"effective": "2026-03-01", "extend": {"nothing": "2027-02-01"}},
            "has no obligation 'nothing'",
        ),
        (
            {"effective": "2026-03-01", "added_consideration": "-99000"},
            "the remaining consideration would be",
        ),
    ]
    for document, message in cases:
        path = write(tmp_path, "m.json", document)
        out = cli(workspace, "revrec", "contracts", "modify", "1", "--file", str(path), code=2)
        assert message in " ".join(out.split()), (document, out)
    out = cli(workspace, "revrec", "contracts", "modify", "7", "--file", str(path), code=2)
    assert "no contract 7 for tenant 'demo'" in out
    assert counts(workspace) == before


def test_unreadable_files_are_input_errors(workspace: Workspace, tmp_path: Path) -> None:
    out = cli(
        workspace,
        "revrec",
        "contracts",
        "add",
        "--file",
        str(write(tmp_path, "c.json", "{oops")),
        code=2,
    )
    assert "c.json: line 1: invalid JSON" in out
    out = cli(
        workspace,
        "revrec",
        "contracts",
        "add",
        "--file",
        str(write(tmp_path, "c.yaml", "a: 1")),
        code=2,
    )
    assert "expected a .json or .toml file" in out
    out = cli(
        workspace, "revrec", "contracts", "add", "--file", str(tmp_path / "missing.json"), code=2
    )
    assert "no such file" in out
    out = cli(workspace, "revrec", "contracts", "show", "1", code=2)
    assert "no contract 1" in out


def test_schedule_and_rollforward_read_the_published_build(
    revrec_company: RevrecCompany, tmp_path: Path
) -> None:
    ws = revrec_company.workspace
    out = cli(ws, "revrec", "rollforward", "--from", "2025-01", "--to", "2025-03", "--json")
    rows = json.loads(out)
    assert rows and {r["month"] for r in rows} == {"2025-01", "2025-02", "2025-03"}
    for r in rows:
        from decimal import Decimal

        assert Decimal(r["opening"]) + Decimal(r["billed"]) - Decimal(r["recognised"]) - Decimal(
            r["contra"]
        ) == Decimal(r["closing"])
    schedule = json.loads(cli(ws, "revrec", "schedule", "--as-of", "2025-03-31", "--json"))
    closing = {r["currency"]: r["closing"] for r in rows if r["month"] == "2025-03"}
    assert {c: v for c, v in schedule["billing_deferred"].items() if v != "0.00"} == {
        c: v for c, v in closing.items() if v != "0.00"
    }
    assert schedule["contracts"] == []
    out = cli(ws, "revrec", "schedule", "--as-of", "2025-03-15", code=2)
    assert "give a month end such as 2025-03-31" in " ".join(out.split())
    out = cli(ws, "revrec", "rollforward", "--from", "2025-13", "--to", "2025-03", code=2)
    assert "--from = '2025-13': expected a month as YYYY-MM" in out
    out = cli(ws, "revrec", "rollforward", "--from", "2025-04", "--to", "2025-03", code=2)
    assert "is before --from" in out
    table = cli(ws, "revrec", "rollforward", "--from", "2025-01", "--to", "2025-01")
    assert "Deferred revenue roll-forward, all customers (demo)" in table
    assert REVREC_TENANT == "demo"


POC: dict[str, Any] = {
    "reference": "POC-9",
    "currency": "USD",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "price": "80000",
    "obligations": [
        {"name": "build", "ssp": "80000", "pattern": "progress"},
        {"name": "hosting", "ssp": "20000", "pattern": "ratable"},
    ],
}


def test_progress_measurements_as_work_proceeds(workspace: Workspace, tmp_path: Path) -> None:
    cli(workspace, "revrec", "contracts", "add", "--file", str(write(tmp_path, "p.json", POC)))
    shown = json.loads(cli(workspace, "revrec", "contracts", "show", "1", "--json"))
    build = [a for a in shown["segments"][0]["allocation"] if a["obligation"] == "build"]
    assert build[0]["allocated"] == "64000.00"  # 80,000 × 80/100
    assert not [r for r in shown["schedule"] if r["obligation"] == "build"]
    progress = ("revrec", "contracts", "progress", "1", "--obligation", "build")
    out = cli(workspace, *progress, "--date", "2026-03-31", "--percent", "25")
    assert "Recorded build at 25% on 2026-03-31" in out
    cli(workspace, *progress, "--date", "2026-06-30", "--percent", "62.5")
    shown = json.loads(cli(workspace, "revrec", "contracts", "show", "1", "--json"))
    months = {r["month"]: r["amount"] for r in shown["schedule"] if r["obligation"] == "build"}
    assert months == {"2026-03": "16000.00", "2026-06": "24000.00"}
    before = counts(workspace)
    for args, message in [
        (("--date", "2026-05-31", "--percent", "70"), "is not after the last measurement"),
        (("--date", "2026-07-31", "--percent", "101"), "between 0 and 100"),
        (("--date", "2999-01-01", "--percent", "90"), "is in the future"),
        (("--date", "2026-13-01", "--percent", "90"), "expected a date YYYY-MM-DD"),
    ]:
        out = cli(workspace, *progress, *args, code=2)
        assert message in out, (args, out)
    out = cli(
        workspace,
        "revrec",
        "contracts",
        "progress",
        "1",
        "--obligation",
        "hosting",
        "--date",
        "2026-07-31",
        "--percent",
        "50",
        code=2,
    )
    assert "is recognised ratable, not by progress" in out
    assert counts(workspace) == before
