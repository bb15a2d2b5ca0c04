"""The grouped tax discrepancy check (revlake.queries.tax_check) against the per-line
reference (revlake.queries.tax_lines.checked_per_line) on a gold.fct_tax_lines built by
hand with the edge cases: valid, invalid and missing VAT numbers in EU and other
countries, reverse charges right and wrong, US lines with and without nexus, Canadian
lines without a province, dates on both sides of rate changes and before any rate,
zero- and three-decimal currencies, amounts exactly half a minor unit off (both signs),
credits, NULL tax amounts and rates. The two must give the identical answer: the same
lines checked, the same discrepancies in the same order, equal down to each Decimal's
exponent (compared by repr).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import revlake.finance.tax as finance_tax
import revlake.queries.tax_check as tax_check
from revlake.errors import InputError
from revlake.finance.money import Money
from revlake.finance.tax import (
    EU,
    OVERRIDE_FILE,
    Discrepancy,
    RateTable,
    TaxLine,
    TaxProfile,
    TaxResult,
    compute_line_tax,
    load_rate_table,
)
from revlake.queries.tax import all_discrepancies
from revlake.queries.tax_check import grouped_discrepancies
from revlake.queries.tax_lines import checked_per_line
from revlake.reader import Build

CUSTOMERS: list[tuple[str | None, str | None]] = [
    ("DE", None),
    ("DE", "DE136695976"),  # valid
    ("DE", "DE136695978"),  # wrong check digit
    ("DE", "FR40303265045"),  # another member state's number
    ("DE", ""),
    ("de", None),  # lower case: a country all the same, listed as given
    ("FR", "FR40303265045"),
    ("FR", None),
    ("IE", None),  # 21 % from September 2020 to February 2021
    ("IE", "IE6388047V"),
    ("EE", None),  # 20 -> 22 -> 24 %
    ("FI", "FI20774740"),
    ("FI", None),  # 24 -> 25.5 %
    ("GB", "GB980780684"),
    ("GB", "GB980780685"),
    ("GB", None),
    ("AU", "51824753556"),
    ("AU", None),
    ("CA", None),  # no province: an InputError for every line
    ("CA", "123456782"),
    ("US", None),
    ("US", "12-3456789"),
    ("JP", "T1234567890123"),  # a tax id that is not checked
    ("CH", None),
    ("XX", None),  # not a country
    (None, None),
]
DATES = [
    dt.date(1990, 6, 1),  # before every rate table: the error names the date
    dt.date(2014, 12, 31),
    dt.date(2020, 6, 30),
    dt.date(2020, 7, 1),
    dt.date(2020, 12, 31),
    dt.date(2021, 1, 1),
    dt.date(2021, 2, 28),
    dt.date(2023, 12, 31),
    dt.date(2024, 1, 1),
    dt.date(2024, 9, 1),
    dt.date(2025, 7, 1),
    dt.date(2026, 1, 15),
]
# (currency, net): half a minor unit at 19 % (0.50, 2.50) and 10 % (1.25, 105 JPY),
# both signs, a three-decimal currency, zero, a large amount, a lower-case code.
AMOUNTS = [
    (cur, Decimal(net))
    for cur, net in itertools.product(
        ["EUR", "JPY", "KWD", "BHD", "USD", "usd"],
        ["0.50", "-0.50", "2.50", "-1.25", "1.25", "105.00", "-105.00", "0.15", "12.34", "0.00"],
    )
] + [("EUR", Decimal("999999999.99")), ("GBP", Decimal("-0.05"))]
SELLERS = {
    "us-seller": TaxProfile(),  # registered for EU OSS, GB and AU, no US nexus
    "de-seller-ny-nexus": TaxProfile("DE", frozenset({"GB"}), frozenset({"NY"})),
    "fr-seller-oss-ca": TaxProfile("FR", frozenset({EU, "AU", "CA"}), frozenset()),
}
REASONS = {  # what each seller's lines must show among their reasons, besides COMMON
    "us-seller": ["destination rate (seller registered)"],
    "de-seller-ny-nexus": ["customer state needed for US sales tax", "domestic supply"],
    "fr-seller-oss-ca": ["customer province needed", "intra-EU supply to a consumer"],
}
COMMON = [
    "invalid: the check digit is wrong",
    "is not an ISO 3166 country code",
    "tax rate on 1990-06-01",
    "tax rate on 2014-12-31",
    "not reverse-charged although",
    "reverse-charged but the rules give",
    "amount differs",
    "% expected",
]
OVERRIDES = (
    "jurisdiction,kind,rate,valid_from,valid_to,note\n"
    "DE,VAT,19.125,2024-01-01,2024-12-31,three decimals\n"
    "AU,GST,10,2021-01-01,,starts late: no AU rate before 2021\n"
    "FR,VAT,20,2015-01-01,2020-12-31,\n"
)


def _expected(profile: TaxProfile, table: RateTable, line: TaxLine) -> TaxResult | None:
    try:
        return compute_line_tax(profile, table, line, strict=False)
    except InputError:
        return None


def _rows(profile: TaxProfile, table: RateTable) -> Iterator[tuple[object, ...]]:
    """Lines of every customer and date, each amount charged right and in five wrong
    ways (a unit off, half-even, truncated, NULL, the reverse charge flipped)."""
    number = 0
    for (country, tax_id), day in itertools.product(CUSTOMERS, DATES):
        offset = number % len(AMOUNTS)
        # one EUR line on every date (a group across rate periods), five others rotating
        for currency, net in [("EUR", Decimal("19.99")), *(AMOUNTS * 2)[offset : offset + 5]]:
            money = Money(net, currency)
            line = TaxLine(str(country or ""), day, money, tax_id)
            result = _expected(profile, table, line)
            tax = result.tax.amount if result is not None else Decimal(0)
            rate = result.rate if result is not None else Decimal(0)
            reverse = result.reverse_charge if result is not None else False
            exact = net * rate / 100
            unit = money.quantum
            variants = [
                (tax, rate, reverse),
                (tax + unit, rate, reverse),
                (exact.quantize(unit, rounding=ROUND_HALF_EVEN), None, reverse),
                (exact.quantize(unit, rounding=ROUND_DOWN), rate + 1, reverse),
                (None, None, reverse),
                (tax, rate, not reverse),
            ]
            for charged, charged_rate, charged_reverse in variants:
                number += 1
                yield (
                    f"L{number:06d}",
                    f"I{number // 4:06d}",
                    day,
                    country,
                    tax_id,
                    net,
                    charged,
                    charged_rate,
                    charged_reverse,
                    currency,
                )


_TYPES = [
    pa.string(),
    pa.string(),
    pa.date32(),
    pa.string(),
    pa.string(),
    pa.decimal128(18, 2),
    pa.decimal128(30, 12),  # a KWD tax of 0.029 is stored as 0.03 (DuckDB's cast)
    pa.decimal128(30, 12),
    pa.bool_(),
    pa.string(),
]


def _build(rows: list[tuple[object, ...]]) -> Build:
    """A gold.fct_tax_lines with the model's column types (fct_tax_lines.sql)."""
    con = duckdb.connect()
    con.execute("create schema gold")
    con.execute(
        "create table gold.fct_tax_lines (invoice_line_id varchar, invoice_id varchar, "
        "invoice_date date, customer_country_code varchar, customer_tax_id varchar, "
        "net_amount decimal(18, 2), tax_amount decimal(18, 2), tax_rate decimal(9, 4), "
        "is_reverse_charge boolean, currency varchar)"
    )
    columns: list[Sequence[object]] = [list(c) for c in zip(*rows[::-1], strict=True)]
    columns = columns or [[] for _ in _TYPES]
    # inserted out of order: both paths must sort by invoice date and line id
    incoming = pa.table(
        {
            f"c{i}": pa.array(values, kind)
            for i, (values, kind) in enumerate(zip(columns, _TYPES, strict=True))
        }
    )
    con.register("incoming", incoming)
    con.execute("insert into gold.fct_tax_lines select * from incoming")
    con.unregister("incoming")
    return Build.over(con)


def _table(tmp_path: Path, overrides: str | None) -> RateTable:
    if overrides is None:
        return load_rate_table(None)
    (tmp_path / OVERRIDE_FILE).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / OVERRIDE_FILE).write_text(overrides, encoding="utf-8")
    return load_rate_table(tmp_path)


def _same(left: tuple[int, list[Discrepancy]], right: tuple[int, list[Discrepancy]]) -> None:
    assert left[0] == right[0]
    assert [repr(d) for d in left[1]] == [repr(d) for d in right[1]]  # exponents too
    assert left == right


@pytest.mark.parametrize("seller", sorted(SELLERS))
@pytest.mark.parametrize("overrides", [None, OVERRIDES], ids=["shipped", "overridden"])
def test_grouped_equals_per_line(seller: str, overrides: str | None, tmp_path: Path) -> None:
    profile = SELLERS[seller]
    table = _table(tmp_path, overrides)
    rows = list(_rows(profile, table))
    build = _build(rows)

    reference = checked_per_line(build, table, profile)
    grouped = grouped_discrepancies(build, table, profile)

    assert grouped is not None
    _same(grouped, reference)
    # the fixture exercises what it claims: every kind of reason, and lines in order
    reasons = " | ".join(d.reason for d in reference[1])
    for text in COMMON + REASONS[seller]:
        assert text in reasons, text
    assert 0 < len(reference[1]) < len(rows) * 0.8
    assert all(d.expected_tax is None or d.expected_tax.currency for d in reference[1])


def test_each_group_is_decided_once_not_each_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile, table = SELLERS["us-seller"], load_rate_table(None)
    rows = [
        (f"{line_id}-{copy}", *rest)
        for line_id, *rest in _rows(profile, table)
        for copy in range(20)
    ]
    build = _build(rows)
    calls = 0
    engine = compute_line_tax

    def counted(*args: object, **kwargs: object) -> TaxResult:
        nonlocal calls
        calls += 1
        return engine(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tax_check, "compute_line_tax", counted)
    monkeypatch.setattr(finance_tax, "compute_line_tax", counted)  # find_discrepancies
    checked, _found = grouped_discrepancies(build, table, profile) or (0, [])
    assert checked == len(rows)
    assert calls < len(rows) / 10, (calls, len(rows))


def test_a_rate_with_too_many_decimals_falls_back_to_the_per_line_check(
    tmp_path: Path,
) -> None:
    profile = SELLERS["us-seller"]
    table = _table(
        tmp_path, "jurisdiction,kind,rate,valid_from,valid_to\nDE,VAT,19.0000000001,2015-01-01,\n"
    )
    build = _build(list(_rows(profile, table)))
    assert grouped_discrepancies(build, table, profile) is None
    _same(
        all_discrepancies(build, table, profile, tmp_path), checked_per_line(build, table, profile)
    )


def test_an_unknown_currency_fails_as_in_the_per_line_check() -> None:
    profile, table = TaxProfile(), load_rate_table(None)
    day = dt.date(2024, 1, 1)
    rows: list[tuple[object, ...]] = [
        ("L1", "I1", day, "DE", None, Decimal(1), Decimal(0), None, False, "EUR"),
        ("L2", "I1", day + dt.timedelta(days=2), "DE", None, Decimal(1), None, None, False, "ZZZ"),
        ("L3", "I1", day + dt.timedelta(days=1), "DE", None, Decimal(1), None, None, False, "QQQ"),
    ]
    build = _build(rows)
    with pytest.raises(InputError) as per_line:
        checked_per_line(build, table, profile)
    with pytest.raises(InputError) as grouped:
        grouped_discrepancies(build, table, profile)
    assert str(grouped.value) == str(per_line.value)
    assert "QQQ" in str(grouped.value)


def test_no_lines() -> None:
    build = _build([])
    assert grouped_discrepancies(build, load_rate_table(None), TaxProfile()) == (0, [])
