"""Who sees what: the role → areas table the API and dashboard rely on."""

from __future__ import annotations

import pytest

from revlake.errors import InputError
from revlake.store.roles import (
    FINANCE_BOOKS,
    ROLE_AREAS,
    Area,
    Role,
    areas_for,
    can_access,
    parse_role,
)


def test_every_role_has_an_entry_and_sees_health() -> None:
    assert set(ROLE_AREAS) == set(Role)
    assert all(can_access(role, Area.HEALTH) for role in Role)


def test_finance_sees_receivables_and_schedules_marketing_does_not() -> None:
    assert can_access(Role.FINANCE, Area.AR) and can_access("finance", Area.REVENUE_SCHEDULES)
    assert not can_access(Role.MARKETING, Area.AR)
    assert not can_access(Role.MARKETING, Area.REVENUE_SCHEDULES)
    assert can_access(Role.MARKETING, Area.CHANNELS)


def test_only_admin_administers() -> None:
    assert [r for r in Role if can_access(r, Area.ADMIN)] == [Role.ADMIN]
    assert areas_for(Role.ADMIN) == frozenset(Area)
    assert areas_for(Role.EXECUTIVE) == frozenset(Area) - {Area.ADMIN} - FINANCE_BOOKS


def test_the_finance_books_are_for_finance_and_admin_only() -> None:
    assert {Area.AR, Area.REVENUE_SCHEDULES, Area.AP, Area.TAX} == FINANCE_BOOKS
    for area in FINANCE_BOOKS:
        assert [r for r in Role if can_access(r, area)] == [Role.ADMIN, Role.FINANCE]


def test_sales_sees_pipeline_not_money_books() -> None:
    assert can_access(Role.SALES, Area.PIPELINE)
    assert not (areas_for(Role.SALES) & {Area.AR, Area.REVENUE_SCHEDULES, Area.AUDIT})


def test_parse_role() -> None:
    assert parse_role(" RevOps ") is Role.REVOPS
    with pytest.raises(InputError, match="unknown role 'cfo'; roles: admin, executive"):
        parse_role("cfo")


def test_cli_help_lists_the_same_roles() -> None:
    from revlake.cli.store_cmd import _ROLES

    assert ", ".join(role.value for role in Role) == _ROLES
