"""A workspace: a folder holding revlake.toml, each tenant's landing folder and lakehouse.

Layout (paths relative to the workspace root)::

    revlake.toml                 settings (see config.py)
    <landing_path>/<tenant>/     where the tenant's exports are dropped
    tenants/<tenant>/bronze.duckdb     bronze tables, rejects and the ingest manifest
    tenants/<tenant>/snapshots/        published silver/gold builds (one DuckDB file each)
    .revlake.lock                the write lock every writing command takes

Every command that writes a workspace holds `write_lock()`, because DuckDB allows one
writing process per file; a second command waits for it or says who holds it.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tomli_w
from filelock import FileLock, Timeout

from revlake.config import (
    CONFIG_FILE_NAME,
    Settings,
    TenantConfig,
    load_settings,
    settings_from_mapping,
)
from revlake.errors import InputError, RevlakeError, WorkspaceLockedError

LOCK_FILE_NAME = ".revlake.lock"
LOCK_INFO_FILE_NAME = ".revlake.lock.json"
PRIVATE_UMASK = 0o077  # files 0600, folders 0700
# Files at the workspace root that revlake creates (the store, its secrets, lock, anchors).
ROOT_FILES = (
    CONFIG_FILE_NAME,
    "revlake.db",
    "revlake.db-wal",
    "revlake.db-shm",
    ".revlake-session-secret",
    ".revlake-audit-secret",
    "audit-anchors.jsonl",
    LOCK_FILE_NAME,
)


def use_private_umask() -> None:
    """Make every file this process creates private (0600 / 0700 folders).

    Called by the `revlake` command and `make demo`: bronze, snapshots, dbt's files,
    models and the store hold a tenant's data and key hashes, so nobody else on the
    machine may read them. Library callers get the same modes for the workspace's own
    files through `Workspace.make_private` (run when a write lock is released).
    """
    os.umask(PRIVATE_UMASK)


def make_private(path: Path) -> None:
    """chmod `path` to 0700 (folder) or 0600 (file); a missing one or a symlink is skipped."""
    if path.is_symlink():
        return  # never change what a link points to
    with suppress(FileNotFoundError, PermissionError):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


@dataclass(frozen=True)
class Workspace:
    """An opened workspace: its root folder and validated settings."""

    root: Path
    settings: Settings

    @classmethod
    def open(cls, root: Path | str) -> Workspace:
        """Open an existing workspace, validating its settings."""
        path = Path(root).expanduser().resolve()
        if not (path / CONFIG_FILE_NAME).is_file():
            raise InputError(
                f"{path} is not a revlake workspace (no {CONFIG_FILE_NAME}); "
                "create one with `revlake init PATH`"
            )
        return cls(root=path, settings=load_settings(path))

    @property
    def landing_root(self) -> Path:
        landing = Path(self.settings.workspace.landing_path).expanduser()
        return landing if landing.is_absolute() else self.root / landing

    def tenant(self, tenant_id: str) -> TenantConfig:
        return self.settings.tenant(tenant_id)

    def landing_dir(self, tenant_id: str) -> Path:
        return self.landing_root / self.tenant(tenant_id).id

    def tenant_dir(self, tenant_id: str) -> Path:
        return self.root / "tenants" / self.tenant(tenant_id).id

    def bronze_path(self, tenant_id: str) -> Path:
        return self.tenant_dir(tenant_id) / "bronze.duckdb"

    def snapshots_dir(self, tenant_id: str) -> Path:
        return self.tenant_dir(tenant_id) / "snapshots"

    def ensure_tenant_dirs(self, tenant_id: str) -> None:
        """Create the tenant's landing and lakehouse folders (0700) if they are missing."""
        for folder in (self.landing_dir(tenant_id), self.snapshots_dir(tenant_id)):
            if not folder.is_dir():
                folder.mkdir(parents=True, mode=0o700, exist_ok=True)
                make_private(folder)
        for folder in (self.root / "tenants", self.tenant_dir(tenant_id), self.landing_root):
            make_private(folder)

    def make_private(self) -> None:
        """Make what revlake created in the workspace private: files 0600, folders 0700.

        Covers the root's own files (revlake.toml, the store, secrets, lock) and the whole
        `tenants/` tree (bronze, snapshots, dbt's files, models). Run when a write lock is
        released, so a file any command created is private from then on; the landing
        folders are made 0700 when created, the files dropped into them are the user's.
        """
        for name in ROOT_FILES:
            make_private(self.root / name)
        tenants = self.root / "tenants"
        if not tenants.is_dir():
            return
        make_private(tenants)
        for folder, dirs, files in os.walk(tenants):
            for name in dirs:
                make_private(Path(folder) / name)
            for name in files:
                make_private(Path(folder) / name)

    @contextmanager
    def write_lock(self, command: str, timeout_s: float = 0.0) -> Iterator[None]:
        """Hold the workspace write lock; wait up to `timeout_s`, then say who holds it."""
        lock = FileLock(str(self.root / LOCK_FILE_NAME))
        info_path = self.root / LOCK_INFO_FILE_NAME
        try:
            lock.acquire(timeout=timeout_s)
        except Timeout:
            raise WorkspaceLockedError(
                f"workspace {self.root} is locked by another revlake command "
                f"({_describe_holder(info_path)}); wait for it to finish or pass a longer "
                "--wait"
            ) from None
        try:
            info = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": command,
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            info_path.write_text(json.dumps(info), encoding="utf-8")
            yield
        finally:
            info_path.unlink(missing_ok=True)
            self.make_private()
            lock.release()


def private_secret(path: Path) -> bytes:
    """A 32-byte secret kept in `path` (hex, mode 0600), created on first use.

    Kept in a file so that several processes, and a restarted one, share it.
    """
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except ValueError as exc:
        raise RevlakeError(f"{path}: not a hex secret; delete it to make a new one") from exc
    secret = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return private_secret(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret.hex())
    return secret


def _describe_holder(info_path: Path) -> str:
    # The holder writes its info right after taking the lock; give it a moment.
    for _ in range(20):
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            return f"`{info['command']}`, pid {info['pid']} on {info['host']} since {info['since']}"
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            time.sleep(0.05)
    return "holder unknown"


def init_workspace(
    root: Path | str,
    tenants: Sequence[str] = ("demo",),
    *,
    reporting_currency: str = "USD",
    fiscal_year_start_month: int = 1,
) -> Workspace:
    """Create a workspace folder with revlake.toml and each tenant's folders.

    Refuses to overwrite an existing revlake.toml, and checks that the folder is writable
    before writing anything.
    """
    path = Path(root).expanduser().resolve()
    config_path = path / CONFIG_FILE_NAME
    if config_path.exists():
        raise InputError(f"{config_path} already exists; this folder is already a workspace")
    if not tenants:
        raise InputError("a workspace needs at least one tenant (--tenant NAME)")
    raw = {
        "workspace": {
            "reporting_currency": reporting_currency,
            "fiscal_year_start_month": fiscal_year_start_month,
            "churn_timing": "period_end",
            "landing_path": "landing",
        },
        "tenants": [
            {"id": t, "name": t.replace("-", " ").replace("_", " ").title()} for t in tenants
        ],
    }
    # the file holds the arguments alone; the workspace returned is the one every later
    # command opens (REVLAKE_* overrides applied, a bad one named before anything is written)
    settings_from_mapping(raw, source="revlake init arguments", environ={})
    settings = settings_from_mapping(raw, source=str(config_path))
    try:
        if not path.is_dir():
            path.mkdir(parents=True, mode=0o700)
            make_private(path)
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(tomli_w.dumps(raw).encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot create workspace at {path}: {exc.strerror}") from None
    workspace = Workspace(root=path, settings=settings)
    for tenant in settings.tenants:
        workspace.ensure_tenant_dirs(tenant.id)
    return workspace
