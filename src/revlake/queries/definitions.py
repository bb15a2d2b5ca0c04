"""One name and one definition per pipeline figure, used by every page and API text.

The same word meant three sums before (a "weighted" pipeline on Growth, an "expected
value" on Deals, a "stage-weighted" baseline on Forecast, each a different product of
amount and a probability) and two win rates (the month's, and the model's training rate)
were both "win rate". Each figure now has its own name, and wherever it is shown its
definition is the text here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FigureDefinition:
    """A figure's name as pages show it and how it is computed."""

    name: str
    formula: str

    @property
    def sentence(self) -> str:
        """ "name = formula", for a footnote or an API field."""
        return f"{self.name.lower()} = {self.formula}"


EXPECTED_VALUE = FigureDefinition(
    "Expected value", "Σ over open deals of amount × calibrated win probability (the model's)"
)
AT_RISK_REVENUE = FigureDefinition(
    "At-risk revenue", "Σ over open deals of amount × (1 − calibrated win probability)"
)
CRM_WEIGHTED_PIPELINE = FigureDefinition(
    "CRM-weighted pipeline", "Σ over open deals of amount × the stage probability the CRM exports"
)
STAGE_WEIGHTED_BASELINE = FigureDefinition(
    "Stage-weighted baseline",
    "Σ over open deals of amount × the historical win rate of the deal's stage, in the "
    "period of its CRM close date",
)
MONTH_WIN_RATE = FigureDefinition(
    "Win rate (month)", "deals won ÷ deals closed (won + lost) in the month, by count"
)
TRAINING_WIN_RATE = FigureDefinition(
    "Company win rate", "deals won ÷ deals closed in the data the win model learned from"
)

ALL: tuple[FigureDefinition, ...] = (
    EXPECTED_VALUE,
    AT_RISK_REVENUE,
    CRM_WEIGHTED_PIPELINE,
    STAGE_WEIGHTED_BASELINE,
    MONTH_WIN_RATE,
    TRAINING_WIN_RATE,
)
