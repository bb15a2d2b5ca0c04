"""VAT, GST and US sales tax per invoice line, from rate tables by jurisdiction and date.

What this module decides (docs/FINANCE.md, "Tax", has the worked rules):

- **Rates** come from the tables shipped in `revlake/finance/tax_rates/*.csv` (EU member
  states' standard VAT rates, UK VAT, Australian GST, Canadian GST/HST by province, and the
  state-level sales tax of a documented set of US states), overridden by the workspace's
  `config/tax_rates.csv`: an override row wins over the shipped rows of its jurisdiction
  on the dates it covers. A jurisdiction with no row on a date is an InputError.
- **Who is taxed** depends on the seller (`TaxProfile`: seller country, the foreign tax
  registrations the seller holds, the US states where it has nexus) and the customer
  (country, region, VAT number, business or consumer):
  - domestic supply (customer in the seller's country, or in the seller's EU when both
    are EU member states and the customer gives no valid VAT number): the customer's
    country's standard rate;
  - EU cross-border business-to-business supply with a *valid* VAT number of the
    customer's member state: reverse charge, rate 0, the customer accounts for VAT;
  - the same for UK VAT numbers (GB), Australian ABNs and Canadian business numbers:
    a registered business customer self-assesses, the seller charges nothing;
  - supplies to consumers abroad: the destination's rate when the seller is registered
    there ("EU" covers the One-Stop-Shop for every member state), otherwise nothing
    (outside the scope of any tax the seller collects; noted);
  - US customers: the state's rate when the seller has nexus in that state, otherwise
    nothing. Local (county/city) rates and per-state SaaS taxability are not modelled.
- **VAT numbers** are checked with python-stdnum for format and check digits only; no
  VIES (or HMRC/ABR) lookup is made, so a well-formed number of a deregistered business
  passes.
- **Rounding**: tax = (net × rate ÷ 100) rounded to the currency's minor unit half-up
  (half away from zero for credits), per line, with revlake.finance.money.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel import Locale
from stdnum import exceptions as stdnum_errors
from stdnum.au import abn as au_abn
from stdnum.ca import bn as ca_bn
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat

from revlake.config import WorkspaceSettings
from revlake.errors import InputError
from revlake.finance.money import Money

RATE_COLUMNS = ("jurisdiction", "kind", "rate", "valid_from", "valid_to", "note")
OVERRIDE_FILE = Path("config") / "tax_rates.csv"
"""The workspace's override file, relative to the workspace root."""

EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
EU = "EU"
CHECKED_COUNTRIES = EU_MEMBER_STATES | {"GB", "AU", "CA"}
"""Countries whose tax numbers are checked (EU and UK VAT, Australian ABN, Canadian BN);
another country's tax id marks the customer as a business but is not validated."""
"""Registration code meaning the EU One-Stop-Shop: every member state's rate applies."""

REVERSE_CHARGE_SUFFIX = " (reverse charge)"
_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HUNDRED = Decimal(100)


class TaxKind(StrEnum):
    """The kind of consumption tax a rate row describes."""

    VAT = "VAT"
    GST = "GST"
    HST = "HST"
    PST = "PST"
    SALES = "sales"


class Treatment(StrEnum):
    """Why a line carries the tax it does."""

    DOMESTIC = "domestic"  # customer in the seller's own tax territory
    DESTINATION = "destination"  # consumer abroad, seller registered there (e.g. EU OSS)
    REVERSE_CHARGE = "reverse_charge"  # registered business abroad self-assesses
    NOT_REGISTERED = "not_registered"  # seller neither registered nor with nexus there
    US_NEXUS = "us_nexus"  # US state where the seller has nexus


@dataclass(frozen=True, slots=True)
class TaxRate:
    """One row of a rate table: `rate` % applies from `valid_from` to `valid_to` (inclusive)."""

    jurisdiction: str
    kind: TaxKind
    rate: Decimal
    valid_from: dt.date
    valid_to: dt.date | None
    note: str
    source: str  # "file:line", shown in errors and by `revlake tax rate`

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


# ----------------------------------------------------------------------------- rate tables


def _parse_date(text: str, where: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{where}, column {column!r}: {text!r} is not a date (YYYY-MM-DD)"
        ) from None


def parse_rate_rows(text: str, source: str) -> list[TaxRate]:
    """Rate rows from CSV text with the columns of RATE_COLUMNS (note optional).

    Every problem is an InputError naming `source`, the line and the column: unknown
    jurisdiction format, unknown kind, a rate that is not a number in [0, 100], a bad
    date, valid_to before valid_from, or two rows of one jurisdiction that overlap.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in RATE_COLUMNS[:5] if c not in header]
    if missing:
        raise InputError(
            f"{source}, line 1: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(RATE_COLUMNS)}"
        )
    rows: list[TaxRate] = []
    for raw in reader:
        line = reader.line_num
        where = f"{source}, line {line}"
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        jurisdiction = values["jurisdiction"].upper()
        if not _JURISDICTION.match(jurisdiction):
            raise InputError(
                f"{where}, column 'jurisdiction': {values['jurisdiction']!r} is not a "
                "jurisdiction code (a country code such as DE, or country-region such as "
                "CA-ON or US-NY)"
            )
        try:
            kind = TaxKind(values["kind"] if values["kind"] != "SALES" else "sales")
        except ValueError:
            allowed = ", ".join(k.value for k in TaxKind)
            raise InputError(
                f"{where}, column 'kind': {values['kind']!r} is not one of {allowed}"
            ) from None
        try:
            rate = Decimal(values["rate"].removesuffix("%").strip())
        except InvalidOperation:
            raise InputError(
                f"{where}, column 'rate': {values['rate']!r} is not a number"
            ) from None
        if not rate.is_finite() or rate < 0 or rate > _HUNDRED:
            raise InputError(
                f"{where}, column 'rate': {values['rate']!r} must be a percentage from 0 to 100"
            )
        valid_from = _parse_date(values["valid_from"], where, "valid_from")
        valid_to = (
            _parse_date(values["valid_to"], where, "valid_to") if values["valid_to"] else None
        )
        if valid_to is not None and valid_to < valid_from:
            raise InputError(
                f"{where}, column 'valid_to': {valid_to.isoformat()} is before valid_from "
                f"{valid_from.isoformat()}"
            )
        rows.append(
            TaxRate(jurisdiction, kind, rate, valid_from, valid_to, values.get("note", ""), where)
        )
    _refuse_overlaps(rows)
    return rows


def _refuse_overlaps(rows: Sequence[TaxRate]) -> None:
    by_jurisdiction: dict[str, list[TaxRate]] = {}
    for row in rows:
        by_jurisdiction.setdefault(row.jurisdiction, []).append(row)
    for jurisdiction, items in by_jurisdiction.items():
        items.sort(key=lambda r: r.valid_from)
        for before, after in itertools.pairwise(items):
            if before.valid_to is None or before.valid_to >= after.valid_from:
                raise InputError(
                    f"{after.source}: the {jurisdiction} rate from "
                    f"{after.valid_from.isoformat()} overlaps the row at {before.source}"
                )


@lru_cache(maxsize=1)
def shipped_rates() -> tuple[TaxRate, ...]:
    """The rate tables shipped with revlake (package data), parsed once."""
    folder = resources.files("revlake.finance") / "tax_rates"
    rows: list[TaxRate] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            rows += parse_rate_rows(entry.read_text(encoding="utf-8"), f"tax_rates/{entry.name}")
    return tuple(rows)


@dataclass(frozen=True)
class RateTable:
    """Shipped rates plus workspace overrides; `rate()` looks one up by jurisdiction and date."""

    shipped: tuple[TaxRate, ...]
    overrides: tuple[TaxRate, ...] = ()
    _index: dict[str, tuple[list[TaxRate], list[TaxRate]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        for row in self.shipped:
            self._index.setdefault(row.jurisdiction, ([], []))[0].append(row)
        for row in self.overrides:
            self._index.setdefault(row.jurisdiction, ([], []))[1].append(row)

    def jurisdictions(self) -> list[str]:
        return sorted(self._index)

    def knows(self, jurisdiction: str) -> bool:
        return jurisdiction in self._index

    def rows(self, jurisdiction: str | None = None) -> list[TaxRate]:
        """Every row (overrides first) of one jurisdiction or of all, for listing."""
        keys = [jurisdiction] if jurisdiction is not None else self.jurisdictions()
        out: list[TaxRate] = []
        for key in keys:
            shipped, overrides = self._index.get(key, ([], []))
            out += sorted(overrides, key=lambda r: r.valid_from)
            out += sorted(shipped, key=lambda r: r.valid_from)
        return out

    def require(self, jurisdiction: str) -> str:
        """The normalised code of a jurisdiction the tables know; otherwise an InputError."""
        code = normalise_jurisdiction(jurisdiction)
        if code not in self._index:
            raise InputError(
                f"unknown tax jurisdiction {jurisdiction!r}: no rate table has it; known: "
                f"{', '.join(self.jurisdictions())} (add it in {OVERRIDE_FILE})"
            )
        return code

    def rate(self, jurisdiction: str, day: dt.date) -> TaxRate:
        """The rate in force in `jurisdiction` on `day` (an override wins over shipped)."""
        code = self.require(jurisdiction)
        shipped, overrides = self._index[code]
        for row in (*overrides, *shipped):
            if row.covers(day):
                return row
        first = min(r.valid_from for r in (*overrides, *shipped))
        raise InputError(
            f"no {code} tax rate on {day.isoformat()}: the rate table for {code} starts "
            f"{first.isoformat()} (add a row in {OVERRIDE_FILE})"
            if day < first
            else f"no {code} tax rate on {day.isoformat()} (add a row in {OVERRIDE_FILE})"
        )


def normalise_jurisdiction(code: str) -> str:
    """'de' -> 'DE', 'ca-on' -> 'CA-ON'; anything else is an InputError."""
    value = str(code).strip().upper()
    if not _JURISDICTION.match(value):
        raise InputError(f"tax jurisdiction {code!r} is not a code such as DE, CA-ON or US-NY")
    return value


def load_rate_table(workspace_root: Path | None = None) -> RateTable:
    """The shipped rates, overridden by `<workspace_root>/config/tax_rates.csv` if present."""
    if workspace_root is None:
        return _table(None, None)
    path = Path(workspace_root) / OVERRIDE_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return _table(None, None)
    return _table(str(path), (stat.st_mtime_ns, stat.st_size))


def override_stamp(workspace_root: Path) -> tuple[int, int] | None:
    """(mtime, size) of the workspace's override file, None without one: a cache key."""
    try:
        stat = (Path(workspace_root) / OVERRIDE_FILE).stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _table(path: str | None, stamp: tuple[int, int] | None) -> RateTable:
    """The table for an override file at a given (mtime, size): re-read when it changes."""
    if path is None:
        return RateTable(shipped_rates())
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from None
    return RateTable(shipped_rates(), tuple(parse_rate_rows(text, path)))


# ----------------------------------------------------------------------------- VAT numbers


@dataclass(frozen=True, slots=True)
class VatCheck:
    """The outcome of checking a VAT (or ABN / business) number offline."""

    number: str  # as given
    compact: str  # without spaces and punctuation, upper case
    country: str | None  # ISO country of the number (GR for an EL number)
    valid: bool
    reason: str  # why it is invalid, or what was checked when valid


_VALIDATORS = {"GB": gb_vat, "AU": au_abn, "CA": ca_bn}
# EU VAT number prefixes: the member states' codes, with EL (not GR) for Greece; XI
# (Northern Ireland) is left out because the UK rate tables do not cover it.
_EU_VAT_PREFIXES = frozenset(
    "EL" if code == "gr" else code.upper() for code in eu_vat.MEMBER_STATES if code != "xi"
)


@lru_cache(maxsize=1 << 16)  # a customer's number recurs on each of its invoice lines
def check_vat_number(number: str, country: str | None = None) -> VatCheck:
    """Check a VAT number's format and check digits with python-stdnum (no VIES lookup).

    EU numbers carry their member state prefix (DE…, FR…, EL… for Greece); GB numbers
    the GB prefix. When `country` is given the number must belong to it; an Australian
    ABN or Canadian business number is checked when `country` is AU or CA.
    """
    given = str(number)
    compact = re.sub(r"[\s.\-/]", "", given).upper()
    wanted = country.upper() if country else None
    if not compact:
        return VatCheck(given, compact, wanted, False, "empty VAT number")
    if wanted in ("AU", "CA") or (wanted is None and compact[:2] in ("AU", "CA")):
        code = wanted or compact[:2]
        digits = compact[2:] if compact[:2] == code else compact
        return _stdnum_check(given, digits, code, _VALIDATORS[code].validate)
    prefix = compact[:2]
    if not prefix.isalpha():
        return VatCheck(
            given, compact, wanted, False, "a VAT number starts with its country prefix (e.g. DE)"
        )
    number_country = "GR" if prefix == "EL" else prefix
    if wanted is not None and number_country != wanted:
        return VatCheck(
            given,
            compact,
            number_country,
            False,
            f"the number's prefix {prefix} does not match the customer's country {wanted}",
        )
    if number_country == "GB":
        return _stdnum_check(given, compact, "GB", gb_vat.validate)
    if prefix not in _EU_VAT_PREFIXES:
        return VatCheck(
            given, compact, number_country, False, f"{prefix} is not an EU VAT country prefix"
        )
    return _stdnum_check(given, compact, number_country, eu_vat.validate)


def _stdnum_check(
    given: str, compact: str, country: str, validate: Callable[[str], object]
) -> VatCheck:
    try:
        validate(compact)
    except stdnum_errors.InvalidChecksum:
        reason = "the check digit is wrong"
    except stdnum_errors.InvalidLength:
        reason = f"wrong length for a {country} number"
    except stdnum_errors.InvalidFormat:
        reason = f"not in the format of a {country} number"
    except stdnum_errors.InvalidComponent:
        reason = f"a part of the number is not valid for {country}"
    except stdnum_errors.ValidationError as exc:
        reason = str(exc) or "not valid"
    else:
        return VatCheck(
            given, compact, country, True, "format and check digits valid (no VIES lookup made)"
        )
    return VatCheck(given, compact, country, False, reason)


# ----------------------------------------------------------------------------- the engine


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    # CLDR's territories, less its groupings and placeholders (EU, UN, ZZ "Unknown Region")
    not_countries = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
    return frozenset(
        str(k)
        for k in Locale("en").territories
        if _COUNTRY.match(str(k)) and str(k) not in not_countries
    )


def country_code(code: str, *, field_name: str = "country") -> str:
    """An ISO 3166 alpha-2 country code, upper case; unknown codes are an InputError."""
    value = str(code).strip().upper()
    if value == "UK":
        value = "GB"
    if value == "EL":
        value = "GR"
    if value not in _countries():
        raise InputError(f"{field_name} {code!r} is not an ISO 3166 country code (e.g. DE, US)")
    return value


@dataclass(frozen=True)
class TaxProfile:
    """The seller's tax position: home country, foreign registrations, US nexus states."""

    seller_country: str = "US"
    registrations: frozenset[str] = frozenset({EU, "GB", "AU"})
    nexus_states: frozenset[str] = frozenset()

    def registered_in(self, country: str) -> bool:
        if country in self.registrations:
            return True
        return country in EU_MEMBER_STATES and EU in self.registrations


@dataclass(frozen=True, slots=True)
class TaxLine:
    """What the engine needs to know about one invoice line."""

    customer_country: str
    tax_date: dt.date  # the invoice date (tax point)
    net: Money  # amount after discounts, before tax
    vat_number: str | None = None
    customer_region: str | None = None  # province (CA) or state (US)
    is_business: bool | None = None  # None: a business when it gives a tax number


@dataclass(frozen=True, slots=True)
class TaxResult:
    """The tax the engine expects on a line, and why."""

    jurisdiction: str  # e.g. DE, CA-ON, US-NY, or the customer's country when untaxed
    kind: TaxKind | None  # None when no tax applies
    rate: Decimal
    tax: Money
    treatment: Treatment
    note: str
    vat_check: VatCheck | None = None

    @property
    def reverse_charge(self) -> bool:
        return self.treatment is Treatment.REVERSE_CHARGE

    def for_net(self, net: Money) -> TaxResult:
        """The same decision for a line of another net (same currency): only the tax
        changes. What lets revlake.queries.tax_check decide once per group of lines."""
        return replace(self, tax=result_tax(self.kind, self.rate, net))


_ZERO = Decimal(0)


@lru_cache(maxsize=1024)  # a handful of distinct rates, one call per invoice line
def plain_rate(rate: Decimal) -> Decimal:
    """A rate without trailing zeros and never in exponent form: 20.0000 -> 20, 25.50 -> 25.5."""
    normal = rate.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def line_tax(net: Money, rate: Decimal) -> Money:
    """round(net × rate / 100) to the minor unit, half-up (half away from zero)."""
    return Money._trusted(net.amount * rate / _HUNDRED, net.currency).rounded()


def result_tax(kind: TaxKind | None, rate: Decimal, net: Money) -> Money:
    """The tax of a TaxResult on `net`: `line_tax` at `rate` when a tax applies (`kind`),
    a plain zero otherwise."""
    return Money._trusted(_ZERO, net.currency) if kind is None else line_tax(net, rate)


def _untaxed(
    code: str, treatment: Treatment, note: str, net: Money, check: VatCheck | None
) -> TaxResult:
    return TaxResult(code, None, _ZERO, result_tax(None, _ZERO, net), treatment, note, check)


def compute_line_tax(
    profile: TaxProfile, table: RateTable, line: TaxLine, *, strict: bool = True
) -> TaxResult:
    """The tax on one invoice line (see the module docstring for the rules).

    With `strict`, a VAT number that fails its check is an InputError naming the number
    and the reason; otherwise the line is taxed as a consumer's and the failed check is
    returned in `vat_check` so that callers can list it.
    """
    country = country_code(line.customer_country, field_name="customer country")
    seller = country_code(profile.seller_country, field_name="seller country")
    check: VatCheck | None = None
    if line.vat_number and country in CHECKED_COUNTRIES:
        check = check_vat_number(line.vat_number, country)
        if not check.valid and strict:
            raise InputError(f"malformed VAT number {line.vat_number!r}: {check.reason}")
    valid_number = check is not None and check.valid
    business = line.is_business if line.is_business is not None else bool(line.vat_number)
    both_eu = country in EU_MEMBER_STATES and seller in EU_MEMBER_STATES

    if country == "US":
        state = (line.customer_region or "").strip().upper()
        if seller == "US" and not profile.nexus_states:
            return _untaxed(
                "US", Treatment.NOT_REGISTERED, "no US sales tax nexus", line.net, check
            )
        if not state:
            if profile.nexus_states:
                raise InputError(
                    "customer state needed for US sales tax: the seller has nexus in "
                    + ", ".join(sorted(profile.nexus_states))
                )
            return _untaxed(
                "US", Treatment.NOT_REGISTERED, "no US sales tax nexus", line.net, check
            )
        if state not in profile.nexus_states:
            return _untaxed(
                f"US-{state}", Treatment.NOT_REGISTERED, f"no nexus in {state}", line.net, check
            )
        return _taxed(table, f"US-{state}", line, Treatment.US_NEXUS, "state-level rate", check)

    domestic = country == seller or (both_eu and not valid_number)
    if domestic:
        code = _regional_code(country, line.customer_region)
        note = "domestic supply" if country == seller else "intra-EU supply to a consumer"
        return _taxed(table, code, line, Treatment.DOMESTIC, note, check)
    if business and valid_number:
        return _untaxed(
            country,
            Treatment.REVERSE_CHARGE,
            "reverse charge: the customer accounts for the tax",
            line.net,
            check,
        )
    if not profile.registered_in(country):
        return _untaxed(
            country,
            Treatment.NOT_REGISTERED,
            f"export: the seller is not registered for tax in {country}",
            line.net,
            check,
        )
    code = _regional_code(country, line.customer_region)
    note = "destination rate (seller registered)"
    if check is not None and not check.valid:
        note += f"; VAT number {check.number} rejected: {check.reason}"
    return _taxed(table, code, line, Treatment.DESTINATION, note, check)


def _regional_code(country: str, region: str | None) -> str:
    if country != "CA":
        return country
    province = (region or "").strip().upper()
    if not province:
        raise InputError("customer province needed for Canadian GST/HST (e.g. ON, BC, QC)")
    return f"CA-{province}"


def _taxed(
    table: RateTable,
    code: str,
    line: TaxLine,
    treatment: Treatment,
    note: str,
    check: VatCheck | None,
) -> TaxResult:
    row = table.rate(code, line.tax_date)
    tax = result_tax(row.kind, row.rate, line.net)
    return TaxResult(code, row.kind, row.rate, tax, treatment, note, check)


# ----------------------------------------------------------------------------- discrepancies


@dataclass(frozen=True, slots=True)
class ChargedLine:
    """An invoice line as billed: what was charged, with what the engine needs to check it."""

    invoice_line_id: str
    invoice_id: str
    tax_line: TaxLine
    charged_tax: Money
    charged_rate: Decimal | None
    charged_reverse_charge: bool


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A line whose charged tax differs from the tax the rate tables give."""

    invoice_line_id: str
    invoice_id: str
    tax_date: dt.date
    customer_country: str
    jurisdiction: str
    net: Money
    charged_tax: Money
    expected_tax: Money | None
    charged_rate: Decimal | None
    expected_rate: Decimal | None
    reason: str


def find_discrepancies(
    profile: TaxProfile, table: RateTable, lines: Iterable[ChargedLine]
) -> list[Discrepancy]:
    """Lines whose charged tax or reverse-charge status differ from the engine's."""
    found: list[Discrepancy] = []
    for item in lines:
        try:
            expected = compute_line_tax(profile, table, item.tax_line, strict=False)
        except InputError as exc:
            found.append(error_discrepancy(item, str(exc)))
            continue
        discrepancy = line_discrepancy(item, expected)
        if discrepancy is not None:
            found.append(discrepancy)
    return found


def line_discrepancy(item: ChargedLine, expected: TaxResult) -> Discrepancy | None:
    """How the line as charged differs from `expected` (the engine's result for it), with
    every reason; None when it does not."""
    reasons: list[str] = []
    if expected.vat_check is not None and not expected.vat_check.valid:
        reasons.append(
            f"VAT number {expected.vat_check.number} invalid: {expected.vat_check.reason}"
        )
    if item.charged_reverse_charge != expected.reverse_charge:
        reasons.append(
            "reverse-charged but the rules give " + expected.treatment.value.replace("_", " ")
            if item.charged_reverse_charge
            else "not reverse-charged although the customer's VAT number is valid"
        )
    if item.charged_tax != expected.tax:
        rate_text = (
            f"rate {item.charged_rate}% charged, {expected.rate}% expected"
            if item.charged_rate is not None and item.charged_rate != expected.rate
            else "amount differs"
        )
        reasons.append(
            f"tax {item.charged_tax.amount} charged, {expected.tax.amount} expected "
            f"({rate_text}; {expected.note})"
        )
    if not reasons:
        return None
    return _discrepancy(item, expected, expected.jurisdiction, "; ".join(reasons))


def error_discrepancy(item: ChargedLine, error: str) -> Discrepancy:
    """The line as listed when the engine cannot decide it: `error` is its InputError."""
    return _discrepancy(item, None, None, error)


def _discrepancy(
    item: ChargedLine, expected: TaxResult | None, jurisdiction: str | None, reason: str
) -> Discrepancy:
    line = item.tax_line
    return Discrepancy(
        invoice_line_id=item.invoice_line_id,
        invoice_id=item.invoice_id,
        tax_date=line.tax_date,
        customer_country=line.customer_country,
        jurisdiction=jurisdiction or line.customer_country,
        net=line.net,
        charged_tax=item.charged_tax,
        expected_tax=expected.tax if expected is not None else None,
        charged_rate=item.charged_rate,
        expected_rate=expected.rate if expected is not None else None,
        reason=reason,
    )


def profile_from_settings(settings: WorkspaceSettings) -> TaxProfile:
    """The seller's TaxProfile from the workspace settings (tax_seller_country and friends)."""
    return TaxProfile(
        seller_country=settings.tax_seller_country,
        registrations=frozenset(settings.tax_registrations),
        nexus_states=frozenset(settings.tax_nexus_states),
    )
