"""Open deals as scored: imputed age, capping to the model's experience, relative risk
categories, won deals' time in stage (unit level; the MavenTech and synthetic builds are
checked in tests/ml/test_pipeline_intelligence.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.deals import DealHistory, open_deal_indices
from revlake.ml.features import FEATURE_NAMES, FeatureSpec
from revlake.ml.open_deals import (
    OUTSIDE_EXPERIENCE,
    cap_to_experience,
    impute_age,
    open_deal_features,
)
from revlake.ml.risk import RELATIVE_FLOOR, relative_categories, risk_scores
from revlake.ml.stage_time import won_days_in_stage

NAMES = list(FEATURE_NAMES)


def _history() -> DealHistory:
    """Four deals: two won (timed stages), one open without a created date, one open old."""
    return DealHistory.from_columns(
        opportunity_id=["w1", "w2", "nodate", "old"],
        created=[date(2024, 1, 1), date(2024, 1, 1), None, date(2023, 1, 1)],
        close=[date(2024, 3, 1), date(2024, 2, 1), None, None],
        is_closed=[True, True, False, False],
        is_won=[True, True, False, False],
        amount=[100.0, 300.0, 50.0, None],
        rep=["r", "r", "r", None],
        account=[None, None, None, None],
        categoricals={},
        stage_name=["Won", "Won", "Prospecting", "Proposal"],
        events=[
            ("w1", date(2024, 1, 1), "Qualify"),
            ("w1", date(2024, 1, 11), "Proposal"),  # Qualify 10 days, Proposal to close 50
            ("w2", date(2024, 1, 1), "Qualify"),
            ("w2", date(2024, 1, 21), "Proposal"),  # Qualify 20 days, Proposal 11
            ("nodate", None, "Prospecting"),
            ("old", date(2023, 1, 1), "Proposal"),
        ],
        as_of=date(2024, 6, 30),
    )


def test_every_open_deal_is_one_definition_including_no_created_date() -> None:
    history = _history()
    assert history.opportunity_id[open_deal_indices(history)].tolist() == ["nodate", "old"]


def test_won_days_in_stage_is_the_median_of_won_deals_entries() -> None:
    # Qualify: 10 and 20 days → 15; Proposal: 50 (to 2024-03-01) and 11 (to 2024-02-01) → 30.5;
    # the open deals' entries and the undated Prospecting entry do not count
    assert won_days_in_stage(_history()) == {"Proposal": 30.5, "Qualify": 15.0}


def test_a_deal_without_created_date_is_scored_as_created_today() -> None:
    history = _history()
    spec = FeatureSpec.from_history(history)
    features = open_deal_features(history, spec)
    x = features.x
    assert features.age_imputed.tolist() == [True, False]
    assert x[0, NAMES.index("age_days")] == 0.0
    assert x[0, NAMES.index("days_in_stage")] == 0.0
    assert x[0, NAMES.index("stage_velocity")] == 0.0
    # the dated deal keeps its own age (2023-01-01 → 2024-06-30)
    assert x[1, NAMES.index("age_days")] == 546.0
    # a spec without recorded ranges (a model saved before them) caps and flags nothing
    assert features.outside == [(), ()]
    np.testing.assert_array_equal(features.scored, x)


def test_values_outside_the_training_range_are_capped_and_named() -> None:
    spec = FeatureSpec(vocabularies={}, ranges={"age_days": (0.0, 120.0), "amount": (10.0, 1000.0)})
    x = np.full((4, len(NAMES)), np.nan)
    age, amount = NAMES.index("age_days"), NAMES.index("amount")
    x[:, age] = [50.0, 300.0, np.nan, 120.0]
    x[:, amount] = [5.0, 500.0, 2000.0, np.nan]
    capped, outside = cap_to_experience(x, spec)
    assert outside == [("amount",), ("age_days",), ("amount",), ()]
    assert capped[:, age].tolist()[:2] == [50.0, 120.0]
    assert np.isnan(capped[2, age])  # missing stays missing, not flagged
    assert capped[:, amount].tolist()[:3] == [10.0, 500.0, 1000.0]
    assert capped[3, age] == 120.0  # the boundary itself is inside


def test_note_names_the_observed_value_and_the_cap() -> None:
    history = _history()
    spec = FeatureSpec.from_history(history)
    spec = FeatureSpec(spec.vocabularies, ranges={"age_days": (0.0, 120.0)})
    features = open_deal_features(history, spec)
    assert features.outside == [(), ("age_days",)]
    assert features.scored[1, NAMES.index("age_days")] == 120.0
    note = features.notes(spec)[1]
    assert note is not None and note.startswith(OUTSIDE_EXPERIENCE)
    assert (
        note
        == f"{OUTSIDE_EXPERIENCE}: age 546 days (the model learned from 0–120 days; scored as 120)"
    )
    assert features.notes(spec)[0] is None


def test_ranges_travel_with_the_spec_and_bad_ranges_are_refused() -> None:
    spec = FeatureSpec.from_history(_history())
    x = np.full((3, len(NAMES)), np.nan)
    x[:, NAMES.index("age_days")] = [3.0, 40.0, 7.0]
    ranged = spec.with_ranges(x)
    assert ranged.ranges == {"age_days": (3.0, 40.0)}  # all-missing columns get no range
    assert FeatureSpec.from_dict(ranged.as_dict()).ranges == ranged.ranges
    assert FeatureSpec.from_dict({**spec.as_dict(), "ranges": {}}).ranges == {}
    legacy = {k: v for k, v in spec.as_dict().items() if k != "ranges"}
    assert FeatureSpec.from_dict(legacy).ranges == {}
    with pytest.raises(InputError, match="ranges"):
        FeatureSpec.from_dict({**spec.as_dict(), "ranges": {"age_days": [1.0]}})


def test_impute_age_keeps_a_known_time_in_stage() -> None:
    spec = FeatureSpec(vocabularies={})
    x = np.full((2, len(NAMES)), np.nan)
    x[:, NAMES.index("days_in_stage")] = [12.0, np.nan]
    x[:, NAMES.index("stage_changes")] = [1.0, 0.0]
    out = impute_age(x, spec, np.array([True, True]))
    assert out[:, NAMES.index("days_in_stage")].tolist() == [12.0, 0.0]
    assert out[:, NAMES.index("stage_velocity")].tolist() == [30.0, 0.0]
    assert np.isnan(x[0, NAMES.index("age_days")])  # the input is not changed


def _risk(p: list[float]) -> list[str]:
    n = len(p)
    r = risk_scores(np.array(p), np.ones(n), np.full(n, 0.5), np.zeros(n), np.full(n, np.nan))
    return relative_categories(r).category


def test_relative_categories_lift_the_top_of_a_narrow_band() -> None:
    # 100 deals with risk 16…38 (MavenTech's band): no absolute high or critical
    p = np.linspace(0.76, 0.45, 100).tolist()
    cats = _risk(p)
    assert cats[-5:] == ["critical"] * 5  # the riskiest 5 %
    assert cats[-20:-5] == ["high"] * 15  # the next 15 %
    assert set(cats[-50:-20]) == {"medium"}
    # below the floor nobody is lifted, whatever the rank
    r = risk_scores(
        np.array(p), np.ones(100), np.full(100, 0.5), np.zeros(100), np.full(100, np.nan)
    )
    lifted = relative_categories(r)
    below = r.score < RELATIVE_FLOOR
    assert below.any()
    assert {c for c, b in zip(lifted.category, below, strict=True) if b} == {"low"}


def test_relative_categories_never_lower_and_ties_share_a_rank() -> None:
    # absolute critical deals stay critical even when they are most of the pipeline
    assert _risk([0.0] * 10) == ["critical"] * 10
    cats = _risk([0.6] * 30 + [0.7] * 70)
    # 30 tied at the top: no deal is riskier, so they share the top rank (the top of the
    # list is never split by a tie)
    assert set(cats[:30]) == {"critical"}
    assert set(cats[30:]) == {"medium"}  # 30 % above them: inside the riskiest half
    assert _risk([]) == []
    r = risk_scores(np.array([0.3]), np.ones(1), np.ones(1), np.zeros(1), np.zeros(1))
    assert relative_categories(r).action[0] != r.action[0]  # the action follows the category
