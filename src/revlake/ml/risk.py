"""Deal risk 0–100 from loss probability, value and stagnation; category and action.

    risk = 100 × (1 − p) × (0.60 + 0.25 × value + 0.15 × stagnation)

- p: calibrated win probability, so (1 − p) is the chance the deal is lost. Risk is zero
  for a certain win and at most 100; loss probability dominates (60 % of the scale).
- value ∈ [0, 1]: the deal's amount percentile among open deals (0.5 when unknown) — a
  likely loss matters more when the deal is big.
- stagnation ∈ [0, 1]: how far past the usual time won deals spend in the current stage
  the deal is: clip((days in stage ÷ typical won days − 1) ÷ 2, 0, 1) — 0 up to the usual
  time, 1 at three times it or more (0 when no typical time is known).

Categories: critical ≥ 70, high ≥ 50, medium ≥ 30, low below. At-risk revenue of a deal
= amount × (1 − p) (what the pipeline is expected to lose).

Those fixed thresholds say nothing on a CRM whose scores all sit in a narrow band
(MavenTech: 16–38, so no deal is high or critical). `relative_categories` therefore also
ranks the deals scored together — the tenant's open pipeline — by risk: the riskiest 5 %
are at least critical, the next 15 % at least high, the next 30 % at least medium, as
long as their risk is at least `RELATIVE_FLOOR` (a deal very likely to be won is never
lifted). A deal's category is the higher of the two, so the top of the risk list is
always visible and an absolute threshold keeps its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from revlake.errors import InputError

LOSS_WEIGHT = 0.60
VALUE_WEIGHT = 0.25
STAGNATION_WEIGHT = 0.15

CATEGORIES = (  # (lower bound, name, suggested action), highest first
    (
        70.0,
        "critical",
        "Escalate this week: manager review with the rep; confirm decision maker, budget "
        "and timeline with the buyer, or close the deal out.",
    ),
    (
        50.0,
        "high",
        "Re-engage within 7 days: book a dated next step with the buyer and refresh the "
        "close plan.",
    ),
    (
        30.0,
        "medium",
        "Monitor: check the next step is dated and the stage and close date are current.",
    ),
    (0.0, "low", "On track: keep the cadence."),
)

RELATIVE_SHARES = (("critical", 0.05), ("high", 0.20), ("medium", 0.50))
"""(category, share of the open deals ranked above it at most): the riskiest 5 % are at
least critical, the riskiest 20 % at least high, the riskiest half at least medium."""
RELATIVE_FLOOR = 20.0
"""Risk below which a deal is never lifted by its rank (a loss chance of about 1 in 4)."""

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RiskScores:
    """Risk per deal with its inputs, category and suggested action."""

    score: FloatArray
    stagnation: FloatArray
    value: FloatArray
    category: list[str]
    action: list[str]
    at_risk_amount: FloatArray
    percentile: FloatArray  # 100 × share of the deals scored together with no higher risk


def stagnation(days_in_stage: FloatArray, typical_days: FloatArray) -> FloatArray:
    """0 up to the typical time in stage of won deals, rising to 1 at three times it."""
    with np.errstate(over="ignore"):  # a tiny typical time: the ratio is huge, clipped below
        ratio = np.divide(
            days_in_stage,
            typical_days,
            out=np.full(days_in_stage.shape, np.nan),
            where=np.isfinite(typical_days) & (typical_days > 0),
        )
    return np.where(np.isnan(ratio), 0.0, np.clip((ratio - 1.0) / 2.0, 0.0, 1.0))


def categorize(score: float) -> tuple[str, str]:
    """(category, suggested action) of a risk score."""
    if not 0.0 <= score <= 100.0:
        raise InputError(f"risk score must be within 0-100 (got {score})")
    for lower, name, action in CATEGORIES:
        if score >= lower:
            return name, action
    raise AssertionError("unreachable: the lowest category starts at 0")


def risk_scores(
    win_probability: FloatArray,
    amount: FloatArray,
    amount_percentile: FloatArray,
    days_in_stage: FloatArray,
    typical_days: FloatArray,
) -> RiskScores:
    """Risk of each deal (arrays of equal length)."""
    p = np.asarray(win_probability, dtype=np.float64)
    shapes = {a.shape for a in (amount, amount_percentile, days_in_stage, typical_days)}
    if p.ndim != 1 or shapes != {p.shape}:
        raise InputError("risk inputs must be 1-D arrays of equal length")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise InputError("win probabilities must be finite and within [0, 1]")
    value = np.where(np.isfinite(amount_percentile), np.clip(amount_percentile, 0.0, 1.0), 0.5)
    stag = stagnation(np.asarray(days_in_stage, np.float64), np.asarray(typical_days, np.float64))
    score = 100.0 * (1.0 - p) * (LOSS_WEIGHT + VALUE_WEIGHT * value + STAGNATION_WEIGHT * stag)
    score = np.clip(np.round(score, 1), 0.0, 100.0)
    level = np.zeros(score.shape, dtype=np.int64)  # index into CATEGORIES, highest first
    for index, (lower, _, _) in reversed(list(enumerate(CATEGORIES))):
        level = np.where(score >= lower, index, level)
    indices = [int(i) for i in level]
    pairs = [(CATEGORIES[i][1], CATEGORIES[i][2]) for i in indices]
    at_risk = np.where(np.isfinite(amount), np.nan_to_num(amount) * (1.0 - p), 0.0)
    return RiskScores(
        score=score,
        stagnation=stag,
        value=value,
        category=[c for c, _ in pairs],
        action=[a for _, a in pairs],
        at_risk_amount=at_risk,
        percentile=100.0 * (1.0 - share_ranked_above(score)),
    )


def share_ranked_above(score: FloatArray) -> FloatArray:
    """Per deal, the share of the deals with a strictly higher risk (0 for the riskiest;
    equal scores share a rank)."""
    n = score.size
    if n == 0:
        return np.zeros(0)
    ordered = np.sort(score)
    higher = n - np.searchsorted(ordered, score, side="right")
    return np.asarray(higher / n, dtype=np.float64)


def relative_categories(risk: RiskScores) -> RiskScores:
    """Lift each deal to the category its rank among the deals scored together earns
    (`RELATIVE_SHARES`, only at risk ≥ `RELATIVE_FLOOR`); never lowers a category."""
    names = [name for _, name, _ in CATEGORIES]  # highest first
    actions = {name: action for _, name, action in CATEGORIES}
    above = share_ranked_above(risk.score)
    category = list(risk.category)
    for i, (share, score) in enumerate(zip(above.tolist(), risk.score.tolist(), strict=True)):
        if score < RELATIVE_FLOOR:
            continue
        earned = next((name for name, limit in RELATIVE_SHARES if share < limit), "low")
        if names.index(earned) < names.index(category[i]):
            category[i] = earned
    return replace(risk, category=category, action=[actions[c] for c in category])
