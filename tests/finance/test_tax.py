"""The tax engine: rate tables and overrides, VAT number checks, per-line rules, rounding.

Rates checked against the European Commission's "VAT rates applied in the Member States"
list and the national announcements the rate files cite (docs/FINANCE.md, "Tax").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum.eu import vat as eu_vat

from revlake.config import settings_from_mapping
from revlake.errors import ConfigError, InputError
from revlake.finance.money import Money
from revlake.finance.tax import (
    EU_MEMBER_STATES,
    OVERRIDE_FILE,
    ChargedLine,
    RateTable,
    TaxKind,
    TaxLine,
    TaxProfile,
    Treatment,
    check_vat_number,
    compute_line_tax,
    find_discrepancies,
    line_tax,
    load_rate_table,
    parse_rate_rows,
    profile_from_settings,
    shipped_rates,
)

D = dt.date
US_SELLER = TaxProfile()  # US seller registered for EU OSS, GB and AU; no US nexus
VALID_DE = "DE136695976"
VALID_FR = "FR40303265045"
VALID_NL = "NL004495445B01"


@pytest.fixture(scope="module")
def table() -> RateTable:
    return load_rate_table(None)


def line(country: str, day: dt.date, net: str, vat: str | None = None, **kw: object) -> TaxLine:
    currency = str(kw.pop("currency", "EUR"))
    return TaxLine(country, day, Money(net, currency), vat_number=vat, **kw)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- rate tables


def test_shipped_tables_cover_all_27_member_states_gb_au_canada_and_us(table: RateTable) -> None:
    today = D(2026, 11, 1)
    for country in EU_MEMBER_STATES:
        assert table.rate(country, today).kind is TaxKind.VAT
    assert len(EU_MEMBER_STATES) == 27
    assert table.rate("GB", today).rate == 20
    assert table.rate("AU", today).kind is TaxKind.GST
    assert table.rate("CA-ON", today).kind is TaxKind.HST
    assert table.rate("CA-ON", today).rate == 13
    assert table.rate("CA-AB", today).rate == 5
    assert table.rate("US-NY", today).kind is TaxKind.SALES
    assert table.rate("US-CA", today).rate == Decimal("7.25")


@pytest.mark.parametrize(
    ("jurisdiction", "day", "rate"),
    [
        ("DE", D(2020, 6, 30), "19"),
        ("DE", D(2020, 7, 1), "16"),
        ("DE", D(2020, 12, 31), "16"),
        ("DE", D(2021, 1, 1), "19"),
        ("IE", D(2020, 9, 1), "21"),
        ("IE", D(2021, 2, 28), "21"),
        ("IE", D(2021, 3, 1), "23"),
        ("FI", D(2024, 8, 31), "24"),
        ("FI", D(2024, 9, 1), "25.5"),
        ("EE", D(2024, 1, 1), "22"),
        ("EE", D(2025, 7, 1), "24"),
        ("LU", D(2023, 6, 1), "16"),
        ("LU", D(2024, 1, 1), "17"),
        ("SK", D(2025, 1, 1), "23"),
        ("RO", D(2025, 7, 31), "19"),
        ("RO", D(2025, 8, 1), "21"),
        ("CA-NS", D(2025, 4, 1), "14"),
        ("US-NJ", D(2017, 6, 1), "6.875"),
    ],
)
def test_dated_rate_changes(table: RateTable, jurisdiction: str, day: dt.date, rate: str) -> None:
    assert table.rate(jurisdiction, day).rate == Decimal(rate)


def test_shipped_rows_name_their_file_and_line(table: RateTable) -> None:
    row = table.rate("de", D(2020, 8, 1))
    assert row.source == "tax_rates/eu_vat.csv, line 8"
    assert len(shipped_rates()) > 60


def test_unknown_jurisdiction_and_date_before_any_rate(table: RateTable) -> None:
    with pytest.raises(InputError, match="unknown tax jurisdiction 'XX'"):
        table.rate("XX", D(2024, 1, 1))
    with pytest.raises(InputError, match="starts 2015-01-01"):
        table.rate("DE", D(2014, 12, 31))
    with pytest.raises(InputError, match="not a code"):
        table.rate("Germany", D(2024, 1, 1))


def _write_override(root: Path, text: str) -> Path:
    path = root / OVERRIDE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_workspace_override_replaces_and_adds(tmp_path: Path) -> None:
    _write_override(
        tmp_path,
        "jurisdiction,kind,rate,valid_from,valid_to,note\n"
        "DE,VAT,7,2024-01-01,2024-12-31,made-up override\n"
        "SG,GST,9,2024-01-01,,Singapore OVR\n",
    )
    table = load_rate_table(tmp_path)
    assert table.rate("DE", D(2024, 6, 1)).rate == 7
    assert table.rate("DE", D(2024, 6, 1)).source.endswith("tax_rates.csv, line 2")
    assert table.rate("DE", D(2025, 1, 1)).rate == 19  # outside the override: shipped
    assert table.rate("SG", D(2025, 1, 1)).rate == 9
    assert table.rows("DE")[0].rate == 7  # overrides listed first


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "DE,VAT,-1,2024-01-01,,",
            "line 2, column 'rate': '-1' must be a percentage from 0 to 100",
        ),
        ("DE,VAT,101,2024-01-01,,", "line 2, column 'rate': '101' must be a percentage"),
        ("DE,VAT,abc,2024-01-01,,", "line 2, column 'rate': 'abc' is not a number"),
        ("DE,VAT,19,2024-13-01,,", "line 2, column 'valid_from': '2024-13-01' is not a date"),
        ("DE,VAT,19,2024-02-01,2024-01-01,", "line 2, column 'valid_to': 2024-01-01 is before"),
        ("Deutschland,VAT,19,2024-01-01,,", "line 2, column 'jurisdiction'"),
        ("DE,TVA,19,2024-01-01,,", "line 2, column 'kind': 'TVA' is not one of"),
    ],
)
def test_bad_override_rows_name_file_line_and_column(
    tmp_path: Path, row: str, message: str
) -> None:
    path = _write_override(tmp_path, f"jurisdiction,kind,rate,valid_from,valid_to,note\n{row}\n")
    with pytest.raises(InputError) as error:
        load_rate_table(tmp_path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_overlapping_override_rows_are_refused(tmp_path: Path) -> None:
    _write_override(
        tmp_path,
        "jurisdiction,kind,rate,valid_from,valid_to\n"
        "DE,VAT,7,2024-01-01,2024-12-31\n"
        "DE,VAT,8,2024-06-01,\n",
    )
    with pytest.raises(InputError, match="line 3: the DE rate from 2024-06-01 overlaps"):
        load_rate_table(tmp_path)


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError, match="missing column"):
        parse_rate_rows("jurisdiction,rate\nDE,19\n", "x.csv")


# ----------------------------------------------------------------------------- VAT numbers


@pytest.mark.parametrize("number", [VALID_DE, "DE 136 695 976", VALID_FR, VALID_NL, "GB980780684"])
def test_valid_vat_numbers(number: str) -> None:
    result = check_vat_number(number)
    assert result.valid, result.reason
    assert "no VIES" in result.reason


@pytest.mark.parametrize(
    ("number", "country", "reason"),
    [
        ("DE136695977", None, "check digit is wrong"),
        ("DE12345", None, "wrong length"),
        ("DEABCDEFGHI", None, "format"),
        ("XX123456789", None, "not an EU VAT country prefix"),
        ("123456789", None, "country prefix"),
        (VALID_DE, "FR", "does not match the customer's country FR"),
        ("", None, "empty"),
    ],
)
def test_malformed_vat_numbers_say_why(number: str, country: str | None, reason: str) -> None:
    result = check_vat_number(number, country)
    assert not result.valid
    assert reason in result.reason


def test_greek_numbers_use_el() -> None:
    assert check_vat_number("EL094259216", "GR").valid


# ----------------------------------------------------------------------------- the rules


def test_eu_b2c_is_taxed_at_the_destination_rate_with_half_up_rounding(table: RateTable) -> None:
    result = compute_line_tax(US_SELLER, table, line("DE", D(2024, 5, 1), "10.50"))
    # 10.50 × 19 % = 1.995 → 2.00 (half-up)
    assert result.tax == Money("2.00", "EUR")
    assert result.treatment is Treatment.DESTINATION
    assert result.jurisdiction == "DE"


def test_rate_by_date_de_2020(table: RateTable) -> None:
    result = compute_line_tax(US_SELLER, table, line("DE", D(2020, 8, 1), "100.00"))
    assert (result.rate, result.tax) == (Decimal(16), Money("16.00", "EUR"))


def test_credit_rounds_half_away_from_zero(table: RateTable) -> None:
    assert line_tax(Money("-10.50", "EUR"), Decimal(19)) == Money("-2.00", "EUR")
    assert line_tax(Money("100", "JPY"), Decimal("10.5")) == Money("11", "JPY")


def test_eu_b2b_with_valid_number_is_reverse_charged(table: RateTable) -> None:
    result = compute_line_tax(US_SELLER, table, line("DE", D(2024, 5, 1), "1000", VALID_DE))
    assert result.reverse_charge
    assert result.tax == Money.zero("EUR")
    assert result.rate == 0
    assert "reverse charge" in result.note


def test_intra_eu_seller_rules(table: RateTable) -> None:
    german = TaxProfile(seller_country="DE", registrations=frozenset())
    domestic = compute_line_tax(german, table, line("DE", D(2024, 5, 1), "100", VALID_DE))
    assert domestic.treatment is Treatment.DOMESTIC and domestic.tax == Money("19", "EUR")
    cross = compute_line_tax(german, table, line("FR", D(2024, 5, 1), "100", VALID_FR))
    assert cross.reverse_charge
    consumer = compute_line_tax(german, table, line("FR", D(2024, 5, 1), "100"))
    assert consumer.tax == Money("20", "EUR")  # OSS: the consumer's country's rate


def test_malformed_vat_number_strict_is_an_error_lenient_is_flagged(table: RateTable) -> None:
    bad = line("DE", D(2024, 5, 1), "100", "DE123456789")
    with pytest.raises(InputError, match="malformed VAT number 'DE123456789': the check digit"):
        compute_line_tax(US_SELLER, table, bad)
    result = compute_line_tax(US_SELLER, table, bad, strict=False)
    assert not result.reverse_charge
    assert result.tax == Money("19.00", "EUR")
    assert result.vat_check is not None and not result.vat_check.valid


def test_exports_and_us_nexus(table: RateTable) -> None:
    sg = compute_line_tax(US_SELLER, table, line("SG", D(2024, 5, 1), "100", currency="USD"))
    assert sg.treatment is Treatment.NOT_REGISTERED and sg.tax.is_zero
    ca = compute_line_tax(US_SELLER, table, line("CA", D(2024, 5, 1), "100", currency="CAD"))
    assert ca.treatment is Treatment.NOT_REGISTERED
    us = compute_line_tax(US_SELLER, table, line("US", D(2024, 5, 1), "100", currency="USD"))
    assert us.tax.is_zero and "nexus" in us.note
    nexus = TaxProfile(nexus_states=frozenset({"NY"}))
    ny = compute_line_tax(
        nexus, table, line("US", D(2024, 5, 1), "100", currency="USD", customer_region="NY")
    )
    assert (ny.jurisdiction, ny.tax) == ("US-NY", Money("4.00", "USD"))
    tx = compute_line_tax(
        nexus, table, line("US", D(2024, 5, 1), "100", currency="USD", customer_region="TX")
    )
    assert tx.tax.is_zero
    with pytest.raises(InputError, match="customer state needed"):
        compute_line_tax(nexus, table, line("US", D(2024, 5, 1), "100", currency="USD"))


def test_canada_by_province_when_registered(table: RateTable) -> None:
    profile = TaxProfile(registrations=frozenset({"CA"}))
    on = compute_line_tax(
        profile, table, line("CA", D(2024, 5, 1), "100", currency="CAD", customer_region="ON")
    )
    assert (on.jurisdiction, on.kind, on.tax) == ("CA-ON", TaxKind.HST, Money("13", "CAD"))
    with pytest.raises(InputError, match="province needed"):
        compute_line_tax(profile, table, line("CA", D(2024, 5, 1), "100", currency="CAD"))


def test_bad_inputs(table: RateTable) -> None:
    with pytest.raises(InputError, match="ISO 3166"):
        compute_line_tax(US_SELLER, table, line("ZZ", D(2024, 5, 1), "100"))
    with pytest.raises(InputError, match="unknown currency"):
        line("DE", D(2024, 5, 1), "100", currency="EUX")
    registered_sg = TaxProfile(registrations=frozenset({"SG"}))
    with pytest.raises(InputError, match="unknown tax jurisdiction 'SG'"):
        compute_line_tax(registered_sg, table, line("SG", D(2024, 5, 1), "1", currency="USD"))
    with pytest.raises(InputError, match="no DE tax rate on 2014-05-01"):
        compute_line_tax(US_SELLER, table, line("DE", D(2014, 5, 1), "100"))


def test_discrepancies_name_the_reason(table: RateTable) -> None:
    def charged(line_id: str, tax_line: TaxLine, tax: str, rate: str, rc: bool) -> ChargedLine:
        return ChargedLine(
            line_id, "in_1", tax_line, Money(tax, "EUR"), Decimal(rate), charged_reverse_charge=rc
        )

    lines = [
        charged("ok", line("DE", D(2024, 5, 1), "100"), "19.00", "19", False),
        charged("rate", line("DE", D(2020, 8, 1), "100"), "19.00", "19", False),
        charged("rc", line("FR", D(2024, 5, 1), "100", VALID_FR), "20.00", "20", False),
        charged("badvat", line("FR", D(2024, 5, 1), "100", "FR00000000000"), "0.00", "0", True),
        charged("old", line("FR", D(2010, 5, 1), "100"), "0.00", "0", False),
    ]
    found = {d.invoice_line_id: d.reason for d in find_discrepancies(US_SELLER, table, lines)}
    assert set(found) == {"rate", "rc", "badvat", "old"}
    assert "rate 19% charged, 16% expected" in found["rate"]
    assert "not reverse-charged although the customer's VAT number is valid" in found["rc"]
    assert "VAT number FR00000000000 invalid" in found["badvat"]
    assert "no FR tax rate on 2010-05-01" in found["old"]


# ----------------------------------------------------------------------------- settings


def test_tax_settings_defaults_env_and_errors() -> None:
    settings = settings_from_mapping({}, environ={})
    profile = profile_from_settings(settings.workspace)
    assert profile == TaxProfile("US", frozenset({"EU", "GB", "AU"}), frozenset())
    env = {"REVLAKE_TAX_NEXUS_STATES": "ny, tx", "REVLAKE_TAX_SELLER_COUNTRY": "de"}
    custom = settings_from_mapping({}, environ=env).workspace
    assert custom.tax_nexus_states == ("NY", "TX") and custom.tax_seller_country == "DE"
    with pytest.raises(ConfigError, match="tax_seller_country"):
        settings_from_mapping({"workspace": {"tax_seller_country": "USA"}}, environ={})
    with pytest.raises(ConfigError, match="not a tax registration"):
        settings_from_mapping({"workspace": {"tax_registrations": ["E U"]}}, environ={})


def test_generator_vat_ids_are_valid() -> None:
    from revlake.demo.vat_ids import vat_id

    for country in ("DE", "FR", "NL", "ES", "IT", "IE", "SE"):
        for draw in (10**8, 123_456_789, 987_654_321, 10**9 - 1):
            number = vat_id(country, draw)
            assert eu_vat.is_valid(number), number
            assert number.startswith(country)
    with pytest.raises(ValueError, match="no VAT number recipe"):
        vat_id("PL", 123_456_789)


def test_tax_ids_of_unchecked_countries_are_not_errors(table: RateTable) -> None:
    us = compute_line_tax(
        US_SELLER, table, line("US", D(2024, 5, 1), "100", "12-3456789", currency="USD")
    )
    assert us.tax.is_zero and us.vat_check is None
