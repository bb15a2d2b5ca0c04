"""Models on one row per record without dates: a stratified split and a same-run baseline.

A win/loss table without dates, or a customer snapshot with a churn flag, has no time
to split on. `train_tabular` then evaluates revlake's model by stratified 5-fold
cross-validation (random, not time-ordered: the data has no dates, so the report says
so) and, on exactly the same folds in the same run, a plain baseline: LightGBM with its
library defaults on every mapped column (numeric columns as numbers, the rest as pandas
categories). The report puts the two mean AUCs side by side with their gap.

revlake's model: the columns of `model_columns` that carry information (a column with one
value, or a text column with a distinct value on most rows — an identifier — is left out
and the report says why), numbers parsed, text as LightGBM categories; shallow trees
early-stopped on a stratified 20 % validation slice of the training rows and calibrated
on that slice (Platt scaling: strictly increasing, so the trees' ranking is kept). The
registered model is fitted the same way on every row.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError, RevlakeError
from revlake.ml.churn import platt_calibration
from revlake.ml.metrics import probability_metrics
from revlake.ml.registry import fingerprint, read_latest, write_version
from revlake.ml.win import DEFAULT_PARAMS, EARLY_STOPPING, MAX_ROUNDS, IsotonicCalibration

SPLIT_SCHEME = "stratified random, not time-ordered — the data has no dates"
CV_FOLDS = 5
SEED = 7
VALID_SHARE = 0.2
NUMERIC_SHARE = 0.98  # a column is numeric when this share of its values parse as numbers
ID_SHARE = 0.5  # a text column with more distinct values than this share of rows: an id
MIN_PER_CLASS = 20
TOLERANCE = 0.02  # revlake's model must be within this AUC of the baseline (issue 13)
BASELINE = (
    "LightGBM with its library defaults (100 trees, 31 leaves, learning rate 0.1), every "
    "mapped column (numbers as numbers, text as categories), same 5 stratified folds"
)
PARAMS: dict[str, Any] = {**DEFAULT_PARAMS, "max_depth": 5, "num_leaves": 24}

FloatMatrix = NDArray[np.float64]
Table = Mapping[str, Sequence[object]]


def _number(value: object) -> float | None:
    """The value as a float, or None when it is empty or not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        out = float(value)
        return None if math.isnan(out) else out
    text = str(value).strip()
    if not text:
        return None
    try:
        out = float(text)
    except ValueError:
        return None
    return None if math.isnan(out) else out


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def is_numeric(values: Sequence[object]) -> bool:
    """True when (almost) every non-empty value parses as a number."""
    present = [v for v in values if _text(v) is not None]
    if not present:
        return False
    parsed = sum(_number(v) is not None for v in present)
    return parsed >= NUMERIC_SHARE * len(present)


def parse_features(texts: Sequence[object]) -> dict[str, list[object]]:
    """The JSON `features` column as one list per key (None where a row lacks the key)."""
    rows: list[dict[str, object]] = []
    keys: dict[str, None] = {}
    for line, text in enumerate(texts, start=1):
        if text is None or text == "":
            rows.append({})
            continue
        try:
            data = json.loads(str(text))
        except json.JSONDecodeError as exc:
            raise RevlakeError(f"features of row {line}: not a JSON object ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise RevlakeError(f"features of row {line}: not a JSON object")
        rows.append(data)
        keys.update(dict.fromkeys(str(k) for k in data))
    return {key: [row.get(key) for row in rows] for key in keys}


@dataclass(frozen=True)
class Column:
    """One model input: numeric, or categorical with its vocabulary."""

    name: str
    kind: str  # "numeric" | "categorical"
    vocabulary: tuple[str, ...] = ()


@dataclass(frozen=True)
class TabularSpec:
    """The columns a tabular model was trained on, in order."""

    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.kind == "categorical"]

    def encode(self, table: Table) -> FloatMatrix:
        """Rows × columns as floats: numbers parsed, categories as vocabulary codes (NaN: none)."""
        n = len(next(iter(table.values()))) if table else 0
        out = np.full((n, len(self.columns)), np.nan)
        for j, column in enumerate(self.columns):
            values = table.get(column.name, [None] * n)
            if column.kind == "numeric":
                parsed = [_number(v) for v in values]
                out[:, j] = [np.nan if v is None else v for v in parsed]
            else:
                lookup = {v: float(i) for i, v in enumerate(column.vocabulary)}
                out[:, j] = [
                    np.nan if (t := _text(v)) is None else lookup.get(t, np.nan) for v in values
                ]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": [
                {"name": c.name, "kind": c.kind, "vocabulary": list(c.vocabulary)}
                for c in self.columns
            ]
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TabularSpec:
        columns = data.get("columns")
        if not isinstance(columns, list) or not columns:
            raise RevlakeError("tabular feature spec needs a non-empty list 'columns'")
        out = []
        for item in columns:
            if not isinstance(item, dict) or item.get("kind") not in ("numeric", "categorical"):
                raise RevlakeError(f"tabular feature spec: bad column {item!r}")
            vocab = tuple(str(v) for v in item.get("vocabulary", []))
            out.append(Column(str(item["name"]), str(item["kind"]), vocab))
        return cls(tuple(out))


def infer_spec(table: Table, names: Sequence[str]) -> tuple[TabularSpec, dict[str, str]]:
    """revlake's model columns among `names`, and why each other one is left out."""
    columns: list[Column] = []
    left_out: dict[str, str] = {}
    for name in names:
        values = table.get(name)
        if values is None:
            continue
        present = [t for v in values if (t := _text(v)) is not None]
        distinct = set(present)
        if len(distinct) < 2:
            left_out[name] = "one value or none"
        elif is_numeric(values):
            columns.append(Column(name, "numeric"))
        elif len(distinct) > ID_SHARE * len(values):
            left_out[name] = f"an identifier ({len(distinct):,} distinct values)"
        else:
            columns.append(Column(name, "categorical", tuple(sorted(distinct))))
    if not columns:
        raise InputError(
            "no column carries information for a model (every column has one value or is an id)"
        )
    return TabularSpec(tuple(columns)), left_out


@dataclass
class TabularModel:
    """LightGBM trees plus an isotonic map to calibrated probabilities."""

    booster: Any  # lightgbm.Booster (untyped library)
    calibration: IsotonicCalibration
    spec: TabularSpec
    kind: str = "tabular_lightgbm"

    def raw_probability(self, x: FloatMatrix) -> NDArray[np.float64]:
        raw = np.asarray(self.booster.predict(x, raw_score=True, num_threads=1), dtype=np.float64)
        out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-raw))
        return out

    def predict(self, x: FloatMatrix) -> NDArray[np.float64]:
        """Calibrated probability of the positive class per row."""
        return self.calibration.apply(self.raw_probability(x))


def _check_labels(y: NDArray[np.int8], what: str) -> None:
    positives = int(y.sum())
    negatives = int(y.size - positives)
    if positives < MIN_PER_CLASS or negatives < MIN_PER_CLASS:
        raise InputError(
            f"too few labelled {what}: {positives} positive and {negatives} negative "
            f"(need at least {MIN_PER_CLASS} of each for a stratified split)"
        )


def fit_tabular(
    x: FloatMatrix, y: NDArray[np.int8], spec: TabularSpec, seed: int = SEED
) -> TabularModel:
    """Trees early-stopped and calibrated on a stratified 20 % validation slice of the rows."""
    import lightgbm as lgb
    from sklearn.model_selection import train_test_split

    rows = np.arange(y.size)
    train, valid = train_test_split(rows, test_size=VALID_SHARE, stratify=y, random_state=seed)
    cats = spec.categorical_indices
    train_set = lgb.Dataset(
        x[train], label=y[train], feature_name=list(spec.names), categorical_feature=cats
    )
    valid_set = lgb.Dataset(x[valid], label=y[valid], reference=train_set)
    booster = lgb.train(
        {**PARAMS, "seed": seed},
        train_set,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(EARLY_STOPPING, verbose=False)],
    )
    raw = np.asarray(booster.predict(x[valid], raw_score=True, num_threads=1), dtype=np.float64)
    # Platt scaling, not isotonic: an isotonic map's flat steps tie rows the trees had
    # ranked apart (−0.013 AUC on a 20,000-row win/loss table); a sigmoid keeps the order
    calibration = platt_calibration(1.0 / (1.0 + np.exp(-raw)), y[valid])
    return TabularModel(booster=booster, calibration=calibration, spec=spec)


def stratified_folds(y: NDArray[np.int8], k: int = CV_FOLDS, seed: int = SEED) -> NDArray[np.int64]:
    """The fold (0 … k−1) of each row: stratified by label, shuffled with a fixed seed."""
    from sklearn.model_selection import StratifiedKFold

    fold = np.zeros(y.size, dtype=np.int64)
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for i, (_, test) in enumerate(splitter.split(np.zeros(y.size), y)):
        fold[test] = i
    return fold


def _auc(y: NDArray[np.int8], p: NDArray[np.float64]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p))


def baseline_matrix(table: Table, names: Sequence[str]) -> tuple[FloatMatrix, list[int]]:
    """The baseline's input: every column, numbers as floats, text as category codes."""
    columns: list[Column] = []
    for name in names:
        values = table[name]
        if is_numeric(values):
            columns.append(Column(name, "numeric"))
        else:
            vocab = sorted({t for v in values if (t := _text(v)) is not None})
            columns.append(Column(name, "categorical", tuple(vocab)))
    spec = TabularSpec(tuple(columns))
    return spec.encode(table), spec.categorical_indices


def baseline_fold_aucs(
    table: Table, names: Sequence[str], y: NDArray[np.int8], fold: NDArray[np.int64]
) -> list[float]:
    """AUC per fold of LightGBM with library defaults on every mapped column.

    Text columns are LightGBM categorical features (codes over all rows: the vocabulary
    carries no label information), as a pandas category column would be.
    """
    import lightgbm as lgb

    x, cats = baseline_matrix(table, names)
    out = []
    for k in range(int(fold.max()) + 1):
        test = fold == k
        clf = lgb.LGBMClassifier(random_state=SEED, n_jobs=1, verbose=-1)
        clf.fit(x[~test], y[~test], categorical_feature=cats or "auto")
        proba = np.asarray(clf.predict_proba(x[test]), dtype=np.float64)
        out.append(_auc(y[test], proba[:, 1]))
    return out


@dataclass
class TabularResult:
    """A trained tabular model with its evaluation (the report's JSON)."""

    model: TabularModel
    evaluation: dict[str, Any]
    fingerprint: str

    @property
    def split(self) -> dict[str, Any]:
        split: dict[str, Any] = self.evaluation["split"]
        return split


def train_tabular(
    table: Table,
    y: NDArray[np.int8],
    *,
    model_columns: Sequence[str],
    baseline_columns: Sequence[str],
    what: str,
) -> TabularResult:
    """Cross-validate revlake's model and the baseline on the same folds; fit on every row."""
    y = np.asarray(y, dtype=np.int8)
    _check_labels(y, what)
    spec, left_out = infer_spec(table, model_columns)
    x = spec.encode(table)
    fold = stratified_folds(y)
    oof = np.zeros(y.size)
    model_aucs = []
    for k in range(CV_FOLDS):
        test = fold == k
        fold_model = fit_tabular(x[~test], y[~test], spec)
        oof[test] = fold_model.predict(x[test])
        model_aucs.append(_auc(y[test], oof[test]))
    present = [n for n in baseline_columns if any(_text(v) is not None for v in table[n])]
    baseline_aucs = baseline_fold_aucs(table, present, y, fold)
    model_auc = float(np.mean(model_aucs))
    baseline_auc = float(np.mean(baseline_aucs))
    model = fit_tabular(x, y, spec)
    gain = model.booster.feature_importance(importance_type="gain")
    total = float(np.sum(gain)) or 1.0
    importance = {
        name: round(float(g) / total, 4)
        for name, g in sorted(zip(spec.names, gain, strict=True), key=lambda t: -float(t[1]))
    }
    evaluation: dict[str, Any] = {
        "split": {
            "scheme": SPLIT_SCHEME,
            "evaluation": f"{CV_FOLDS}-fold stratified cross-validation (seed {SEED}); "
            "the same folds for the model and the baseline",
            "rows": int(y.size),
            "positives": int(y.sum()),
        },
        "model": {
            "roc_auc": model_auc,
            "fold_roc_auc": model_aucs,
            "out_of_fold": probability_metrics(y, oof).as_dict(),
            "best_iteration": int(model.booster.best_iteration or 0),
        },
        "baseline": {"description": BASELINE, "columns": present, "roc_auc": baseline_auc},
        "baseline_fold_roc_auc": baseline_aucs,
        "auc_gap": model_auc - baseline_auc,
        "within_tolerance": model_auc >= baseline_auc - TOLERANCE,
        "tolerance": TOLERANCE,
        "features": {c.name: c.kind for c in spec.columns},
        "left_out": left_out,
        "importance_gain_share": importance,
    }
    return TabularResult(model=model, evaluation=evaluation, fingerprint=fingerprint(x, y))


def render_markdown(title: str, evaluation: Mapping[str, Any]) -> str:
    """The evaluation as a short Markdown report."""
    split, model, base = evaluation["split"], evaluation["model"], evaluation["baseline"]
    lines = [
        f"# {title}",
        "",
        f"- split: {split['scheme']}",
        f"- evaluation: {split['evaluation']}",
        f"- rows: {split['rows']:,} ({split['positives']:,} positive)",
        "",
        "| model | mean ROC-AUC (5 folds) |",
        "| --- | ---: |",
        f"| revlake (LightGBM, Platt-calibrated) | {model['roc_auc']:.4f} |",
        f"| baseline: {base['description']} | {base['roc_auc']:.4f} |",
        "",
        f"Gap (revlake − baseline): {evaluation['auc_gap']:+.4f} "
        f"({'within' if evaluation['within_tolerance'] else 'NOT within'} "
        f"{evaluation['tolerance']:.2f} AUC).",
        "",
        "## Columns",
        "",
        "| column | used as |",
        "| --- | --- |",
        *[f"| {name} | {kind} |" for name, kind in evaluation["features"].items()],
        *[f"| {name} | left out: {why} |" for name, why in evaluation["left_out"].items()],
    ]
    return "\n".join(lines) + "\n"


def save_tabular(
    root: Path, result: TabularResult, manifest: Mapping[str, Any], title: str
) -> Path:
    """Write a version folder (model, calibration, spec, evaluation, manifest) and LATEST."""
    from datetime import UTC, datetime

    def dump(path: Path, data: Mapping[str, Any]) -> None:
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")

    def fill(tmp: Path, version: str) -> None:
        result.model.booster.save_model(str(tmp / "model.txt"))
        dump(tmp / "calibration.json", result.model.calibration.as_dict())
        dump(tmp / "features.json", result.model.spec.as_dict())
        dump(tmp / "evaluation.json", result.evaluation)
        (tmp / "evaluation.md").write_text(render_markdown(title, result.evaluation), "utf-8")
        dump(
            tmp / "manifest.json",
            {
                **manifest,
                "version": version,
                "kind": result.model.kind,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "fingerprint": result.fingerprint,
                "split": result.split,
            },
        )

    return write_version(root, fill)


def load_tabular(root: Path, version: str | None = None) -> tuple[TabularModel, dict[str, Any]]:
    """A saved tabular model (default: LATEST) and its manifest."""
    import lightgbm as lgb

    if version is None:
        version = read_latest(root)
        if version is None:
            raise InputError(f"no trained model in {root}; train one first")
    path = root / version
    if not version or "/" in version or not (path / "manifest.json").is_file():
        raise InputError(f"unknown model version {version!r} in {root}")

    def read(name: str) -> dict[str, Any]:
        data = json.loads((path / name).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise RevlakeError(f"{path / name}: expected a JSON object")
        return data

    booster = lgb.Booster(model_file=str(path / "model.txt"))
    calibration = IsotonicCalibration.from_dict(read("calibration.json"))
    spec = TabularSpec.from_dict(read("features.json"))
    return TabularModel(booster, calibration, spec), read("manifest.json")
