"""Parsed dbt projects, kept for the process's next command on the same parse inputs.

dbt parses the whole project (≈ 130 models, 320 tests, 560 macros: ≈ 6 s on an idle
2-core machine, 10–30 s loaded) before every command. Its own partial parsing cannot help
a build in another workspace or of another tenant: it keeps its state in each target
folder and discards it when any connection value differs, and the database *file path*
is one. What a parse reads is narrower: the dbt and adapter versions, the project's files,
the `--vars`, and the profile apart from where its files lie (the database *name*, the
file's stem, is part of every relation and so stays in the key). A manifest parsed from
the same inputs is handed to the next command (dbt's `dbtRunner(manifest=...)`), which
then compiles and runs every node as usual with that command's own vars and connection.

The cache lives in the process (a server, a test session, a benchmark running several
builds); a new process parses once. It holds a few manifests (tens of MB each).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

REUSES_PARSE = frozenset({"build", "run", "test", "compile", "seed", "show"})
"""dbt commands that accept a parsed manifest and need nothing else from the parse."""

_MAX_MANIFESTS = 3
_PACKAGES = ("dbt-core", "dbt-adapters", "dbt-duckdb", "dbt-spark")

_lock = threading.Lock()
_manifests: OrderedDict[str, Any] = OrderedDict()


def parse_key(project_dir: Path, profiles_dir: Path, dbt_vars: Mapping[str, Any]) -> str:
    """A digest of everything a parse of `project_dir` reads (see the module docstring)."""
    digest = hashlib.sha256(project_digest(project_dir).encode())
    digest.update(_profile_without_locations(profiles_dir / "profiles.yml").encode())
    digest.update(json.dumps(dbt_vars, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def project_digest(project_dir: Path) -> str:
    """A digest of the dbt project's files and the dbt and adapter versions that run it."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        digest.update(f"{package}={_version(package)}\n".encode())
    for path in sorted(p for p in project_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(project_dir)
        if relative.parts[0] in {"target", "logs", "dbt_packages"}:
            continue
        digest.update(f"{relative}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cached_manifest(key: str) -> Any | None:
    """The manifest parsed for `key` in this process, or None."""
    with _lock:
        manifest = _manifests.get(key)
        if manifest is not None:
            _manifests.move_to_end(key)
        return manifest


def remember_manifest(key: str, manifest: Any) -> None:
    """Keep `manifest` for the next command with the same parse inputs (a few at most)."""
    with _lock:
        _manifests[key] = manifest
        _manifests.move_to_end(key)
        while len(_manifests) > _MAX_MANIFESTS:
            _manifests.popitem(last=False)


def forget_manifests() -> None:
    """Drop every kept manifest (the next command parses again)."""
    with _lock:
        _manifests.clear()


def _profile_without_locations(profiles_file: Path) -> str:
    """The profile as revlake writes it (JSON, which is YAML), file paths reduced to names.

    A profile that is not JSON is taken whole, paths included (no reuse across folders).
    """
    text = profiles_file.read_text(encoding="utf-8")
    try:
        profile = json.loads(text)
    except json.JSONDecodeError:
        return text
    return json.dumps(_without_locations(profile), sort_keys=True)


def _without_locations(value: Any) -> Any:
    """The profile with each file path reduced to its file name (which names a database)."""
    if isinstance(value, dict):
        return {key: _file_name_or_value(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_locations(item) for item in value]
    return value


def _file_name_or_value(key: str, value: Any) -> Any:
    if key == "path" and isinstance(value, str):
        return Path(value).name
    return _without_locations(value)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"
