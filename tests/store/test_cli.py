"""`revlake tenants|keys|users|audit` end to end, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from revlake.cli.app import main
from revlake.store.db import Store
from revlake.store.keys import InvalidApiKeyError, Principal, verify_api_key
from revlake.store.roles import Role
from revlake.workspace import Workspace, init_workspace
from tests.store.tamper import tampering


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    init_workspace(tmp_path / "ws", tenants=["demo"])
    return tmp_path / "ws"


@pytest.fixture
def run(
    workspace: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """Run the CLI in-process, as `main()` does, against this test's database."""
    monkeypatch.setenv("REVLAKE_WORKSPACE", str(workspace))
    monkeypatch.setenv("REVLAKE_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")

    def _run(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["revlake", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


def test_tenants_add_updates_store_and_config(run: Run, workspace: Path) -> None:
    result = run("tenants", "add", "acme", "--name", "Acme Inc")
    assert result.code == 0, result.err
    config = tomllib.loads((workspace / "revlake.toml").read_text(encoding="utf-8"))
    assert config["tenants"] == [{"id": "demo", "name": "Demo"}, {"id": "acme", "name": "Acme Inc"}]
    assert config["workspace"]["reporting_currency"] == "USD"
    opened = Workspace.open(workspace)
    assert opened.landing_dir("acme").is_dir()
    listed = json.loads(run("tenants", "list", "--json").out)
    assert [(t["id"], t["in_store"], t["in_config"]) for t in listed] == [
        ("acme", True, True),
        ("demo", False, True),
    ]
    again = run("tenants", "add", "acme")
    assert again.code == 2 and "already exists" in again.err
    bad = run("tenants", "add", "Not Valid")
    assert bad.code == 2 and "lowercase letter" in bad.err


def test_key_lifecycle_and_audit(run: Run, database_url: str) -> None:
    created = run("keys", "create", "--tenant", "demo", "--role", "finance", "--name", "bi")
    assert created.code == 0, created.err
    key = created.out.strip()
    key_id = key.split("_")[1]
    assert "shown only once" in created.err and key_id in created.err
    store = Store.connect(database_url)
    try:
        with store.read() as session:
            assert verify_api_key(session, key) == Principal("demo", Role.FINANCE, key_id)
        listed = run("keys", "list", "--json")
        assert key.split("_", 2)[2] not in listed.out
        assert [(k["key_id"], k["tenant"], k["role"]) for k in json.loads(listed.out)] == [
            (key_id, "demo", "finance")
        ]
        assert run("keys", "set-role", key_id, "executive").code == 0
        assert run("keys", "revoke", key_id).code == 0
        with store.read() as session, pytest.raises(InvalidApiKeyError):
            verify_api_key(session, key)
    finally:
        store.dispose()
    twice = run("keys", "revoke", key_id)
    assert twice.code == 2 and "already revoked" in twice.err
    bad_role = run("keys", "create", "--tenant", "demo", "--role", "cfo")
    assert bad_role.code == 2 and "roles: admin, executive, revops" in bad_role.err
    bad_tenant = run("keys", "create", "--tenant", "nope", "--role", "admin")
    assert bad_tenant.code == 2 and "unknown tenant 'nope'" in bad_tenant.err

    log = json.loads(run("audit", "log", "--json").out)
    assert [e["action"] for e in log] == [
        "api_key.revoked",
        "api_key.role_changed",
        "api_key.created",
        "tenant.created",
    ]
    assert log[-1]["actor"] == "revlake.toml" and log[0]["actor"].startswith("cli:")
    assert "api_key.created" in run("audit", "log", "--tenant", "demo").out


def test_users_commands(run: Run) -> None:
    assert run("users", "add", "ann@example.com", "--tenant", "demo", "--role", "sales").code == 0
    changed = run("users", "set-role", "ann@example.com", "revops", "--tenant", "demo")
    assert changed.code == 0, changed.err
    users = json.loads(run("users", "list", "--json").out)
    assert users == [{"tenant": "demo", "email": "ann@example.com", "name": "", "role": "revops"}]


def test_audit_verify_names_the_broken_entry(run: Run, database_url: str) -> None:
    for role in ("admin", "sales", "marketing"):
        assert run("keys", "create", "--tenant", "demo", "--role", role).code == 0
    ok = run("audit", "verify")
    assert ok.code == 0 and ok.out.startswith("audit chain intact: 4 entries; head 4:")
    anchor = ok.out.strip().rsplit(" ", 1)[1]
    assert run("audit", "verify", "--anchor", anchor).code == 0
    bad_anchor = run("audit", "verify", "--anchor", "four")
    assert bad_anchor.code == 2 and "SEQ:HASH" in bad_anchor.err

    store = Store.connect(database_url)
    try:
        with tampering(store) as connection:
            connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    finally:
        store.dispose()
    broken = run("audit", "verify")
    assert broken.code == 1
    assert "audit chain broken at entry seq 3" in broken.err and "modified" in broken.err
    as_json = run("audit", "verify", "--json")
    assert as_json.code == 1
    assert json.loads(as_json.out)["broken_seq"] == 3


def test_audit_commands_name_a_malformed_entry_and_anchor(run: Run, database_url: str) -> None:
    """A malformed `changes` (and on SQLite a time that is not a time) used to crash
    `audit verify` and `audit log` with a traceback; now the entry is named by its seq."""
    for role in ("admin", "sales"):
        assert run("keys", "create", "--tenant", "demo", "--role", role).code == 0
    anchored = run("audit", "anchor")
    assert anchored.code == 0 and json.loads(anchored.out)["seq"] == 3
    assert "1 checkpoint(s) matched" in run("audit", "verify").err
    store = Store.connect(database_url)
    try:
        with tampering(store) as connection:
            connection.execute(text("UPDATE audit_log SET changes = '{x' WHERE seq = 2"))
            if store.dialect == "sqlite":
                connection.execute(text("UPDATE audit_log SET at = 'garbage' WHERE seq = 3"))
    finally:
        store.dispose()
    broken = run("audit", "verify")
    assert broken.code == 1 and "Traceback" not in broken.err
    assert "audit chain broken at entry seq 2" in broken.err and "not canonical JSON" in broken.err
    listed = run("audit", "log", "--json")
    assert listed.code == 0
    problems = {row["seq"]: row["problem"] for row in json.loads(listed.out) if row["problem"]}
    assert 2 in problems and "changes are not canonical JSON" in problems[2]


def test_console_entry_point_end_to_end(tmp_path: Path) -> None:
    """One pass through the installed entry point in a fresh process (SQLite default)."""
    init_workspace(tmp_path / "ws")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLAKE_")}
    env["REVLAKE_WORKSPACE"] = str(tmp_path / "ws")

    created = subprocess.run(
        [sys.executable, "-m", "revlake", "keys", "create", "--tenant", "demo", "--role", "sales"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    store = Store.connect(f"sqlite:///{tmp_path / 'ws' / 'revlake.db'}")
    try:
        with store.read() as session:
            principal = verify_api_key(session, created.stdout.strip())
    finally:
        store.dispose()
    assert (principal.tenant_id, principal.role) == ("demo", Role.SALES)
