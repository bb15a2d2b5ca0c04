"""The model registry: versioned win-model folders under the tenant.

Layout (`tenants/<tenant>/models/win/`)::

    20261121T091500Z/          one folder per `revlake train` (UTC timestamp, sortable)
      manifest.json            kind, version, created_at, training-data fingerprint, split, …
      model.txt                LightGBM model (kind "lightgbm")
      calibration.json         isotonic map raw → calibrated probability (kind "lightgbm")
      stage_rates.json         win rate per stage (kind "stage_rates")
      features.json            feature list, categorical vocabularies, won-deal references
      evaluation.json / .md    metrics on the test split beside the baselines
      reliability.png          reliability diagram
    LATEST                     the newest complete version's folder name

A version is written into a hidden temporary folder and renamed into place, then LATEST
is replaced atomically, so a reader never loads a half-written model. `write_version` and
`read_latest` are that protocol, shared by every model family (win here, churn in
revlake.ml.churn): the one place that reads or writes a LATEST file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from revlake.errors import Conflict, InputError, RevlakeError
from revlake.ml.explain import Reference
from revlake.ml.features import FeatureSpec
from revlake.ml.win import IsotonicCalibration, LightGbmWinModel, StageRateModel, WinModel
from revlake.workspace import Workspace

LATEST_FILE = "LATEST"
MODEL_FAMILY = "win"


@dataclass
class RegisteredModel:
    """A loaded model with its reference statistics and manifest."""

    model: WinModel
    reference: Reference
    manifest: dict[str, Any]
    path: Path

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    def baseline_probability(self) -> float:
        """The model's probability for a deal with no known feature (the drivers' zero).

        LightGBM's bias term through the calibration; a stage-rate model's drivers are
        measured from the overall win rate.
        """
        model = self.model
        if isinstance(model, LightGbmWinModel):
            row = np.full((1, len(model.spec.names)), np.nan)
            bias = float(model.booster.predict(row, pred_contrib=True)[0, -1])
            return float(model.calibration.apply(np.array([1.0 / (1.0 + math.exp(-bias))]))[0])
        return float(self.reference.win_rate)


def models_dir(workspace: Workspace, tenant: str) -> Path:
    """`tenants/<tenant>/models/win`."""
    return workspace.tenant_dir(tenant) / "models" / MODEL_FAMILY


def fingerprint(*arrays: NDArray[Any]) -> str:
    """SHA-256 of the training rows (shape, dtype and bytes of each array)."""
    digest = hashlib.sha256()
    for arr in arrays:
        a = np.ascontiguousarray(arr)
        if a.dtype == object:
            a = np.array([str(v) for v in a.tolist()], dtype=np.str_)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _new_version(root: Path, now: datetime | None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    version, counter = stamp, 1
    while (root / version).exists():
        version = f"{stamp}-{counter}"
        counter += 1
    return version


def write_version(
    root: Path, fill: Callable[[Path, str], None], now: datetime | None = None
) -> Path:
    """A new version folder under `root`, then LATEST pointed at it (atomically).

    `fill(folder, version)` writes the files into a hidden temporary folder that is renamed
    into place only when it returns, so a reader never sees a half-written version.
    """
    root.mkdir(parents=True, exist_ok=True)
    version = _new_version(root, now)
    tmp = root / f".{version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    final = root / version
    try:
        fill(tmp, version)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = root / f".{LATEST_FILE}.{os.getpid()}.tmp"
    pointer.write_text(version + "\n", encoding="utf-8")
    os.replace(pointer, root / LATEST_FILE)
    return final


def read_latest(root: Path) -> str | None:
    """The version LATEST under `root` names, or None when nothing was registered."""
    try:
        version = (root / LATEST_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RevlakeError(f"cannot read the model registry {root}: {exc}") from exc
    return version or None


class LatestCache:
    """LATEST pointers read once per change of the file, not once per request.

    A server asks for the registered version on every forecast request; re-reading the
    file each time cost a thread-pool hop and a read. Here a request costs one `stat`
    (microseconds, fine on the event loop; the pointer's path is worked out once per
    registry): the version is read again only when the pointer's inode, mtime or size
    differs from the last read. `write_version` replaces LATEST by rename (a new inode),
    so a newly registered model is seen by the next request, as before. A stat taken
    before a replacement and a read after it only ever pairs an old stamp with the newer
    version, which the next stat then re-reads.
    """

    def __init__(self) -> None:
        self._roots: dict[tuple[Path, str], Path] = {}
        self._pointers: dict[Path, Path] = {}
        self._entries: dict[Path, tuple[tuple[int, int, int], str | None]] = {}
        self._lock = threading.Lock()

    def win_root(self, workspace: Workspace, tenant: str) -> Path:
        """`models_dir(workspace, tenant)`, worked out once per workspace and tenant."""
        root = self._roots.get((workspace.root, tenant))
        if root is None:
            root = self._roots[(workspace.root, tenant)] = models_dir(workspace, tenant)
        return root

    def read(self, root: Path) -> str | None:
        """What `read_latest(root)` returns now (same errors)."""
        pointer = self._pointers.get(root)
        if pointer is None:
            pointer = self._pointers[root] = root / LATEST_FILE
        try:
            stat = os.stat(pointer)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise RevlakeError(f"cannot read the model registry {root}: {exc}") from exc
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            hit = self._entries.get(root)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        version = read_latest(root)
        with self._lock:
            self._entries[root] = (stamp, version)
        return version


def registered_win_version(
    workspace: Workspace, tenant: str, latest: LatestCache | None = None
) -> str:
    """The tenant's latest win-model version; `Conflict` when `revlake train` never ran.

    `latest`: a server's cache of LATEST pointers (read again only when the file changes).
    """
    if latest is not None:
        version = latest.read(latest.win_root(workspace, tenant))
    else:
        version = read_latest(models_dir(workspace, tenant))
    if version is None:
        raise Conflict(
            f"tenant {tenant!r} has no registered win model: run "
            f"`revlake train --tenant {tenant}` first"
        )
    return version


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def save_model(
    workspace: Workspace,
    tenant: str,
    model: WinModel,
    reference: Reference,
    manifest: Mapping[str, Any],
    extra_files: Mapping[str, Path] | None = None,
    now: datetime | None = None,
) -> Path:
    """Write a new version folder (model, calibration, features, manifest, extra files)."""

    def fill(tmp: Path, version: str) -> None:
        if isinstance(model, LightGbmWinModel):
            model.booster.save_model(str(tmp / "model.txt"))
            _write_json(tmp / "calibration.json", model.calibration.as_dict())
        else:
            _write_json(
                tmp / "stage_rates.json",
                {"rates": model.rates, "overall": model.overall, "counts": model.counts},
            )
        _write_json(
            tmp / "features.json", {**model.spec.as_dict(), "reference": reference.as_dict()}
        )
        for name, source in (extra_files or {}).items():
            shutil.copyfile(source, tmp / name)
        _write_json(
            tmp / "manifest.json",
            {
                **manifest,
                "version": version,
                "kind": model.kind,
                "created_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            },
        )

    return write_version(models_dir(workspace, tenant), fill, now)


def list_versions(workspace: Workspace, tenant: str) -> list[str]:
    """Complete versions, oldest first."""
    root = models_dir(workspace, tenant)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "manifest.json").is_file())


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RevlakeError(f"model file missing: {path}") from exc
    except json.JSONDecodeError as exc:
        raise RevlakeError(f"{path}: line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise RevlakeError(f"{path}: expected a JSON object")
    return data


def load_model(workspace: Workspace, tenant: str, version: str | None = None) -> RegisteredModel:
    """Load a version (default: LATEST); InputError when there is none or it is unknown."""
    root = models_dir(workspace, tenant)
    if version is None:
        version = read_latest(root)
        if version is None:
            raise InputError(
                f"tenant {tenant!r} has no trained win model ({root}); run `revlake train` first"
            )
    path = root / version
    if not version or "/" in version or not (path / "manifest.json").is_file():
        known = ", ".join(list_versions(workspace, tenant)) or "(none)"
        raise InputError(
            f"unknown model version {version!r} for tenant {tenant!r} (known: {known})"
        )
    manifest = _read_json(path / "manifest.json")
    features = _read_json(path / "features.json")
    spec = FeatureSpec.from_dict(features)
    reference = Reference.from_dict(features.get("reference", {}))
    kind = manifest.get("kind")
    model: WinModel
    if kind == "lightgbm":
        import lightgbm as lgb

        try:
            booster = lgb.Booster(model_file=str(path / "model.txt"))
        except lgb.basic.LightGBMError as exc:
            raise RevlakeError(f"cannot load {path / 'model.txt'}: {exc}") from exc
        calibration = IsotonicCalibration.from_dict(_read_json(path / "calibration.json"))
        model = LightGbmWinModel(booster=booster, calibration=calibration, spec=spec)
    elif kind == "stage_rates":
        data = _read_json(path / "stage_rates.json")
        model = StageRateModel(
            rates={str(k): float(v) for k, v in data["rates"].items()},
            overall=float(data["overall"]),
            spec=spec,
            counts={str(k): int(v) for k, v in data.get("counts", {}).items()},
        )
    else:
        raise RevlakeError(f"{path / 'manifest.json'}: unknown model kind {kind!r}")
    return RegisteredModel(model=model, reference=reference, manifest=manifest, path=path)


_LOADED: dict[tuple[Path, int], RegisteredModel] = {}
_LOADED_LOCK = threading.Lock()
LOADED_VERSIONS = 8
"""Model versions `load_model_cached` keeps in memory (the server's, per process)."""


def load_model_cached(workspace: Workspace, tenant: str, version: str) -> RegisteredModel:
    """`load_model` of a named version, reusing one this process loaded before.

    A version's folder is written once and renamed into place, so the server need not
    load it again for every build it publishes (a LightGBM model: hundreds of ms on the
    first forecast after each publish). The manifest's modification time is part of the
    key, so a folder replaced under the same name is loaded again, and a removed one
    answers `load_model`'s error.
    """
    manifest = models_dir(workspace, tenant) / version / "manifest.json"
    try:
        key = (manifest.resolve(), manifest.stat().st_mtime_ns)
    except OSError:
        return load_model(workspace, tenant, version)
    with _LOADED_LOCK:
        found = _LOADED.get(key)
    if found is not None:
        return found
    loaded = load_model(workspace, tenant, version)
    with _LOADED_LOCK:
        _LOADED[key] = loaded
        while len(_LOADED) > LOADED_VERSIONS:
            del _LOADED[next(iter(_LOADED))]
    return loaded
