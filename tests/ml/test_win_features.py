"""Win-model features: computed as of a date, from nothing dated after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.deals import NO_DATE, DealHistory, day_number
from revlake.ml.features import (
    FEATURE_NAMES,
    FeatureSpec,
    compute_features,
    month_ends,
    open_at,
    prepare,
    training_snapshots,
)
from tests.ml.win_data import synthetic_history


def _tiny() -> DealHistory:
    """Rep A: one win closed 2024-01-10, one loss closed 2024-02-01; deal C open."""
    return DealHistory.from_columns(
        opportunity_id=["A1", "A2", "C"],
        created=[date(2023, 12, 1), date(2023, 12, 5), date(2024, 1, 1)],
        close=[date(2024, 1, 10), date(2024, 2, 1), date(2024, 4, 1)],
        is_closed=[True, True, False],
        is_won=[True, False, False],
        amount=[100.0, 300.0, 200.0],
        rep=["A", "A", "A"],
        account=["x", "y", "z"],
        categoricals={"segment": ["SMB", "SMB", "Enterprise"]},
        stage_name=["Closed Won", "Closed Lost", "Proposal"],
        events=[
            ("A1", date(2023, 12, 1), "Prospecting"),
            ("A2", date(2023, 12, 5), "Prospecting"),
            ("C", date(2024, 1, 1), "Prospecting"),
            ("C", date(2024, 1, 20), "Proposal"),
        ],
        as_of=date(2024, 3, 1),
    )


def _features(history: DealHistory, deal: int, day: date) -> dict[str, float]:
    ctx = prepare(history, FeatureSpec.from_history(history))
    row = compute_features(ctx, np.array([deal]), np.array([day_number(day)]))[0]
    return dict(zip(FEATURE_NAMES, row.tolist(), strict=True))


def test_features_of_a_hand_built_deal() -> None:
    h = _tiny()
    f = _features(h, 2, date(2024, 1, 25))
    spec = FeatureSpec.from_history(h)
    assert spec.vocabularies["stage"][int(f["stage"])] == "Proposal"
    assert f["age_days"] == 24
    assert f["days_in_stage"] == 5
    assert f["stage_changes"] == 1
    assert f["stage_velocity"] == pytest.approx(30 / 24)
    # only A1 closed before 2024-01-25 (a win): (1 + 5 × prior 1.0) / (1 + 5)
    assert f["rep_closed_deals"] == 1
    assert f["rep_win_rate"] == pytest.approx(1.0)
    # open on 2024-01-25: A2 (300) and C (200) → C is above half the pool
    assert f["amount_percentile"] == pytest.approx(0.5)
    # a week later A2's loss is history (closed before 2024-02-02)
    later = _features(h, 2, date(2024, 2, 2))
    assert later["rep_closed_deals"] == 2
    assert later["rep_win_rate"] == pytest.approx((1 + 5 * 0.5) / (2 + 5))


def test_rep_history_excludes_deals_closing_on_the_date_itself() -> None:
    f = _features(_tiny(), 2, date(2024, 1, 10))
    assert f["rep_closed_deals"] == 0


def test_features_as_of_a_date_ignore_everything_after_it() -> None:
    """Leakage guard: rewrite the future (outcomes, closes, stages, new deals); D stays put."""
    h = synthetic_history(n=600, seed=11)
    cut = int(np.quantile(h.created, 0.6))
    before = np.flatnonzero(open_at(h, cut))
    assert before.size > 20

    closes_later = h.close > cut
    flipped_won = np.where(closes_later & h.is_closed, ~h.is_won, h.is_won)
    keep_event = h.ev_day <= cut
    future = replace(
        h,
        is_won=flipped_won,
        close=np.where(closes_later, h.close + 40, h.close),
        ev_deal=np.concatenate((h.ev_deal[keep_event], before[:10])),
        ev_day=np.concatenate((h.ev_day[keep_event], np.full(10, cut + 3))),
        ev_stage=np.concatenate((h.ev_stage[keep_event], np.full(10, "Negotiation", object))),
    )
    future = DealHistory.build(**{f: getattr(future, f) for f in future.__dataclass_fields__})
    spec = FeatureSpec.from_history(h)
    days = np.full(before.size, cut)
    original = compute_features(prepare(h, spec), before, days)
    rewritten = compute_features(prepare(future, spec), before, days)
    np.testing.assert_array_equal(original, rewritten)

    # deals created after D disappear: the open deals' features do not move either
    kept = np.flatnonzero(h.created <= cut)
    trimmed = DealHistory.from_columns(
        opportunity_id=h.opportunity_id[kept].tolist(),
        created=[
            None if d == NO_DATE else np.datetime64(int(d), "D").item() for d in h.created[kept]
        ],
        close=[np.datetime64(int(d), "D").item() for d in h.close[kept]],
        is_closed=h.is_closed[kept].tolist(),
        is_won=h.is_won[kept].tolist(),
        amount=h.amount[kept].tolist(),
        rep=h.rep[kept].tolist(),
        account=h.account[kept].tolist(),
        categoricals={k: v[kept].tolist() for k, v in h.categoricals.items()},
        stage_name=h.stage_name[kept].tolist(),
        events=[
            (str(h.opportunity_id[d]), np.datetime64(int(day), "D").item(), str(s))
            for d, day, s in zip(h.ev_deal, h.ev_day, h.ev_stage, strict=True)
            if h.created[d] <= cut
        ],
        as_of=np.datetime64(cut + 1, "D").item(),
    )
    new_index = {opp: i for i, opp in enumerate(trimmed.opportunity_id.tolist())}
    mapped = np.array([new_index[o] for o in h.opportunity_id[before].tolist()])
    np.testing.assert_array_equal(original, compute_features(prepare(trimmed, spec), mapped, days))


def test_training_snapshots_at_creation_and_month_ends_before_close() -> None:
    h = _tiny()
    snaps = training_snapshots(h, np.arange(h.n))
    rows = sorted(
        (str(h.opportunity_id[d]), np.datetime64(int(day), "D").item().isoformat(), int(y))
        for d, day, y in zip(snaps.deal_idx, snaps.day, snaps.label, strict=True)
    )
    # C is open: no training rows; A1 closes 2024-01-10, A2 2024-02-01
    assert rows == [
        ("A1", "2023-12-01", 1),
        ("A1", "2023-12-31", 1),
        ("A2", "2023-12-05", 0),
        ("A2", "2023-12-31", 0),
        ("A2", "2024-01-31", 0),
    ]


def test_month_ends_cover_both_months() -> None:
    ends = month_ends(day_number(date(2024, 1, 15)), day_number(date(2024, 3, 2)))
    assert [np.datetime64(int(d), "D").item() for d in ends] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]


def test_bad_histories_are_refused() -> None:
    with pytest.raises(InputError, match="'amount' has 1 values, expected 2"):
        DealHistory.from_columns(
            opportunity_id=["a", "b"],
            created=[None, None],
            close=[None, None],
            is_closed=[False, False],
            is_won=[False, False],
            amount=[1.0],
            rep=[None, None],
            account=[None, None],
            categoricals={},
            stage_name=[None, None],
            events=[],
            as_of=date(2024, 1, 1),
        )
    with pytest.raises(InputError, match="won without being closed"):
        DealHistory.from_columns(
            opportunity_id=["a"],
            created=[None],
            close=[None],
            is_closed=[False],
            is_won=[True],
            amount=[1.0],
            rep=[None],
            account=[None],
            categoricals={},
            stage_name=[None],
            events=[],
            as_of=date(2024, 1, 1),
        )
    with pytest.raises(InputError, match="stage entry 1: unknown opportunity id 'zz'"):
        DealHistory.from_columns(
            opportunity_id=["a"],
            created=[None],
            close=[None],
            is_closed=[False],
            is_won=[False],
            amount=[1.0],
            rep=[None],
            account=[None],
            categoricals={},
            stage_name=[None],
            events=[("zz", None, "Prospecting")],
            as_of=date(2024, 1, 1),
        )
    h = _tiny()
    ctx = prepare(h, FeatureSpec.from_history(h))
    with pytest.raises(InputError, match="out of range"):
        compute_features(ctx, np.array([7]), np.array([0]))
