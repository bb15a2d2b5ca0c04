"""Contracts in the operational store: add, modify, list, load (every write audited).

Service functions on a SQLAlchemy session, used by the CLI (`revlake revrec contracts`)
and the API (`/api/v1/revrec/contracts`). A document is parsed and validated completely
(revlake.finance.contracts) and the schedule is built once before anything is written,
so bad input raises InputError and writes nothing. Each write appends one audit entry
(`revrec_contract.created`, `revrec_contract.modified`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revlake.errors import InputError, NotFound
from revlake.finance.contracts import (
    Contract,
    Milestone,
    Modification,
    Obligation,
    ProgressMeasure,
    Scenario,
    VariableConsideration,
    parse_contract,
    parse_modification,
)
from revlake.finance.money import Money, to_decimal
from revlake.finance.recognition import ContractSchedule, build_schedule
from revlake.store.audit import append_audit, field_changes
from revlake.store.contracts import (
    RevrecContract,
    RevrecEvent,
    RevrecModification,
    RevrecObligation,
)
from revlake.store.tenants import get_tenant, next_tenant_number
from revlake.store.types import utc_now


@dataclass(frozen=True, slots=True)
class StoredContract:
    """A contract read back from the store with its modifications and schedule."""

    id: int  # the contract's number within its tenant (1, 2, 3 …), not the row id
    tenant_id: str
    contract: Contract
    modifications: tuple[Modification, ...]
    created_at: dt.datetime
    created_by: str

    def schedule(self) -> ContractSchedule:
        return build_schedule(self.contract, self.modifications)


def _stored_money(value: Decimal | str, currency: str) -> Money:
    """An amount read back from NUMERIC(20, 4), at its currency's minor unit again."""
    money = Money(Decimal(value), currency)
    return Money(money.amount.quantize(money.quantum), currency)


def _obligation_rows(
    obligations: Sequence[Obligation],
    contract_id: int,
    modification_id: int | None,
    first_position: int,
    actor: str,
) -> tuple[list[RevrecObligation], list[tuple[RevrecObligation, list[RevrecEvent]]]]:
    rows: list[RevrecObligation] = []
    events: list[tuple[RevrecObligation, list[RevrecEvent]]] = []
    now = utc_now()
    for offset, o in enumerate(obligations):
        row = RevrecObligation(
            contract_id=contract_id,
            modification_id=modification_id,
            position=first_position + offset,
            name=o.name,
            ssp=o.ssp.amount,
            pattern=o.pattern,
            start_date=o.start,
            end_date=o.end,
            satisfied_on=o.satisfied_on,
        )
        rows.append(row)
        evs = [
            RevrecEvent(
                kind="milestone",
                event_date=m.on,
                name=m.name,
                percent=m.percent,
                created_at=now,
                created_by=actor,
            )
            for m in o.milestones
        ] + [
            RevrecEvent(
                kind="progress",
                event_date=p.on,
                name=None,
                percent=p.percent,
                created_at=now,
                created_by=actor,
            )
            for p in o.progress
        ]
        events.append((row, evs))
    return rows, events


def _write_obligations(
    session: Session,
    obligations: Sequence[Obligation],
    contract_id: int,
    modification_id: int | None,
    first_position: int,
    actor: str,
) -> None:
    rows, events = _obligation_rows(
        obligations, contract_id, modification_id, first_position, actor
    )
    session.add_all(rows)
    session.flush()
    for row, evs in events:
        for event in evs:
            event.obligation_id = row.id
        session.add_all(evs)


def contract_document(contract: Contract) -> dict[str, Any]:
    """The contract as the JSON document it was entered from (amounts as text)."""
    return {
        "reference": contract.reference,
        "customer_id": contract.customer_id,
        "customer_name": contract.customer_name,
        "currency": contract.currency,
        "start": contract.start.isoformat(),
        "end": contract.end.isoformat(),
        "price": str(contract.fixed_consideration.amount),
        "discount": str(contract.fixed_discount.amount),
        "transaction_price": str(contract.transaction_price.amount),
        "discount_to": list(contract.discount_to),
        "obligations": [o.name for o in contract.obligations],
    }


def add_contract(
    session: Session, tenant_id: str, document: Mapping[str, Any], *, actor: str
) -> StoredContract:
    """Validate a contract document and store it (audited as `revrec_contract.created`)."""
    get_tenant(session, tenant_id)
    contract = parse_contract(document)
    build_schedule(contract)  # every allocation and schedule problem surfaces before writing
    taken = session.execute(
        select(RevrecContract.number).where(
            RevrecContract.tenant_id == tenant_id, RevrecContract.reference == contract.reference
        )
    ).first()
    if taken is not None:
        raise InputError(
            f"reference = {contract.reference!r}: tenant {tenant_id!r} already has a contract "
            f"with this reference (id {taken[0]})"
        )
    variable = contract.variable
    row = RevrecContract(
        tenant_id=tenant_id,
        number=next_tenant_number(session, RevrecContract, tenant_id),
        reference=contract.reference,
        customer_id=contract.customer_id,
        customer_name=contract.customer_name,
        currency=contract.currency,
        start_date=contract.start,
        end_date=contract.end,
        fixed_consideration=contract.fixed_consideration.amount,
        fixed_discount=contract.fixed_discount.amount,
        variable_method=variable.method if variable else None,
        variable_scenarios=[
            {"amount": str(s.amount.amount), "probability": str(s.probability)}
            for s in (variable.scenarios if variable else ())
        ],
        variable_constraint=(
            variable.constraint.amount if variable and variable.constraint else None
        ),
        discount_to=list(contract.discount_to),
        description=contract.description,
        created_at=utc_now(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    _write_obligations(session, contract.obligations, row.id, None, 0, actor)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="revrec_contract.created",
        entity="revrec_contract",
        entity_id=str(row.number),
        tenant_id=tenant_id,
        changes=field_changes(None, contract_document(contract)),
    )
    return StoredContract(row.number, tenant_id, contract, (), row.created_at, actor)


def add_modification(
    session: Session,
    tenant_id: str,
    contract_id: int,
    document: Mapping[str, Any],
    *,
    actor: str,
) -> StoredContract:
    """Validate a modification of a stored contract and store it (audited)."""
    stored = load_contract(session, tenant_id, contract_id)
    row_id = _contract_row(session, tenant_id, contract_id).id
    current = _current_contract(stored)
    modification = parse_modification(document, current)
    if stored.modifications and modification.effective < stored.modifications[-1].effective:
        raise InputError(
            f"effective = {modification.effective.isoformat()} is before the contract's last "
            f"modification ({stored.modifications[-1].effective.isoformat()}): "
            "modifications are entered in date order"
        )
    modifications = (*stored.modifications, modification)
    build_schedule(stored.contract, modifications)  # fails before anything is written
    sequence = len(stored.modifications) + 1
    row = RevrecModification(
        contract_id=row_id,
        sequence=sequence,
        effective_date=modification.effective,
        added_consideration=modification.added_consideration.amount,
        description=modification.description,
        changes={"extend": {k: v.isoformat() for k, v in modification.extend.items()}},
        created_at=utc_now(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    position = session.execute(
        select(func.count()).where(RevrecObligation.contract_id == row_id)
    ).scalar_one()
    _write_obligations(session, modification.add_obligations, row_id, row.id, int(position), actor)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="revrec_contract.modified",
        entity="revrec_contract",
        entity_id=str(contract_id),
        tenant_id=tenant_id,
        changes=field_changes(
            None,
            {
                "modification": sequence,
                "effective": modification.effective.isoformat(),
                "added_consideration": str(modification.added_consideration.amount),
                "add_obligations": [o.name for o in modification.add_obligations],
                "extend": {k: v.isoformat() for k, v in modification.extend.items()},
            },
        ),
    )
    return StoredContract(
        contract_id, tenant_id, stored.contract, modifications, stored.created_at, stored.created_by
    )


def add_progress(
    session: Session,
    tenant_id: str,
    contract_id: int,
    obligation_name: str,
    on: dt.date,
    percent: Decimal | str | int,
    *,
    actor: str,
    today: dt.date | None = None,
) -> StoredContract:
    """Record a progress measurement of a `progress` obligation (audited).

    Measurements are entered as work proceeds, so a new one must be dated after the
    obligation's last measurement and not in the future: revenue already reported for a
    past month is never changed by a late entry.
    """
    stored = load_contract(session, tenant_id, contract_id)
    current = _current_contract(stored)
    obligation = current.obligation(obligation_name)
    if obligation.pattern != "progress":
        raise InputError(
            f"obligation {obligation_name!r} is recognised {obligation.pattern}, not by "
            "progress: only a progress obligation takes measurements"
        )
    value = to_decimal(percent, field="percent")
    if not 0 <= value <= 100:
        raise InputError(f"percent = {percent}: a percentage must be between 0 and 100")
    if value != value.quantize(Decimal("0.000001")):
        raise InputError(f"percent = {percent}: at most 6 decimals")
    last = obligation.progress[-1].on if obligation.progress else None
    if last is not None and on <= last:
        raise InputError(
            f"date = {on.isoformat()} is not after the last measurement of {obligation_name!r} "
            f"({last.isoformat()}): measurements are entered in date order"
        )
    if on > (today or dt.date.today()):
        raise InputError(f"date = {on.isoformat()} is in the future: progress is measured")
    if not current.start <= on <= current.end:
        raise InputError(
            f"date = {on.isoformat()} is outside the contract period "
            f"{current.start.isoformat()} - {current.end.isoformat()}"
        )
    contract_row = _contract_row(session, tenant_id, contract_id).id
    row_id = session.execute(
        select(RevrecObligation.id).where(
            RevrecObligation.contract_id == contract_row, RevrecObligation.name == obligation_name
        )
    ).scalar_one()
    session.add(
        RevrecEvent(
            obligation_id=row_id,
            kind="progress",
            event_date=on,
            name=None,
            percent=value,
            created_at=utc_now(),
            created_by=actor,
        )
    )
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="revrec_contract.progress",
        entity="revrec_contract",
        entity_id=str(contract_id),
        tenant_id=tenant_id,
        changes=field_changes(
            None, {"obligation": obligation_name, "date": on.isoformat(), "percent": str(value)}
        ),
    )
    return load_contract(session, tenant_id, contract_id)


def _current_contract(stored: StoredContract) -> Contract:
    """The contract with the obligations modifications added, for validating a new one."""
    added = tuple(o for m in stored.modifications for o in m.add_obligations)
    if not added:
        return stored.contract
    c = stored.contract
    return Contract(
        reference=c.reference,
        currency=c.currency,
        start=c.start,
        end=max([c.end, *(o.end for o in added if o.end is not None)]),
        fixed_consideration=c.fixed_consideration,
        obligations=(*c.obligations, *added),
        fixed_discount=c.fixed_discount,
        variable=c.variable,
        discount_to=c.discount_to,
        customer_id=c.customer_id,
        customer_name=c.customer_name,
        description=c.description,
    )


def _obligation(row: RevrecObligation, events: Sequence[RevrecEvent], currency: str) -> Obligation:
    return Obligation(
        name=row.name,
        ssp=_stored_money(row.ssp, currency),
        pattern=row.pattern,
        start=row.start_date,
        end=row.end_date,
        satisfied_on=row.satisfied_on,
        milestones=tuple(
            Milestone(e.name or "", e.event_date, Decimal(e.percent))
            for e in sorted(events, key=lambda e: e.event_date)
            if e.kind == "milestone"
        ),
        progress=tuple(
            ProgressMeasure(e.event_date, Decimal(e.percent))
            for e in sorted(events, key=lambda e: e.event_date)
            if e.kind == "progress"
        ),
    )


def _contract_row(session: Session, tenant_id: str, contract_id: int) -> RevrecContract:
    """The row of the tenant's contract number `contract_id` (numbers are per tenant)."""
    row = session.execute(
        select(RevrecContract).where(
            RevrecContract.tenant_id == tenant_id, RevrecContract.number == contract_id
        )
    ).scalar_one_or_none()
    if row is None:
        raise ContractNotFoundError(f"no contract {contract_id} for tenant {tenant_id!r}")
    return row


class ContractNotFoundError(NotFound):
    """The contract id does not exist for this tenant."""


def load_contract(session: Session, tenant_id: str, contract_id: int) -> StoredContract:
    """A stored contract with its modifications, rebuilt as domain objects."""
    row = _contract_row(session, tenant_id, contract_id)
    currency = row.currency
    obligation_rows = list(
        session.execute(
            select(RevrecObligation)
            .where(RevrecObligation.contract_id == row.id)
            .order_by(RevrecObligation.position)
        ).scalars()
    )
    events: dict[int, list[RevrecEvent]] = {o.id: [] for o in obligation_rows}
    if obligation_rows:
        for event in session.execute(
            select(RevrecEvent).where(RevrecEvent.obligation_id.in_(list(events)))
        ).scalars():
            events[event.obligation_id].append(event)
    modification_rows = list(
        session.execute(
            select(RevrecModification)
            .where(RevrecModification.contract_id == row.id)
            .order_by(RevrecModification.sequence)
        ).scalars()
    )
    variable = None
    if row.variable_method:
        variable = VariableConsideration(
            row.variable_method,
            tuple(
                Scenario(_stored_money(s["amount"], currency), Decimal(s["probability"]))
                for s in row.variable_scenarios
            ),
            None
            if row.variable_constraint is None
            else _stored_money(row.variable_constraint, currency),
        )
    contract = Contract(
        reference=row.reference,
        currency=currency,
        start=row.start_date,
        end=row.end_date,
        fixed_consideration=_stored_money(row.fixed_consideration, currency),
        obligations=tuple(
            _obligation(o, events[o.id], currency)
            for o in obligation_rows
            if o.modification_id is None
        ),
        fixed_discount=_stored_money(row.fixed_discount, currency),
        variable=variable,
        discount_to=tuple(row.discount_to),
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        description=row.description,
    )
    modifications = tuple(
        Modification(
            effective=m.effective_date,
            added_consideration=_stored_money(m.added_consideration, currency),
            add_obligations=tuple(
                _obligation(o, events[o.id], currency)
                for o in obligation_rows
                if o.modification_id == m.id
            ),
            extend={
                k: dt.date.fromisoformat(v) for k, v in dict(m.changes.get("extend", {})).items()
            },
            description=m.description,
        )
        for m in modification_rows
    )
    return StoredContract(
        row.number, tenant_id, contract, modifications, row.created_at, row.created_by
    )


def list_contracts(session: Session, tenant_id: str) -> list[StoredContract]:
    """Every contract of the tenant, by number."""
    ids = session.execute(
        select(RevrecContract.number)
        .where(RevrecContract.tenant_id == tenant_id)
        .order_by(RevrecContract.number)
    ).scalars()
    return [load_contract(session, tenant_id, contract_id) for contract_id in ids]


@dataclass(frozen=True, slots=True)
class ContractPosition:
    """A contract's recognised and unrecognised amounts at a date."""

    stored: StoredContract
    as_of: dt.date
    recognised_to_date: Money
    unrecognised: Money


def contracts_as_of(session: Session, tenant_id: str, as_of: dt.date) -> list[ContractPosition]:
    """Every contract started on or before `as_of` with its position at the end of that day.

    Only modifications effective on or before `as_of` count towards the consideration
    (they are prospective, so later ones never change revenue recognised by then).
    """
    positions: list[ContractPosition] = []
    for stored in list_contracts(session, tenant_id):
        if stored.contract.start > as_of:
            continue
        known = tuple(m for m in stored.modifications if m.effective <= as_of)
        schedule = build_schedule(stored.contract, known)
        positions.append(
            ContractPosition(
                stored,
                as_of,
                schedule.recognised_through(as_of),
                schedule.unrecognised_at(as_of),
            )
        )
    return positions
