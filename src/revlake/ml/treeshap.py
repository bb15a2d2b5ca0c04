"""Exact TreeSHAP for many rows, computed once per distinct decision pattern of each tree.

A tree's TreeSHAP contributions for a row depend on the row only through the side of
every split it would take (path-dependent TreeSHAP follows the row at the splits of the
features it conditions on). Two rows that fall on the same side of every threshold of a
tree therefore get identical contributions from it. So, tree by tree, rows are grouped by
a key — per feature the tree uses: the interval between the tree's thresholds the value
falls in (plus a class for missing and one for zero), or the category code — LightGBM's
own `pred_contrib` is run on one representative row per group for that single tree
(`start_iteration=t, num_iteration=1`), and the result is scattered back. SHAP values
add up over trees, so the sum is exactly LightGBM's full `pred_contrib` (tested), at a
fraction of the cost when many rows share patterns (100,000 open deals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatMatrix = NDArray[np.float64]
_MAX_KEY = 2**62


@dataclass(frozen=True)
class _FeatureCut:
    feature: int
    categorical: bool
    thresholds: NDArray[np.float64]  # sorted, numeric splits only


def _walk(node: dict[str, Any], out: dict[int, tuple[bool, set[float]]]) -> None:
    if "split_feature" not in node:
        return
    feature = int(node["split_feature"])
    categorical = node.get("decision_type") == "=="
    is_cat, thresholds = out.setdefault(feature, (categorical, set()))
    if not categorical:
        thresholds.add(float(node["threshold"]))
    out[feature] = (is_cat or categorical, thresholds)
    _walk(node["left_child"], out)
    _walk(node["right_child"], out)


def _tree_cuts(tree: dict[str, Any]) -> list[_FeatureCut]:
    found: dict[int, tuple[bool, set[float]]] = {}
    _walk(tree["tree_structure"], found)
    return [
        _FeatureCut(f, cat, np.array(sorted(thr), dtype=np.float64))
        for f, (cat, thr) in sorted(found.items())
    ]


@dataclass(frozen=True)
class _Column:
    """One feature column prepared once: position among all the model's thresholds."""

    position: NDArray[np.int64]  # number of the model's thresholds below the value
    thresholds: NDArray[np.float64]  # all thresholds of this feature, sorted
    missing: NDArray[np.bool_]
    zero: NDArray[np.bool_]
    codes: NDArray[np.int64]  # categorical code + 1 (0: missing or negative)


def _column(values: NDArray[np.float64], thresholds: NDArray[np.float64]) -> _Column:
    missing = np.isnan(values)
    filled = np.where(missing, 0.0, values)
    return _Column(
        position=np.searchsorted(thresholds, filled, side="left").astype(np.int64),
        thresholds=thresholds,
        missing=missing,
        zero=(np.abs(filled) <= 1e-35) & ~missing,  # LightGBM's zero-as-missing threshold
        codes=np.where(missing | (filled < 0), -1, filled).astype(np.int64) + 1,
    )


def _classes(column: _Column, cut: _FeatureCut) -> tuple[NDArray[np.int64], int]:
    """Per row, the class of its value for one tree's splits, and the number of classes."""
    if cut.categorical:
        return column.codes, int(column.codes.max(initial=0)) + 1
    # thresholds of this tree below the value = this tree's among all thresholds below it
    mine = np.concatenate(([0], np.cumsum(np.isin(column.thresholds, cut.thresholds))))
    position = mine[column.position]
    n_pos = cut.thresholds.size + 1
    classes = np.where(column.missing, 2 * n_pos, 2 * position + column.zero)
    return classes.astype(np.int64), 2 * n_pos + 1


def _group(keys: NDArray[np.int64], n_keys: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(one representative row per distinct key, group index of every row)."""
    if n_keys <= 4 * keys.size:  # small key space: counting instead of sorting
        present = np.zeros(n_keys, dtype=bool)
        present[keys] = True
        group_of_key = np.cumsum(present) - 1
        inverse = group_of_key[keys]
        first = np.empty(int(present.sum()), dtype=np.int64)
        first[inverse[::-1]] = np.arange(keys.size - 1, -1, -1)
        return first, inverse
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first.astype(np.int64), np.asarray(inverse, dtype=np.int64).reshape(-1)


def _group_rows(
    columns: dict[int, _Column], cuts: list[_FeatureCut], n: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    key = np.zeros(n, dtype=np.int64)
    radix_total = 1
    classes = [_classes(columns[cut.feature], cut) for cut in cuts]
    for values, radix in classes:
        radix_total *= radix
        if radix_total >= _MAX_KEY:
            # too many combinations for one integer: group on the class columns themselves
            stacked = np.column_stack([c for c, _ in classes])
            _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
            return first.astype(np.int64), np.asarray(inverse, dtype=np.int64).reshape(-1)
        key = key * radix + values
    return _group(key, radix_total)


def tree_contributions(booster: Any, x: FloatMatrix, num_threads: int = 1) -> FloatMatrix:
    """Exact TreeSHAP (features + bias), equal to `booster.predict(x, pred_contrib=True)`."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    n, n_features = x.shape
    out = np.zeros((n, n_features + 1), dtype=np.float64)
    if n == 0:
        return out
    model = booster.dump_model(num_iteration=booster.best_iteration or None)
    trees = [_tree_cuts(tree) for tree in model["tree_info"]]
    all_thresholds: dict[int, set[float]] = {}
    for cuts in trees:
        for cut in cuts:
            all_thresholds.setdefault(cut.feature, set()).update(cut.thresholds.tolist())
    columns = {
        f: _column(x[:, f], np.array(sorted(thr), dtype=np.float64))
        for f, thr in all_thresholds.items()
    }
    for t, (tree, cuts) in enumerate(zip(model["tree_info"], trees, strict=True)):
        if not cuts:  # a single leaf: only the bias
            out[:, -1] += float(tree["tree_structure"].get("leaf_value", 0.0))
            continue
        first, inverse = _group_rows(columns, cuts, n)
        part = booster.predict(
            x[first],
            pred_contrib=True,
            start_iteration=t,
            num_iteration=1,
            num_threads=num_threads,
        )
        used = [cut.feature for cut in cuts] + [n_features]  # other columns are zero
        out[:, used] += np.asarray(part, dtype=np.float64)[:, used][inverse]
    return out
