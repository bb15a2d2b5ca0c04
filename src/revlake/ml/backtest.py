"""Backtest: forecast past quarters from the pipeline as it stood, and score the forecasts.

For each cut-off (a past quarter end at least one quarter before the as-of date) the
history is cut back to what was known then (`history_as_of`: deals created by then, closed
only if closed by then, stage entries up to then; close dates of deals still open are
dropped, so nothing of their outcome leaks), the win and timing models are fitted on that
cut history alone, and the next 13 weeks are forecast. The actual is the amount of the
deals won in those 13 weeks (including deals created after the cut-off). Both our
forecast and the stage-weighted baseline (a point forecast: the weighted open pipeline)
are scored: error and bias of the P50, whether the actual fell inside P10–P90, and the
pinball loss averaged over the 10th, 50th and 90th percentiles.

Known limit: an open deal's amount is its latest amount, not the amount as of the cut-off
(the gold layer keeps no amount history).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError, RevlakeError
from revlake.ml.deals import NO_DATE, DealHistory, day_date
from revlake.ml.forecast import forecast_history
from revlake.ml.training import train_win_model

QUARTER_WEEKS = 13
QUANTILES = (0.1, 0.5, 0.9)
IntArray = NDArray[np.int64]


def history_as_of(history: DealHistory, day: int) -> DealHistory:
    """The history as it stood at the end of `day` (see the module doc)."""
    keep = np.flatnonzero((history.created != NO_DATE) & (history.created <= day))
    closed = (
        history.is_closed[keep] & (history.close[keep] != NO_DATE) & (history.close[keep] <= day)
    )
    remap = np.full(history.n, -1, dtype=np.int64)
    remap[keep] = np.arange(keep.size)
    ev_keep = (remap[history.ev_deal] >= 0) & (history.ev_day <= day)
    ev_deal = remap[history.ev_deal[ev_keep]]
    ev_day = history.ev_day[ev_keep]
    ev_stage = history.ev_stage[ev_keep]
    stage = np.array(history.stage_name[keep], dtype=object)
    # open then: the last stage entered by the cut-off (entries are sorted by deal, day)
    last = np.full(keep.size, -1, dtype=np.int64)
    last[ev_deal] = np.arange(ev_deal.size)
    open_rows = np.flatnonzero(~closed)
    stage[open_rows] = [ev_stage[last[i]] if last[i] >= 0 else None for i in open_rows.tolist()]
    return DealHistory.build(
        opportunity_id=history.opportunity_id[keep],
        created=history.created[keep],
        close=np.where(closed, history.close[keep], NO_DATE),
        is_closed=closed,
        is_won=history.is_won[keep] & closed,
        amount=history.amount[keep],
        rep=history.rep[keep],
        account=history.account[keep],
        categoricals={k: v[keep] for k, v in history.categoricals.items()},
        stage_name=stage,
        ev_deal=ev_deal,
        ev_day=ev_day,
        ev_stage=ev_stage,
        as_of=day,
    )


def quarter_cutoffs(history: DealHistory, n: int) -> IntArray:
    """The last `n` quarter ends whose following 13 weeks end by the as-of date."""
    if n < 1:
        raise InputError(f"--cutoffs must be at least 1 (got {n})")
    last = history.as_of - 7 * QUARTER_WEEKS
    first_created = int(history.created[history.created != NO_DATE].min(initial=last))
    start = np.datetime64(first_created, "D").astype("datetime64[M]")
    months = np.arange(start, np.datetime64(last, "D").astype("datetime64[M]") + 1)
    ends = ((months + 1).astype("datetime64[D]") - 1).astype(np.int64)
    quarter_ends = ends[((months.astype(np.int64) % 12) + 1) % 3 == 0]
    quarter_ends = quarter_ends[quarter_ends <= last]
    chosen: IntArray = quarter_ends[-n:]
    return chosen


def pinball(actual: float, predictions: Sequence[float], quantiles: Sequence[float]) -> float:
    """Mean pinball (quantile) loss of the predicted quantiles for one actual."""
    losses = [
        max(q * (actual - p), (q - 1.0) * (actual - p))
        for q, p in zip(quantiles, predictions, strict=True)
    ]
    return float(np.mean(losses))


@dataclass(frozen=True)
class BacktestRow:
    """One cut-off: the actual, our P10/P50/P90 and the baseline, and their scores."""

    cutoff: str
    open_deals: int
    actual: float
    p10: float
    p50: float
    p90: float
    baseline: float
    win_model: str

    @property
    def error(self) -> float:
        return self.p50 - self.actual

    @property
    def baseline_error(self) -> float:
        return self.baseline - self.actual

    @property
    def bias(self) -> float:
        return self.error / self.actual if self.actual else float("nan")

    @property
    def baseline_bias(self) -> float:
        return self.baseline_error / self.actual if self.actual else float("nan")

    @property
    def inside(self) -> bool:
        return self.p10 <= self.actual <= self.p90

    @property
    def pinball(self) -> float:
        return pinball(self.actual, (self.p10, self.p50, self.p90), QUANTILES)

    @property
    def baseline_pinball(self) -> float:
        return pinball(self.actual, (self.baseline,) * 3, QUANTILES)


@dataclass(frozen=True)
class BacktestSummary:
    """All cut-offs plus the aggregate figures."""

    rows: list[BacktestRow]

    def _mean(self, values: Sequence[float]) -> float:
        return float(np.mean(values)) if values else float("nan")

    @property
    def mae(self) -> float:
        return self._mean([abs(r.error) for r in self.rows])

    @property
    def baseline_mae(self) -> float:
        return self._mean([abs(r.baseline_error) for r in self.rows])

    @property
    def mape(self) -> float:
        return self._mean([abs(r.bias) for r in self.rows if r.actual])

    @property
    def baseline_mape(self) -> float:
        return self._mean([abs(r.baseline_bias) for r in self.rows if r.actual])

    @property
    def coverage(self) -> float:
        return self._mean([1.0 if r.inside else 0.0 for r in self.rows])

    @property
    def mean_pinball(self) -> float:
        return self._mean([r.pinball for r in self.rows])

    @property
    def baseline_mean_pinball(self) -> float:
        return self._mean([r.baseline_pinball for r in self.rows])


def actual_won(history: DealHistory, start: int, end: int) -> float:
    """Amount of the deals won with a close date in (start, end]."""
    won = history.is_won & (history.close > start) & (history.close <= end)
    return float(np.nansum(history.amount[won]))


def backtest_history(
    history: DealHistory,
    cutoffs: int = 4,
    *,
    n_sims: int = 5_000,
    seed: int = 0,
    on_cutoff: Callable[[str], None] | None = None,
) -> BacktestSummary:
    """Run the backtest over the last `cutoffs` quarter ends (see the module doc)."""
    days = quarter_cutoffs(history, cutoffs)
    if days.size == 0:
        raise InputError(
            "no past quarter end has a full quarter of history after it: the backtest needs "
            "data spanning more than one quarter"
        )
    rows: list[BacktestRow] = []
    for day in days.tolist():
        label = day_date(day).isoformat()
        if on_cutoff is not None:
            on_cutoff(label)
        then = history_as_of(history, day)
        model = train_win_model(then).model
        fc = forecast_history(
            then, model, horizon=QUARTER_WEEKS, period="week", n_sims=n_sims, seed=seed
        )
        total = fc.bands.cumulative[:, -1]
        rows.append(
            BacktestRow(
                cutoff=label,
                open_deals=int(fc.deals.deal_idx.size),
                actual=actual_won(history, day, int(fc.period_ends[-1])),
                p10=float(total[0]),
                p50=float(total[1]),
                p90=float(total[2]),
                baseline=float(fc.baseline_per_period.sum()),
                win_model=model.kind,
            )
        )
    return BacktestSummary(rows=rows)


def render_table(summary: BacktestSummary) -> str:
    """A markdown table of the cut-offs and the aggregate line."""
    head = (
        "| cut-off | open deals | actual | P10 | P50 | P90 | error | bias | inside P10–P90 "
        "| pinball | baseline | baseline error | baseline bias | baseline pinball |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|:-:|---:|---:|---:|---:|---:|\n"
    )
    lines = [
        f"| {r.cutoff} | {r.open_deals:,} | {r.actual:,.0f} | {r.p10:,.0f} | {r.p50:,.0f} "
        f"| {r.p90:,.0f} | {r.error:+,.0f} | {r.bias:+.1%} | {'yes' if r.inside else 'no'} "
        f"| {r.pinball:,.0f} | {r.baseline:,.0f} | {r.baseline_error:+,.0f} "
        f"| {r.baseline_bias:+.1%} | {r.baseline_pinball:,.0f} |"
        for r in summary.rows
    ]
    tail = (
        f"\nP50 mean absolute error: {summary.mae:,.0f} (baseline {summary.baseline_mae:,.0f}); "
        f"mean absolute % error: {summary.mape:.1%} (baseline {summary.baseline_mape:.1%}); "
        f"P10–P90 coverage: {summary.coverage:.0%} of {len(summary.rows)} cut-offs; "
        f"mean pinball loss: {summary.mean_pinball:,.0f} "
        f"(baseline {summary.baseline_mean_pinball:,.0f})\n"
    )
    return head + "\n".join(lines) + "\n" + tail


def write_csv(summary: BacktestSummary, path: Path) -> Path:
    """One line per cut-off with every figure of the table."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "cutoff", "open_deals", "actual", "p10", "p50", "p90", "error", "bias", "inside",
                "pinball", "baseline", "baseline_error", "baseline_bias", "baseline_pinball",
                "win_model",
            ]
        )  # fmt: skip
        for r in summary.rows:
            writer.writerow(
                [
                    r.cutoff, r.open_deals, f"{r.actual:.2f}", f"{r.p10:.2f}", f"{r.p50:.2f}",
                    f"{r.p90:.2f}", f"{r.error:.2f}", f"{r.bias:.4f}", r.inside,
                    f"{r.pinball:.2f}", f"{r.baseline:.2f}", f"{r.baseline_error:.2f}",
                    f"{r.baseline_bias:.4f}", f"{r.baseline_pinball:.2f}", r.win_model,
                ]
            )  # fmt: skip
    return path


def read_csv(path: Path) -> list[BacktestRow]:
    """The cut-offs of a file `write_csv` wrote; a row it cannot read names its line."""
    import csv

    rows: list[BacktestRow] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                rows.append(
                    BacktestRow(
                        cutoff=row["cutoff"],
                        open_deals=int(row["open_deals"]),
                        actual=float(row["actual"]),
                        p10=float(row["p10"]),
                        p50=float(row["p50"]),
                        p90=float(row["p90"]),
                        baseline=float(row["baseline"]),
                        win_model=row.get("win_model") or "",
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                message = f"{path}: line {number}: unreadable backtest row ({exc})"
                raise RevlakeError(message) from exc
    return rows


def plot_backtest(summary: BacktestSummary, path: Path, title: str = "Backtest") -> Path:
    """Actual vs P50 with the P10–P90 band and the baseline, one point per cut-off."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.arange(len(summary.rows))
    p50 = np.array([r.p50 for r in summary.rows])
    low = p50 - np.array([r.p10 for r in summary.rows])
    high = np.array([r.p90 for r in summary.rows]) - p50
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.errorbar(x, p50, yerr=[low, high], fmt="o", capsize=5, label="forecast P50 (P10–P90)")
    ax.plot(x, [r.actual for r in summary.rows], "ks", label="actual")
    ax.plot(x, [r.baseline for r in summary.rows], "rx", markersize=9, label="stage-weighted")
    ax.set_xticks(x, [r.cutoff for r in summary.rows], rotation=30)
    ax.set_ylabel("won revenue in the next 13 weeks")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
