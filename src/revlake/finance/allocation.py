"""ASC 606 / IFRS 15 step 4: allocate a transaction price to performance obligations.

The transaction price is allocated in proportion to each obligation's standalone selling
price (SSP), the "relative SSP method" (ASC 606-10-32-28 to 32-31; IFRS 15.73-80). When
the SSPs add up to more than the price the customer got a bundle discount, which by
default is spread over all obligations in proportion to their SSP (ASC 606-10-32-36;
IFRS 15.81).

A discount may go to some obligations only when the entity has observable evidence that
it belongs to them. ASC 606-10-32-37 (IFRS 15.82) requires all three of:
  (a) the entity regularly sells each distinct good or service (or bundle) on its own;
  (b) it also regularly sells a bundle of some of them at a discount to their SSPs; and
  (c) that bundle's discount is substantially the same as the contract's discount, and
      analysing the goods or services in it gives observable evidence of the obligations
      the whole discount belongs to.
revlake cannot see that evidence: finance marks it by naming the obligations
(`discount_to`), and the other obligations then get exactly their SSP while the discount
is spread over the named ones in proportion to their SSP.

Amounts are rounded to the currency's minor unit by the largest-remainder method, so
the allocated amounts always sum exactly to the transaction price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from revlake.errors import InputError
from revlake.finance.money import CurrencyMismatchError, Money, allocate, money_sum, to_decimal


@dataclass(frozen=True, slots=True)
class PerformanceObligation:
    """A distinct promise in a contract and its standalone selling price."""

    name: str
    ssp: Money


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """What one obligation receives: its allocated price and the discount it bears."""

    name: str
    ssp: Money
    ssp_share: Decimal
    """This obligation's SSP as a fraction of all SSPs (exact to 10 decimals)."""
    allocated: Money
    bears_discount: bool

    @property
    def discount(self) -> Money:
        """SSP minus allocated price (negative when the price carries a premium)."""
        return self.ssp - self.allocated


@dataclass(frozen=True, slots=True)
class Allocation:
    """The result of step 4 for one contract."""

    transaction_price: Money
    lines: tuple[AllocationLine, ...]
    discount_to: tuple[str, ...]
    """Obligations named as bearing the whole discount; empty: spread over all."""

    @property
    def total_ssp(self) -> Money:
        return money_sum((line.ssp for line in self.lines), self.transaction_price.currency)

    @property
    def discount(self) -> Money:
        """Total SSP minus the transaction price (negative: a premium over SSP)."""
        return self.total_ssp - self.transaction_price

    @property
    def total_allocated(self) -> Money:
        return money_sum((line.allocated for line in self.lines), self.transaction_price.currency)


def _check_bookable(amount: Money, what: str) -> None:
    if not amount.is_rounded:
        raise InputError(
            f"{what} = {amount.amount} has more decimals than {amount.currency} allows "
            f"({amount.digits}): give it in whole minor units"
        )


def _validate(
    price: Money, obligations: Sequence[PerformanceObligation]
) -> dict[str, PerformanceObligation]:
    if not price.is_positive:
        raise InputError(f"transaction price must be positive, got {price}")
    _check_bookable(price, "transaction price")
    if not obligations:
        raise InputError("a contract needs at least one performance obligation")
    by_name: dict[str, PerformanceObligation] = {}
    for position, obligation in enumerate(obligations):
        name = obligation.name
        if not name or not name.strip():
            raise InputError(f"obligation {position + 1} has an empty name")
        if name in by_name:
            raise InputError(f"obligation {name!r} is listed twice")
        if obligation.ssp.currency != price.currency:
            raise CurrencyMismatchError(
                f"obligation {name!r}: SSP is in {obligation.ssp.currency} but the "
                f"transaction price is in {price.currency}"
            )
        if not obligation.ssp.is_positive:
            raise InputError(
                f"obligation {name!r}: standalone selling price must be positive, "
                f"got {obligation.ssp}"
            )
        _check_bookable(obligation.ssp, f"obligation {name!r} SSP")
        by_name[name] = obligation
    return by_name


def allocate_transaction_price(
    price: Money,
    obligations: Sequence[PerformanceObligation],
    *,
    discount_to: Sequence[str] | None = None,
) -> Allocation:
    """Allocate `price` over `obligations` by relative SSP (ASC 606 step 4).

    `discount_to` names the obligations the whole bundle discount belongs to (only when
    the ASC 606-10-32-37 evidence exists, see the module doc); left out, the discount is
    spread over every obligation. Raises InputError for a non-positive price or SSP, no
    obligations, duplicate or unknown names, a currency mismatch, amounts finer than the
    minor unit, or a discount_to that cannot absorb the discount.
    """
    by_name = _validate(price, obligations)
    total_ssp = money_sum((o.ssp for o in obligations), price.currency)
    shares = [(o.ssp.amount / total_ssp.amount).quantize(Decimal("1e-10")) for o in obligations]

    if not discount_to:
        if discount_to is not None:
            raise InputError("discount_to is empty: name at least one obligation or leave it out")
        parts = allocate(price, [o.ssp for o in obligations])
        lines = tuple(
            AllocationLine(o.name, o.ssp, share, part, bears_discount=True)
            for o, share, part in zip(obligations, shares, parts, strict=True)
        )
        return Allocation(price, lines, ())

    named = list(discount_to)
    unknown = [name for name in named if name not in by_name]
    if unknown:
        raise InputError(
            f"discount_to names {', '.join(repr(n) for n in unknown)}, which "
            f"{'is' if len(unknown) == 1 else 'are'} not an obligation of this contract "
            f"(obligations: {', '.join(by_name)})"
        )
    if len(set(named)) != len(named):
        raise InputError("discount_to lists an obligation twice")
    discount = total_ssp - price
    if not discount.is_positive:
        raise InputError(
            f"discount_to given, but there is no bundle discount: the transaction price "
            f"{price} is not below the total SSP {total_ssp}"
        )
    named_set = set(named)
    bearing = [o for o in obligations if o.name in named_set]
    bearing_ssp = money_sum((o.ssp for o in bearing), price.currency)
    if discount >= bearing_ssp:
        raise InputError(
            f"the discount {discount} is not smaller than the SSP of the obligations named in "
            f"discount_to ({bearing_ssp}): they would get nothing or less than nothing"
        )
    others = money_sum((o.ssp for o in obligations if o.name not in named_set), price.currency)
    bearing_parts = iter(allocate(price - others, [o.ssp for o in bearing]))
    built: list[AllocationLine] = []
    for o, share in zip(obligations, shares, strict=True):
        if o.name in named_set:
            built.append(AllocationLine(o.name, o.ssp, share, next(bearing_parts), True))
        else:
            built.append(AllocationLine(o.name, o.ssp, share, o.ssp, False))
    return Allocation(price, tuple(built), tuple(named))


def parse_obligation(
    text: str, currency: str, *, field: str = "--obligation"
) -> PerformanceObligation:
    """Parse 'NAME=SSP' (e.g. 'license=60000') into an obligation in `currency`."""
    name, sep, value = text.partition("=")
    if not sep:
        raise InputError(f"{field} {text!r}: expected NAME=SSP, e.g. license=60000")
    name = name.strip()
    if not name:
        raise InputError(f"{field} {text!r}: the obligation name is empty")
    amount = to_decimal(value, field=f"{field} {name}")
    return PerformanceObligation(name, Money(amount, currency))


def parse_names(text: str, *, field: str = "--discount-to") -> list[str]:
    """Parse a comma-separated list of obligation names."""
    names = [part.strip() for part in text.split(",")]
    if any(not name for name in names):
        raise InputError(f"{field} {text!r}: empty obligation name in the list")
    return names
