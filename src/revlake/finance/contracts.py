"""Contracts entered by finance: performance obligations, transaction price, modifications.

This is the domain model of ASC 606 / IFRS 15 steps 1-3 for contracts that billing does
not describe (multi-element deals, services, milestones). It is pure Python on `Money`;
`revlake.finance.recognition` turns a contract into a schedule and
`revlake.finance.contract_store` keeps it in the operational store.

Transaction price (ASC 606-10-32-2 to 32-14; IFRS 15.47-59):
    fixed consideration − fixed discount + constrained variable consideration.
Variable consideration is estimated by the method finance names:
  - `expected_value`: Σ amount × probability over the scenarios (probabilities sum to 1);
  - `most_likely`: the amount of the most probable scenario (on a tie, the smaller).
The estimate is then constrained (ASC 606-10-32-11; IFRS 15.56): only the amount for
which a significant reversal is highly probable not to occur is included. revlake cannot
judge that, so finance gives it as `constraint`, an upper bound; the included amount is
min(estimate, constraint), rounded half-up to the minor unit. Without a constraint the
whole estimate is included (finance asserts no reversal risk).

Recognition patterns of an obligation:
  - `ratable`: evenly by day over [start, end) (end exclusive, as invoice periods);
  - `point_in_time`: all on `satisfied_on`;
  - `milestones`: each milestone (date, percent of the obligation) on its date; the
    percents must add up to exactly 100;
  - `progress`: percentage of completion; measurements (date, cumulative percent
    complete, 0-100) give cumulative revenue = allocated × percent (a lower later
    measurement reverses revenue: the cumulative catch-up of ASC 606-10-32-42/43).

Contract files (JSON or TOML) are parsed with `parse_contract` / `parse_modification`;
every problem is an InputError naming the field (`obligations[2].ssp`) and the value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from revlake.errors import InputError
from revlake.finance.money import Money, currency_code, to_decimal

PATTERNS = ("ratable", "point_in_time", "milestones", "progress")
VARIABLE_METHODS = ("expected_value", "most_likely")
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Milestone:
    """A milestone of an obligation: achieved on `on`, worth `percent` of the obligation."""

    name: str
    on: dt.date
    percent: Decimal


@dataclass(frozen=True, slots=True)
class ProgressMeasure:
    """A measurement of progress: cumulative percent complete on a date (0-100)."""

    on: dt.date
    percent: Decimal


@dataclass(frozen=True, slots=True)
class Obligation:
    """A performance obligation with its SSP and recognition pattern."""

    name: str
    ssp: Money
    pattern: str
    start: dt.date | None = None
    end: dt.date | None = None
    satisfied_on: dt.date | None = None
    milestones: tuple[Milestone, ...] = ()
    progress: tuple[ProgressMeasure, ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    """One possible amount of variable consideration and its probability (0-1)."""

    amount: Money
    probability: Decimal


@dataclass(frozen=True, slots=True)
class VariableConsideration:
    """Variable consideration: scenarios, the estimation method and the constraint."""

    method: str
    scenarios: tuple[Scenario, ...]
    constraint: Money | None = None

    def estimate(self) -> Money:
        """The unconstrained estimate by `method` (full precision)."""
        currency = self.scenarios[0].amount.currency
        if self.method == "expected_value":
            total = Decimal(0)
            for scenario in self.scenarios:
                total += scenario.amount.amount * scenario.probability
            return Money(total, currency)
        best = max(self.scenarios, key=lambda s: (s.probability, -s.amount.amount))
        return best.amount

    def included(self) -> Money:
        """What enters the transaction price: min(estimate, constraint), rounded half-up."""
        estimate = self.estimate()
        if self.constraint is not None and self.constraint < estimate:
            estimate = self.constraint
        return estimate.rounded(ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Contract:
    """A contract entered by finance (ASC 606 steps 1-3)."""

    reference: str
    currency: str
    start: dt.date
    end: dt.date
    fixed_consideration: Money
    obligations: tuple[Obligation, ...]
    fixed_discount: Money
    variable: VariableConsideration | None = None
    discount_to: tuple[str, ...] = ()
    customer_id: str | None = None
    customer_name: str | None = None
    description: str | None = None

    @property
    def transaction_price(self) -> Money:
        """Fixed consideration − fixed discount + the constrained variable consideration."""
        price = self.fixed_consideration - self.fixed_discount
        if self.variable is not None:
            price = price + self.variable.included()
        return price

    def obligation(self, name: str) -> Obligation:
        for obligation in self.obligations:
            if obligation.name == name:
                return obligation
        raise InputError(
            f"contract {self.reference!r} has no obligation {name!r} "
            f"(obligations: {', '.join(o.name for o in self.obligations)})"
        )


@dataclass(frozen=True, slots=True)
class Modification:
    """A contract modification, accounted for prospectively from `effective`.

    ASC 606-10-25-13(a) / IFRS 15.21(a): when the remaining goods or services are distinct
    from those transferred before, the modification is treated as the termination of the
    existing contract and the creation of a new one: the consideration not yet recognised
    plus `added_consideration` (negative for a price reduction) is allocated over the
    remaining obligations (unsatisfied parts of existing ones, `add_obligations`) by
    relative SSP; revenue recognised before `effective` is left untouched.
    `extend` moves the end of ratable obligations (new exclusive end date).
    """

    effective: dt.date
    added_consideration: Money
    add_obligations: tuple[Obligation, ...] = ()
    extend: Mapping[str, dt.date] = field(default_factory=dict)
    description: str | None = None


# ---------------------------------------------------------------------------- parsing


def load_document(path: Path) -> dict[str, Any]:
    """Read a JSON or TOML contract/modification file; numbers are read as exact Decimals."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    try:
        if suffix == ".json":
            data = json.loads(text, parse_float=Decimal)
        elif suffix == ".toml":
            data = tomllib.loads(text, parse_float=Decimal)
        else:
            raise InputError(f"{path}: expected a .json or .toml file, got {suffix or 'none'}")
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object at the top level")
    return data


CONTRACT_FIELDS = frozenset(
    {
        "reference",
        "customer_id",
        "customer_name",
        "currency",
        "start",
        "end",
        "price",
        "discount",
        "variable",
        "discount_to",
        "obligations",
        "description",
    }
)
OBLIGATION_FIELDS = frozenset(
    {"name", "ssp", "pattern", "currency", "start", "end", "satisfied_on", "milestones", "progress"}
)
MODIFICATION_FIELDS = frozenset(
    {"effective", "added_consideration", "add_obligations", "extend", "description"}
)


def _known(data: Mapping[str, Any], fields: frozenset[str], where: str) -> None:
    """Refuse fields the document format does not have (a typo would be silently lost)."""
    unknown = sorted(str(key) for key in data if key not in fields)
    if unknown:
        raise InputError(
            f"{where}{unknown[0]}: unknown field (expected one of {', '.join(sorted(fields))})"
        )


def _require(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] is None or data[key] == "":
        raise InputError(f"{where}{key}: required field is missing")
    return data[key]


MAX_TEXT = {"reference": 100, "customer_id": 100}
"""Longest text per field (the store's column sizes); other texts: 200, descriptions: any."""
MAX_AMOUNT = Decimal(10) ** 15
FIRST_YEAR, LAST_YEAR = 1900, 2199


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = _require(data, key, where) if required else data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}{key} = {value!r}: expected non-empty text")
    longest = MAX_TEXT.get(key, 200) if key != "description" else 10_000
    if len(value.strip()) > longest:
        raise InputError(f"{where}{key}: longer than {longest} characters")
    return value.strip()


def _date(value: Any, name: str) -> dt.date:
    day: dt.date | None = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        raise InputError(f"{name} = {value!r}: expected a date YYYY-MM-DD")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(
            f"{name} = {day.isoformat()}: expected a year from {FIRST_YEAR} to {LAST_YEAR}"
        )
    return day


def _opt_date(data: Mapping[str, Any], key: str, where: str) -> dt.date | None:
    value = data.get(key)
    return None if value is None or value == "" else _date(value, f"{where}{key}")


def _money(value: Any, currency: str, name: str) -> Money:
    if isinstance(value, Mapping):
        given = value.get("currency")
        if given is not None and currency_code(str(given)) != currency:
            raise InputError(
                f"{name}: amount in {given} but the contract is in {currency}: "
                "mixed currencies in one contract are not allowed"
            )
        value = value.get("amount")
    money = Money(to_decimal(value, field=name), currency)
    if abs(money.amount) >= MAX_AMOUNT:
        raise InputError(f"{name} = {value}: amounts must be below {MAX_AMOUNT:,}")
    if not money.is_rounded:
        raise InputError(f"{name} = {value}: more decimals than {currency} allows ({money.digits})")
    return Money(money.amount.quantize(money.quantum), currency)  # "100" → 100.00


def _percent(value: Any, name: str) -> Decimal:
    number = to_decimal(value, field=name)
    if number < 0 or number > HUNDRED:
        raise InputError(f"{name} = {value}: a percentage must be between 0 and 100")
    return number


def _currency(value: Any, name: str) -> str:
    try:
        return currency_code(str(value))
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def parse_obligation(
    data: Any, currency: str, where: str, *, contract_start: dt.date, contract_end: dt.date
) -> Obligation:
    """One obligation from its mapping; dates are checked against the contract period."""
    if not isinstance(data, Mapping):
        raise InputError(f"{where.rstrip('.')}: expected an object, got {data!r}")
    _known(data, OBLIGATION_FIELDS, where)
    name = _text(data, "name", where)
    assert name is not None
    if "currency" in data and _currency(data["currency"], f"{where}currency") != currency:
        raise InputError(
            f"{where}currency = {data['currency']!r} but the contract is in {currency}: "
            "mixed currencies in one contract are not allowed"
        )
    ssp = _money(_require(data, "ssp", where), currency, f"{where}ssp")
    if not ssp.is_positive:
        raise InputError(f"{where}ssp = {data['ssp']}: a standalone selling price must be > 0")
    pattern = _text(data, "pattern", where)
    if pattern not in PATTERNS:
        raise InputError(f"{where}pattern = {pattern!r}: expected one of {', '.join(PATTERNS)}")

    def inside(day: dt.date, label: str) -> None:
        if not contract_start <= day <= contract_end:
            raise InputError(
                f"{label} = {day.isoformat()} is outside the contract period "
                f"{contract_start.isoformat()} - {contract_end.isoformat()}"
            )

    start = _opt_date(data, "start", where)
    end = _opt_date(data, "end", where)
    satisfied_on = _opt_date(data, "satisfied_on", where)
    milestones: list[Milestone] = []
    progress: list[ProgressMeasure] = []
    if pattern == "ratable":
        start = start or contract_start
        end = end or contract_end
        if end <= start:
            raise InputError(
                f"{where}end = {end.isoformat()} is not after start = {start.isoformat()} "
                "(end is exclusive)"
            )
        inside(start, f"{where}start")
        inside(end, f"{where}end")
    elif pattern == "point_in_time":
        if satisfied_on is None:
            raise InputError(f"{where}satisfied_on: required for a point_in_time obligation")
        inside(satisfied_on, f"{where}satisfied_on")
    elif pattern == "milestones":
        items = data.get("milestones")
        if not isinstance(items, list) or not items:
            raise InputError(f"{where}milestones: give at least one milestone")
        total = Decimal(0)
        for i, item in enumerate(items):
            at = f"{where}milestones[{i}]."
            if not isinstance(item, Mapping):
                raise InputError(f"{at.rstrip('.')}: expected an object")
            _known(item, frozenset({"name", "date", "percent"}), at)
            on = _date(_require(item, "date", at), f"{at}date")
            inside(on, f"{at}date")
            pct = _percent(_require(item, "percent", at), f"{at}percent")
            total += pct
            milestones.append(
                Milestone(_text(item, "name", at, required=False) or f"m{i + 1}", on, pct)
            )
        if total != HUNDRED:
            raise InputError(
                f"{where}milestones: the percents add up to {total}, not 100: the milestones "
                "must cover the whole obligation"
            )
        milestones.sort(key=lambda m: m.on)
    else:
        items = data.get("progress") or []
        if not isinstance(items, list):
            raise InputError(f"{where}progress: expected a list of measurements")
        seen: set[dt.date] = set()
        for i, item in enumerate(items):
            at = f"{where}progress[{i}]."
            if not isinstance(item, Mapping):
                raise InputError(f"{at.rstrip('.')}: expected an object")
            _known(item, frozenset({"date", "percent"}), at)
            on = _date(_require(item, "date", at), f"{at}date")
            inside(on, f"{at}date")
            if on in seen:
                raise InputError(f"{at}date = {on.isoformat()}: two measurements on one day")
            seen.add(on)
            progress.append(
                ProgressMeasure(on, _percent(_require(item, "percent", at), f"{at}percent"))
            )
        progress.sort(key=lambda p: p.on)
    return Obligation(
        name=name,
        ssp=ssp,
        pattern=pattern,
        start=start if pattern == "ratable" else None,
        end=end if pattern == "ratable" else None,
        satisfied_on=satisfied_on if pattern == "point_in_time" else None,
        milestones=tuple(milestones),
        progress=tuple(progress),
    )


def _variable(data: Any, currency: str) -> VariableConsideration | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise InputError("variable: expected an object with method and scenarios")
    _known(data, frozenset({"method", "scenarios", "constraint"}), "variable.")
    method = _text(data, "method", "variable.")
    if method not in VARIABLE_METHODS:
        raise InputError(
            f"variable.method = {method!r}: expected one of {', '.join(VARIABLE_METHODS)}"
        )
    items = data.get("scenarios")
    if not isinstance(items, list) or not items:
        raise InputError("variable.scenarios: give at least one {amount, probability}")
    scenarios: list[Scenario] = []
    total = Decimal(0)
    for i, item in enumerate(items):
        at = f"variable.scenarios[{i}]."
        if not isinstance(item, Mapping):
            raise InputError(f"{at.rstrip('.')}: expected an object")
        _known(item, frozenset({"amount", "probability"}), at)
        amount = _money(_require(item, "amount", at), currency, f"{at}amount")
        if amount.is_negative:
            raise InputError(f"{at}amount = {item['amount']}: must not be negative")
        probability = to_decimal(_require(item, "probability", at), field=f"{at}probability")
        if not 0 <= probability <= 1:
            raise InputError(f"{at}probability = {probability}: must be between 0 and 1")
        total += probability
        scenarios.append(Scenario(amount, probability))
    if method == "expected_value" and total != 1:
        raise InputError(f"variable.scenarios: probabilities add up to {total}, not 1")
    if method == "most_likely" and total > 1:
        raise InputError(f"variable.scenarios: probabilities add up to {total}, more than 1")
    constraint = None
    if data.get("constraint") is not None:
        constraint = _money(data["constraint"], currency, "variable.constraint")
        if constraint.is_negative:
            raise InputError(f"variable.constraint = {data['constraint']}: must not be negative")
    return VariableConsideration(method, tuple(scenarios), constraint)


def parse_contract(data: Mapping[str, Any]) -> Contract:
    """A validated Contract from a JSON/TOML document (see docs/FINANCE.md for the fields)."""
    _known(data, CONTRACT_FIELDS, "")
    reference = _text(data, "reference", "")
    assert reference is not None
    currency = _currency(_require(data, "currency", ""), "currency")
    start = _date(_require(data, "start", ""), "start")
    end = _date(_require(data, "end", ""), "end")
    if end <= start:
        raise InputError(
            f"end = {end.isoformat()} is not after start = {start.isoformat()} "
            "(the contract period's end is exclusive)"
        )
    price = _money(_require(data, "price", ""), currency, "price")
    if price.is_negative:
        raise InputError(f"price = {data['price']}: must not be negative")
    discount = _money(data.get("discount", 0), currency, "discount")
    if discount.is_negative:
        raise InputError(f"discount = {data.get('discount')}: give a discount as a positive amount")
    items = data.get("obligations")
    if not isinstance(items, list) or not items:
        raise InputError(
            "obligations: a contract needs at least one performance obligation to carry its price"
        )
    obligations = [
        parse_obligation(
            item, currency, f"obligations[{i}].", contract_start=start, contract_end=end
        )
        for i, item in enumerate(items)
    ]
    names = [o.name for o in obligations]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"obligations: {duplicates[0]!r} is listed twice")
    discount_to = data.get("discount_to") or []
    if not isinstance(discount_to, list) or not all(isinstance(n, str) for n in discount_to):
        raise InputError(f"discount_to = {discount_to!r}: expected a list of obligation names")
    unknown = [n for n in discount_to if n not in names]
    if unknown:
        raise InputError(
            f"discount_to names {unknown[0]!r}, which is not an obligation of this contract"
        )
    contract = Contract(
        reference=reference,
        currency=currency,
        start=start,
        end=end,
        fixed_consideration=price,
        fixed_discount=discount,
        variable=_variable(data.get("variable"), currency),
        obligations=tuple(obligations),
        discount_to=tuple(discount_to),
        customer_id=_text(data, "customer_id", "", required=False),
        customer_name=_text(data, "customer_name", "", required=False),
        description=_text(data, "description", "", required=False),
    )
    if not contract.transaction_price.is_positive:
        raise InputError(
            f"transaction price = {contract.transaction_price}: price − discount + variable "
            "consideration must be positive for the obligations to carry it"
        )
    return contract


def parse_modification(data: Mapping[str, Any], contract: Contract) -> Modification:
    """A validated Modification of `contract` from a JSON/TOML document."""
    _known(data, MODIFICATION_FIELDS, "")
    effective = _date(_require(data, "effective", ""), "effective")
    if effective <= contract.start:
        raise InputError(
            f"effective = {effective.isoformat()} is not after the contract start "
            f"{contract.start.isoformat()}: a modification applies to a contract under way"
        )
    added = _money(data.get("added_consideration", 0), contract.currency, "added_consideration")
    new_end = max(contract.end, effective)
    items = data.get("add_obligations") or []
    if not isinstance(items, list):
        raise InputError("add_obligations: expected a list of obligations")
    extend_raw = data.get("extend") or {}
    if not isinstance(extend_raw, Mapping):
        raise InputError("extend: expected {obligation name: new end date}")
    extend: dict[str, dt.date] = {}
    for name, value in extend_raw.items():
        obligation = contract.obligation(str(name))
        if obligation.pattern != "ratable":
            raise InputError(f"extend.{name}: only a ratable obligation has a period to extend")
        new = _date(value, f"extend.{name}")
        if new <= effective:
            raise InputError(
                f"extend.{name} = {new.isoformat()} is not after the modification date "
                f"{effective.isoformat()}"
            )
        extend[str(name)] = new
        new_end = max(new_end, new)
    horizon = max(
        [new_end, *(_opt_date(i, "end", "") or new_end for i in items if isinstance(i, Mapping))]
    )
    added_obligations = tuple(
        parse_obligation(
            item,
            contract.currency,
            f"add_obligations[{i}].",
            contract_start=effective,
            contract_end=horizon,
        )
        for i, item in enumerate(items)
    )
    existing = {o.name for o in contract.obligations}
    for obligation in added_obligations:
        if obligation.name in existing:
            raise InputError(
                f"add_obligations: {obligation.name!r} is already an obligation of the contract"
            )
    if not added_obligations and not extend and added.is_zero:
        raise InputError(
            "the modification changes nothing: give added_consideration, add_obligations or extend"
        )
    return Modification(
        effective=effective,
        added_consideration=added,
        add_obligations=added_obligations,
        extend=extend,
        description=_text(data, "description", "", required=False),
    )


def check_modification_order(modifications: Sequence[Modification]) -> None:
    """Modifications apply in date order: each one on or after the previous one."""
    for before, after in itertools.pairwise(modifications):
        if after.effective < before.effective:
            raise InputError(
                f"modification effective {after.effective.isoformat()} is before the previous "
                f"modification ({before.effective.isoformat()}): modifications apply in order"
            )
