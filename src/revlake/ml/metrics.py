"""How good is a probability model? Discrimination, calibration and naive baselines.

Every model revlake trains (win probability, churn risk) is reported with the same
figures, beside the base-rate model that predicts the training share of positives for
everyone: ROC-AUC (discrimination), Brier score and log loss (accuracy of the
probabilities), expected calibration error and a reliability table (calibration).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from revlake.errors import InputError

_EPSILON = 1e-15


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability diagram."""

    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class ProbabilityMetrics:
    """Discrimination and calibration of predicted probabilities against outcomes."""

    n: int
    positives: int
    roc_auc: float | None  # None when only one class is present
    brier: float
    log_loss: float
    ece: float

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def _as_arrays(
    y_true: ArrayLike, y_prob: ArrayLike
) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    y = np.asarray(y_true)
    p = np.asarray(y_prob, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1:
        raise InputError(
            f"outcomes and probabilities must be 1-D of equal length ({y.shape}, {p.shape})"
        )
    if y.size == 0:
        raise InputError("no outcomes to evaluate")
    if not np.isin(y, (0, 1)).all():
        raise InputError("outcomes must be 0 or 1")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise InputError("probabilities must be finite and within [0, 1]")
    return y.astype(np.int8), p


def reliability_bins(
    y_true: ArrayLike, y_prob: ArrayLike, n_bins: int = 10, strategy: str = "uniform"
) -> list[ReliabilityBin]:
    """Bins of predicted probability with the observed rate in each (empty bins omitted).

    `uniform`: equal-width bins on [0, 1]; `quantile`: bins holding equal numbers of cases.
    """
    y, p = _as_arrays(y_true, y_prob)
    if n_bins < 1:
        raise InputError(f"n_bins must be at least 1 (got {n_bins})")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0.0, 1.0, n_bins + 1)))
        edges[0], edges[-1] = 0.0, 1.0
    else:
        raise InputError(f"strategy must be 'uniform' or 'quantile' (got {strategy!r})")
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    bins = []
    for b in range(len(edges) - 1):
        members = index == b
        count = int(members.sum())
        if count:
            bins.append(
                ReliabilityBin(
                    lower=float(edges[b]),
                    upper=float(edges[b + 1]),
                    count=count,
                    mean_predicted=float(p[members].mean()),
                    observed_rate=float(y[members].mean()),
                )
            )
    return bins


def expected_calibration_error(
    y_true: ArrayLike, y_prob: ArrayLike, n_bins: int = 10, strategy: str = "uniform"
) -> float:
    """Σ over bins of (share of cases) × |observed rate − mean predicted probability|."""
    bins = reliability_bins(y_true, y_prob, n_bins, strategy)
    total = sum(b.count for b in bins)
    return float(sum(b.count / total * abs(b.observed_rate - b.mean_predicted) for b in bins))


def probability_metrics(
    y_true: ArrayLike, y_prob: ArrayLike, n_bins: int = 10
) -> ProbabilityMetrics:
    """All the figures a model report shows for one set of predictions."""
    y, p = _as_arrays(y_true, y_prob)
    both_classes = 0 < int(y.sum()) < y.size
    clipped = np.clip(p, _EPSILON, 1 - _EPSILON)
    return ProbabilityMetrics(
        n=int(y.size),
        positives=int(y.sum()),
        roc_auc=float(roc_auc_score(y, p)) if both_classes else None,
        brier=float(brier_score_loss(y, p)),
        log_loss=float(log_loss(y, clipped, labels=[0, 1])),
        ece=expected_calibration_error(y, p, n_bins),
    )


def base_rate_predictions(y_train: ArrayLike, n_predictions: int) -> NDArray[np.float64]:
    """The naive model: everyone gets the training share of positives."""
    y = np.asarray(y_train)
    if y.size == 0:
        raise InputError("no training outcomes for the base-rate model")
    return np.full(n_predictions, float(y.mean()))


def plot_reliability(
    curves: Mapping[str, list[ReliabilityBin]], path: Path, title: str = "Reliability"
) -> Path:
    """Write a reliability diagram (one line per model, bubble size = cases) as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.0), dpi=110)
    ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", linewidth=1, label="perfect")
    for name, bins in curves.items():
        xs = [b.mean_predicted for b in bins]
        ys = [b.observed_rate for b in bins]
        sizes = [max(12.0, 300.0 * b.count / max(1, sum(c.count for c in bins))) for b in bins]
        ax.plot(xs, ys, marker="o", linewidth=1.5, label=name)
        ax.scatter(xs, ys, s=sizes, alpha=0.25)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed rate")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
