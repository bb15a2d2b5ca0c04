"""Field-level changes and the JSON values the audit log accepts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from revlake.store.audit import field_changes
from revlake.store.canonical import canonical_json, format_timestamp, to_jsonable


def test_field_changes_keeps_only_what_changed() -> None:
    before = {"name": "Acme", "mrr": Decimal("10.50"), "seats": 3}
    after = {"name": "Acme", "mrr": Decimal("12.00"), "plan": "pro"}
    assert field_changes(before, after) == {
        "mrr": {"before": "10.50", "after": "12.00"},
        "plan": {"before": None, "after": "pro"},
        "seats": {"before": 3, "after": None},
    }
    assert field_changes(after, after) == {}


def test_timestamps_are_utc_with_fixed_precision() -> None:
    paris = timezone(timedelta(hours=1))
    assert format_timestamp(datetime(2026, 11, 21, 9, 30, tzinfo=paris)) == (
        "2026-11-21T08:30:00.000000Z"
    )
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2026, 11, 21, 9, 30))


def test_values_are_made_json_or_refused() -> None:
    assert to_jsonable({"d": date(2026, 1, 31), "s": {"b", "a"}, "t": (1, 2)}) == {
        "d": "2026-01-31",
        "s": ["a", "b"],
        "t": [1, 2],
    }
    assert canonical_json({"b": 1, "a": [datetime(2026, 1, 1, tzinfo=UTC)]}) == (
        '{"a":["2026-01-01T00:00:00.000000Z"],"b":1}'
    )
    with pytest.raises(ValueError, match="not finite"):
        to_jsonable(float("nan"))
    with pytest.raises(TypeError, match="cannot be stored"):
        to_jsonable(object())
