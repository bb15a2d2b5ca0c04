"""docs/FINANCE.md's CLI example stays true to what the code computes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from pathlib import Path

from revlake.finance.allocation import PerformanceObligation, allocate_transaction_price
from revlake.finance.money import BOOKING_ROUNDING, Money

DOC = Path(__file__).resolve().parents[2] / "docs" / "FINANCE.md"


def test_cli_example_figures_match_the_allocation() -> None:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    obligations = [
        PerformanceObligation("license", Money(60_000, "USD")),
        PerformanceObligation("support", Money(30_000, "USD")),
        PerformanceObligation("training", Money(30_000, "USD")),
    ]
    spread = allocate_transaction_price(Money(100_000, "USD"), obligations)
    assert [line.allocated.amount for line in spread.lines] == [50_000, 25_000, 25_000]
    assert "(allocated 50,000 / 25,000 / 25,000)" in text
    named = allocate_transaction_price(
        Money(100_000, "USD"), obligations, discount_to=["license", "support"]
    )
    figures = [f"{line.allocated.amount:,.2f}" for line in named.lines]
    assert figures == ["46,666.67", "23,333.33", "30,000.00"]
    assert "training keeps its 30,000.00" in text
    assert "license and support get 46,666.67 and 23,333.33" in text


def test_documented_rounding_rule_is_the_one_in_force() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert BOOKING_ROUNDING == ROUND_HALF_UP
    assert "with **ROUND_HALF_UP**" in text
    assert Money("2.345", "USD").rounded() == Money("2.35", "USD")  # the doc's example
