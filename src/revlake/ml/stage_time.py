"""How long won deals stayed in each open stage (the yardstick of stagnation) and how old
they were when won (the yardstick of the age sentence).

For every won deal, each open stage it entered lasted from its entry to the next entry,
or to the close date for the last open stage (the day it was won) — exactly
`days_in_stage` of that entry in `gold.fct_opportunity_stage_history`, whose open entries
`load_deal_history` reads. The typical time of a stage is the median over the won deals'
entries of that stage. Risk (`revlake.ml.risk.stagnation`) and the driver sentences
compare an open deal's days in its stage with it.

Computed on every won deal of the history, not only the training fold: it is not a model
input, and today's open deals should be compared with every win known today.
"""

from __future__ import annotations

import numpy as np

from revlake.ml.deals import NO_DATE, DealHistory


def won_days_in_stage(history: DealHistory) -> dict[str, float]:
    """Median days won deals spent in each open stage (stages no won deal passed: absent)."""
    deal, day, stage = history.ev_deal, history.ev_day, history.ev_stage
    if deal.size == 0:
        return {}
    # entries are sorted by (deal, day): the next entry of the same deal ends this one
    next_same = np.concatenate((deal[1:] == deal[:-1], [False]))
    next_day = np.concatenate((day[1:], [NO_DATE]))
    exit_day = np.where(next_same, next_day, history.close[deal])
    won = history.is_won[deal]
    known = won & (day != NO_DATE) & (exit_day != NO_DATE) & (exit_day >= day)
    durations = (exit_day - day)[known].astype(np.float64)
    stages = stage[known]
    return {
        str(name): float(np.median(durations[stages == name]))
        for name in sorted({str(s) for s in stages.tolist()})
    }


def won_age_days(history: DealHistory) -> float:
    """Median age at which won deals were won (created → close), NaN when none is dated."""
    won = history.is_won & (history.created != NO_DATE) & (history.close != NO_DATE)
    ages = (history.close - history.created)[won & (history.close >= history.created)]
    return float(np.median(ages)) if ages.size else float("nan")
