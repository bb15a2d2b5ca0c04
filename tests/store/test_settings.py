"""`database_url` in revlake.toml / REVLAKE_DATABASE_URL picks the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from revlake.config import settings_from_mapping
from revlake.errors import ConfigError, InputError
from revlake.store.db import normalise_url
from revlake.store.workspace_store import database_url, open_store
from revlake.workspace import Workspace, init_workspace


def test_default_store_is_sqlite_in_the_workspace(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws")
    assert database_url(workspace) == f"sqlite:///{workspace.root / 'revlake.db'}"
    store = open_store(workspace)
    try:
        assert store.dialect == "sqlite"
    finally:
        store.dispose()
    assert (workspace.root / "revlake.db").is_file()


def test_database_url_from_file_and_environment() -> None:
    url = "postgresql://revlake@db.internal:5432/revlake"
    from_file = settings_from_mapping({"workspace": {"database_url": url}}, environ={})
    assert from_file.workspace.database_url == url
    from_env = settings_from_mapping({}, environ={"REVLAKE_DATABASE_URL": "sqlite:///x.db"})
    assert from_env.workspace.database_url == "sqlite:///x.db"


@pytest.mark.parametrize("bad", ["mysql://root@localhost/db", "revlake.db", "http://x"])
def test_unsupported_database_url_names_the_setting(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"database_url.*must be a database URL starting with"):
        settings_from_mapping({"workspace": {"database_url": bad}}, environ={})


def test_urls_use_the_installed_drivers() -> None:
    assert normalise_url("postgresql://u:p@h:5433/d") == "postgresql+psycopg://u:p@h:5433/d"
    assert normalise_url("sqlite:///a.db") == "sqlite:///a.db"
    with pytest.raises(InputError, match="not a valid database URL"):
        normalise_url("postgresql://h:notaport/d")


def test_env_override_reaches_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_workspace(tmp_path / "ws")
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("REVLAKE_DATABASE_URL", f"sqlite:///{other}")
    workspace = Workspace.open(tmp_path / "ws")
    open_store(workspace).dispose()
    assert other.is_file() and not (tmp_path / "ws" / "revlake.db").exists()


def test_test_server_variable_is_not_a_setting() -> None:
    environ = {"REVLAKE_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1/revlake_test"}
    assert settings_from_mapping({}, environ=environ).workspace.database_url is None
