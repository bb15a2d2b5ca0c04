"""How numbers are written on the dashboard (the browser tests format API values with
these same functions and compare them with the text on the page)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import get_currency_symbol
from markupsafe import Markup, escape


def currency_symbol(currency: str) -> str:
    return str(get_currency_symbol(currency, locale="en_US"))


def money(value: Decimal | float | str | None, currency: str, *, decimals: int = 0) -> str:
    """An amount with its currency symbol; decimal text (the API's money form) is read exactly."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = Decimal(value)
    sign = "−" if value < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(value):,.{decimals}f}"


def signed_money(value: Decimal | float | None, currency: str) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + money(value, currency)


def percent(value: float | None, *, decimals: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{decimals}f}%"


def ago(seconds: float) -> str:
    """How long ago, in the unit a reader thinks in: "just now", "12 min ago", "2 h ago"."""
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"


MODEL_NAMES = {"lightgbm": "LightGBM", "logistic": "logistic regression"}


def model(kind: str | None, version: str | None) -> str:
    """A model as a reader names it: its kind and when it was trained ("LightGBM model
    trained 6 Dec 2026 12:32 UTC"), not its registry id; an id that is not a training
    timestamp is shown as it is."""
    name = MODEL_NAMES.get((kind or "").lower(), kind or "")
    label = f"{name} model" if name else "model"
    if not version:
        return label
    try:
        trained = datetime.strptime(version[:16], "%Y%m%dT%H%M%SZ")
    except ValueError:
        return f"{label} {version}"
    return f"{label} trained {trained.day} {trained:%b %Y %H:%M} UTC"


def change_percent(value: float | None, label: str) -> str:
    """A change as a signed percentage with what it compares to ("+4.2% MoM")."""
    return "–" if value is None else f"{value * 100:+.1f}% {label}"


def count(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def months(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} mo"


def ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def multiple(value: float | None) -> str:
    """A coverage or other "times" figure: 4.16×."""
    return "–" if value is None else f"{value:.2f}×"


def kpi_value(unit: str, key: str, value: float | None, currency: str) -> str:
    """A KPI card's main figure."""
    if unit == "money":
        return money(value, currency)
    if unit == "count":
        return count(value)
    if unit == "months":
        return months(value)
    if key == "quick_ratio":
        return ratio(value)
    return percent(value)


def kpi_delta(
    unit: str, change: float | None, change_pct: float | None, currency: str, key: str = ""
) -> str:
    """A KPI card's month-over-month change."""
    if change is None:
        return "–"
    if unit == "ratio":
        # a ratio's change in its own unit (quick ratio 4.2 → 3.1 is −1.10, not "−110 pts");
        # percent-like ratios (NRR, GRR, churn) in percentage points
        return f"{change:+.2f}" if key == "quick_ratio" else f"{change * 100:+.1f} pts"
    if change_pct is not None:
        return f"{change_pct * 100:+.1f}%"
    return signed_money(change, currency) if unit == "money" else f"{change:+,.1f}"


def month(value: date | None) -> str:
    return "–" if value is None else f"{value:%b %Y}"


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 28, 3.0
"""A KPI card's sparkline: viewBox size in px and the margin that keeps the stroke whole."""


def sparkline(values: Sequence[Decimal | float | None], label: str) -> Markup:
    """A small inline SVG line of `values` (oldest first), drawn on the server: no script,
    no request, readable by a screen reader through its aria-label. Missing values are
    skipped (the line joins its neighbours); fewer than two values draw nothing."""
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return Markup("")
    low, high = min(y for _, y in points), max(y for _, y in points)
    span = (high - low) or 1.0
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(values) - 1)
    inner = SPARK_HEIGHT - 2 * SPARK_PAD

    def height(y: float) -> float:
        # SVG y grows downwards; a flat series runs through the middle, not along an edge
        return SPARK_PAD + (inner / 2 if high == low else (high - y) / span * inner)

    xy = [(SPARK_PAD + i * step, height(y)) for i, y in points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    end_x, end_y = xy[-1]
    return Markup(
        f'<svg class="spark" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" width="{SPARK_WIDTH}" '
        f'height="{SPARK_HEIGHT}" role="img" aria-label="{escape(label)}" '
        f'data-points="{len(points)}"><polyline points="{line}" fill="none" '
        f'stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>'
        f'<circle cx="{end_x:.1f}" cy="{end_y:.1f}" r="2.2" fill="currentColor"/></svg>'
    )


def kpi_sparkline(
    unit: str, key: str, label: str, trend: Sequence[Decimal | float | None], currency: str
) -> Markup:
    """A KPI card's sparkline of its last months, labelled with where it went
    ("MRR, last 12 months: $41,020 to $52,310")."""
    known = [v for v in trend if v is not None]
    if len(known) < 2:
        return Markup("")
    first = kpi_value(unit, key, float(known[0]), currency)
    last = kpi_value(unit, key, float(known[-1]), currency)
    return sparkline(trend, f"{label}, last {len(trend)} months: {first} to {last}")
