"""The axes and value formats of charts drawn on the server (`figures.render`): where a
value sits along an axis, round tick values and short tick labels (200k, 1.5M, Jan 2025),
and hover templates filled the way plotly fills them."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _as_date(value: Any) -> date | None:
    if isinstance(value, str) and _DATE.match(value):
        return datetime.fromisoformat(value.replace(" ", "T")).date()
    return None


def _day(value: Any) -> float | None:
    found = _as_date(value)
    return None if found is None else float(found.toordinal())


def format_value(value: Any, spec: str = "") -> str:
    """A value the way a hover template's `%{v:spec}` shows it: Python's format spec (the
    d3 formats the figures use, `,.0f`, `+.1f`, `.1f`, are the same), `|%b %Y` for dates;
    without a spec, numbers with thousands separators and at most two decimals."""
    if spec.startswith("|"):
        found = _as_date(value)
        return found.strftime(spec[1:]) if found else str(value)
    number = _number(value) if not isinstance(value, str) else None
    if number is None:
        return "–" if value is None else str(value)
    if spec:
        try:
            return format(number, spec).replace("-", "−")
        except ValueError:
            return str(value)
    if number.is_integer():
        return f"{int(number):,}".replace("-", "−")
    return f"{number:,.2f}".rstrip("0").rstrip(".").replace("-", "−")


_FIELD = re.compile(r"%\{([a-z]+)(?:\[(\d+)\])?(?::([^}]*)|(\|[^}]*))?\}")


def hover_text(template: str, point: dict[str, Any]) -> str:
    """A plotly hover template filled for one point: `%{x}`, `%{y:,.0f}`, `%{x|%b %Y}`,
    `%{customdata}`, `%{text}`, `%{z}`; `<br>` is a line break, `<extra>` is dropped."""
    text = re.sub(r"<extra>.*?</extra>", "", template)

    def field_value(match: re.Match[str]) -> str:
        name, index, spec, date_spec = match.groups()
        value = point.get(name)
        if index is not None and isinstance(value, list | tuple):
            value = value[int(index)] if int(index) < len(value) else None
        return format_value(value, date_spec or spec or "")

    text = _FIELD.sub(field_value, text)
    return re.sub(r"<br\s*/?>", "\n", text).strip()


def si_label(value: float, step: float) -> str:
    """A tick label: thousands as k, millions as M, billions as B, as many decimals as the
    tick step needs (plotly's default look: 200k, 1.5M)."""
    if abs(value) < abs(step) * 1e-9:
        return "0"
    magnitude = max(abs(value), abs(step))
    unit, divisor = "", 1.0
    for suffix, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if magnitude >= size:
            unit, divisor = suffix, size
            break
    scaled = abs(step) / divisor
    # the fewest decimals that write every multiple of the step exactly (2.5 → 1, 0.25 → 2)
    decimals = next((d for d in range(4) if abs(round(scaled, d) - scaled) < scaled * 1e-6), 4)
    text = f"{value / divisor:,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "−0"):
        text = "0"
    return text.replace("-", "−") + unit


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 × 10^k apart) covering [low, high]."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


@dataclass
class Axis:
    """One axis: how a value maps to a fraction of the plot (0 = left/bottom), its ticks."""

    kind: str  # "linear" | "date" | "category"
    low: float = 0.0
    high: float = 1.0
    categories: list[str] = field(default_factory=list)
    reversed: bool = False
    title: str = ""
    ticks: list[tuple[float, str]] = field(default_factory=list)
    visible: bool = True
    zeroline: bool = False

    def frac(self, value: Any) -> float | None:
        """Where `value` sits along the axis, 0–1 (None for a value it cannot place)."""
        if self.kind == "category":
            key = str(value)
            if key not in self.categories:
                return None
            position = (self.categories.index(key) + 0.5) / len(self.categories)
        else:
            number = _day(value) if self.kind == "date" else _number(value)
            if number is None:
                return None
            span = self.high - self.low or 1.0
            position = (number - self.low) / span
        return 1.0 - position if self.reversed else position

    def slot(self) -> float:
        """The width of one category (or of the closest two values), as a fraction."""
        if self.kind == "category":
            return 1.0 / max(len(self.categories), 1)
        return self.slot_width

    slot_width: float = 0.1
    """Of a date or number axis: the gap between its two closest values, as a fraction."""


def _axis_kind(values: Sequence[Any], declared: str | None) -> str:
    if declared in ("category", "date", "linear"):
        return declared
    present = [v for v in values if v is not None]
    if present and all(_as_date(v) is not None for v in present):
        return "date"
    if present and all(_number(v) is not None and not isinstance(v, str) for v in present):
        return "linear"
    return "category" if present else "linear"


def _title(spec: dict[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return str(title or "")


def _category_axis(values: Sequence[Any], spec: dict[str, Any]) -> Axis:
    categories: list[str] = []
    for value in values:
        if value is not None and str(value) not in categories:
            categories.append(str(value))
    axis = Axis("category", categories=categories, title=_title(spec))
    axis.reversed = spec.get("autorange") == "reversed"
    axis.ticks = [(axis.frac(c) or 0.0, c) for c in categories]
    axis.visible = spec.get("visible", True) is not False
    return axis


def _value_axis(
    values: Sequence[float],
    spec: dict[str, Any],
    *,
    include_zero: bool,
    pad: float,
) -> Axis:
    """A linear axis over `values` (or the layout's range), extended to round ticks."""
    axis = Axis("linear", title=_title(spec), zeroline=bool(spec.get("zeroline")))
    axis.visible = spec.get("visible", True) is not False
    axis.reversed = spec.get("autorange") == "reversed"
    prefix, suffix = str(spec.get("tickprefix", "")), str(spec.get("ticksuffix", ""))
    fixed = spec.get("range")
    if isinstance(fixed, list) and len(fixed) == 2 and None not in fixed:
        low, high = float(fixed[0]), float(fixed[1])
        ticks = [t for t in nice_ticks(low, high) if low - 1e-9 <= t <= high + 1e-9]
    else:
        finite = [v for v in values if v is not None]
        low = min(finite, default=0.0)
        high = max(finite, default=1.0)
        if include_zero:
            low, high = min(low, 0.0), max(high, 0.0)
        if high == low:
            high, low = high + (abs(high) or 1.0) * 0.5, low - (abs(low) or 1.0) * 0.5
            if include_zero and low < 0 <= min(finite, default=0.0):
                low = 0.0
        span = high - low
        # room around the data, but never across zero when every value is on one side
        low = low - span * pad if low < 0 or low - span * pad >= 0 else 0.0
        high = high + span * pad if high > 0 or high + span * pad <= 0 else 0.0
        ticks = nice_ticks(low, high)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 0.0
        if step and ticks[0] > low + 1e-9:
            ticks.insert(0, round(ticks[0] - step, 12))  # out to the round values around the data
        if step and ticks[-1] < high - 1e-9:
            ticks.append(round(ticks[-1] + step, 12))
        low, high = min(low, ticks[0]), max(high, ticks[-1])
    axis.low, axis.high = low, high
    step = ticks[1] - ticks[0] if len(ticks) > 1 else (abs(ticks[0]) if ticks else 1.0) or 1.0
    axis.ticks = [(axis.frac(t) or 0.0, prefix + si_label(t, step) + suffix) for t in ticks]
    axis.zeroline = axis.zeroline or (low < 0 < high)
    return axis


def _date_axis(days: Sequence[float], spec: dict[str, Any], pad_days: float) -> Axis:
    axis = Axis("date", title=_title(spec))
    fixed = spec.get("range")
    if isinstance(fixed, list) and len(fixed) == 2 and all(_day(v) for v in fixed):
        low, high = float(_day(fixed[0]) or 0), float(_day(fixed[1]) or 0)
    else:
        low, high = min(days, default=0.0) - pad_days, max(days, default=1.0) + pad_days
    if high <= low:
        low, high = low - 15, high + 15
    axis.low, axis.high = low, high
    axis.ticks = [(axis.frac(d.isoformat()) or 0.0, text) for d, text in _date_ticks(low, high)]
    return axis


def _date_ticks(low: float, high: float) -> list[tuple[date, str]]:
    """Month starts (every 1, 2, 3, 6 or 12 months: at most 8 ticks) or, over a span
    shorter than two months, days (every 1, 2, 7 or 14 days)."""
    first, last = date.fromordinal(math.ceil(low)), date.fromordinal(math.floor(high))
    if (last - first).days < 62:
        step = next(s for s in (1, 2, 7, 14, 31) if (last - first).days / s <= 8)
        days = [first + timedelta(days=i) for i in range(0, (last - first).days + 1, step)]
        return [(d, f"{_MONTHS[d.month - 1]} {d.day}") for d in days]
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= 8)
    start = first if first.day == 1 else _add_months(first.replace(day=1), 1)
    index = start.year * 12 + start.month - 1
    index += (-index) % step  # ticks on months that are multiples of the step (Jan, Apr …)
    ticks = []
    while True:
        tick = date(index // 12, index % 12 + 1, 1)
        if tick > last:
            break
        label = str(tick.year) if step >= 12 else f"{_MONTHS[tick.month - 1]} {tick.year}"
        ticks.append((tick, label))
        index += step
    return ticks


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
