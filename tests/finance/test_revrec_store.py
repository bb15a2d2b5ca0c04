"""Contracts in the store on SQLite and PostgreSQL: exact amounts back, audit chain intact,
nothing written on a refused document, tenants kept apart."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from revlake.errors import InputError
from revlake.finance.contract_store import (
    ContractNotFoundError,
    add_contract,
    add_modification,
    list_contracts,
    load_contract,
)
from revlake.finance.money import Money
from revlake.store.audit import verify_chain
from revlake.store.contracts import RevrecContract, RevrecEvent, RevrecObligation
from revlake.store.db import Store
from revlake.store.tenants import add_tenant
from tests.store.conftest import (  # noqa: F401 - fixtures used by name
    database_url,
    postgres_engine,
    sqlite_template,
    store,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)

KWD_CONTRACT: dict[str, Any] = {
    "reference": "KW-1",
    "currency": "KWD",
    "start": "2026-01-01",
    "end": "2027-01-01",
    "price": "10.000",
    "obligations": [
        {"name": "a", "ssp": "1.000", "pattern": "ratable"},
        {"name": "b", "ssp": "1.000", "pattern": "point_in_time", "satisfied_on": "2026-02-01"},
        {
            "name": "c",
            "ssp": "1.000",
            "pattern": "progress",
            "progress": [{"date": "2026-03-31", "percent": "33.333333"}],
        },
    ],
}


def _tenants(store: Store) -> None:  # noqa: F811 - the store fixture
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="tests")
        add_tenant(session, "globex", "Globex", actor="tests")


def test_round_trip_is_exact_and_audited(store: Store) -> None:  # noqa: F811 - the store fixture
    _tenants(store)
    with store.write() as session:
        created = add_contract(session, "acme", KWD_CONTRACT, actor="tests")
    with store.read() as session:
        loaded = load_contract(session, "acme", created.id)
    assert loaded.contract == created.contract
    allocation = [line.allocated for line in loaded.schedule().segments[0].allocation.lines]
    assert allocation == [Money("3.334", "KWD"), Money("3.333", "KWD"), Money("3.333", "KWD")]
    assert loaded.contract.obligations[2].progress[0].percent == Decimal("33.333333")
    with store.write() as session:
        modified = add_modification(
            session,
            "acme",
            created.id,
            {
                "effective": "2026-07-01",
                "added_consideration": "2.000",
                "extend": {"a": "2027-07-01"},
            },
            actor="tests",
        )
    with store.read() as session:
        again = load_contract(session, "acme", created.id)
        report = verify_chain(session)
    assert again.modifications == modified.modifications
    schedule = again.schedule()
    assert schedule.total_consideration == Money("12.000", "KWD")
    before = schedule.recognised_before(modified.modifications[0].effective)
    assert schedule.segments[1].consideration == Money("12.000", "KWD") - before
    assert report.broken is None and report.entries >= 4


def test_refused_document_writes_nothing(store: Store) -> None:  # noqa: F811 - the store fixture
    _tenants(store)
    bad = {**KWD_CONTRACT, "price": "1.0001"}
    refused = r"price = 1.0001: more decimals than KWD allows \(3\)"
    with pytest.raises(InputError, match=refused), store.write() as session:
        add_contract(session, "acme", bad, actor="tests")
    with store.read() as session:
        counts = [
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (RevrecContract, RevrecObligation, RevrecEvent)
        ]
    assert counts == [0, 0, 0]


def test_tenants_are_kept_apart(store: Store) -> None:  # noqa: F811 - the store fixture
    _tenants(store)
    with store.write() as session:
        add_contract(session, "acme", KWD_CONTRACT, actor="tests")
        second = add_contract(session, "acme", {**KWD_CONTRACT, "reference": "KW-2"}, actor="t")
        theirs = add_contract(session, "globex", KWD_CONTRACT, actor="tests")  # same reference
    # ids count per tenant: globex's first contract is 1, whatever acme entered before
    assert (second.id, theirs.id) == (2, 1)
    with store.read() as session:
        assert [c.contract.reference for c in list_contracts(session, "globex")] == ["KW-1"]
        assert load_contract(session, "globex", 1).tenant_id == "globex"
        with pytest.raises(ContractNotFoundError, match="no contract 2 for tenant 'globex'"):
            load_contract(session, "globex", second.id)
    taken = "already has a contract with this reference"
    with pytest.raises(InputError, match=taken), store.write() as session:
        add_contract(session, "acme", KWD_CONTRACT, actor="tests")
