"""The store of a workspace, and keeping revlake.toml's tenant list in step with it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import tomli_w

from revlake.config import CONFIG_FILE_NAME, read_config_file, settings_from_mapping
from revlake.errors import InputError
from revlake.store.db import Store, default_database_url
from revlake.workspace import Workspace


def database_url(workspace: Workspace) -> str:
    """`database_url` from the settings, else SQLite at `<workspace>/revlake.db`."""
    return workspace.settings.workspace.database_url or default_database_url(workspace.root)


def open_store(workspace: Workspace, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the operational store of `workspace`."""
    return Store.connect(database_url(workspace), migrate=migrate)


def append_tenant_to_config(root: Path, tenant_id: str, name: str) -> bool:
    """Add a [[tenants]] entry to revlake.toml unless it is there; True if it was added.

    The new file is validated as settings before it replaces the old one (written to a
    temporary file and renamed), so revlake.toml is never left invalid or half-written.
    Comments in revlake.toml are not kept (tomli-w writes plain TOML).
    """
    path = Path(root) / CONFIG_FILE_NAME
    raw: dict[str, Any] = read_config_file(path)
    tenants = raw.setdefault("tenants", [])
    if not isinstance(tenants, list):
        raise InputError(f"{path}: 'tenants' must be an array of tables ([[tenants]])")
    if any(isinstance(t, dict) and t.get("id") == tenant_id for t in tenants):
        return False
    tenants.append({"id": tenant_id, "name": name})
    settings_from_mapping(raw, source=str(path), environ={})
    fd, tmp_name = tempfile.mkstemp(prefix=".revlake.toml.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(tomli_w.dumps(raw).encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return True
