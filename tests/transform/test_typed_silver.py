"""Silver parses every value with the format ingest detected for its file.

A Salesforce Data Export in US locale (`02/03/24`, `02/23/26 08:55 PM`) used to be read by
`try_cast` as year 2 and as null, and the build then failed a relationships test; now the
build publishes and every date in gold equals the one in the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from revlake.ingest import run_ingest
from revlake.transform.build import build_tenant
from revlake.workspace import Workspace, init_workspace

TENANT = "sfus"


def _csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


ACCOUNTS = _csv(
    "Id,IsDeleted,Name,Type,Industry,BillingCountry,NumberOfEmployees,AnnualRevenue,OwnerId,"
    "CreatedDate",
    '001A,false,Acme Corp,Customer,Manufacturing,United States,"1,200","5,000,000.00",005A,'
    "01/15/24 09:30 AM",
    '001B,false,Globex,Prospect,Energy,United States,45,"750,000.00",005A,11/02/25 04:05 PM',
)
USERS = _csv(
    "Id,Username,LastName,FirstName,Name,IsActive,CreatedDate",
    "005A,ann@example.com,Lee,Ann,Ann Lee,true,01/02/23 08:00 AM",
)
# CloseDate M/D/YY, CreatedDate M/D/YY h:mm AM/PM; amounts with thousands separators.
OPPORTUNITIES = _csv(
    "Id,IsDeleted,AccountId,Name,StageName,Amount,Probability,CloseDate,Type,LeadSource,"
    "IsClosed,IsWon,ForecastCategoryName,OwnerId,CreatedDate,LastStageChangeDate",
    '006A,false,001A,Acme renewal,Closed Won,"12,500.00",100,02/03/24,Renewal,Web,true,true,'
    "Closed,005A,01/15/24 09:30 AM,02/03/24 10:00 AM",
    '006B,false,001A,Acme expansion,Closed Lost,"3,000.00",0,11/30/24,Upsell,Partner,true,'
    "false,Omitted,005A,10/01/24 01:15 PM,11/30/24 05:45 PM",
    '006C,false,001B,Globex pilot,Negotiation,"8,250.50",60,03/15/26,New Business,Web,false,'
    "false,Pipeline,005A,02/23/26 08:55 PM,02/27/26 11:20 AM",
)
LEADS = _csv(
    "Id,IsDeleted,LastName,FirstName,Company,Status,LeadSource,OwnerId,IsConverted,"
    "ConvertedDate,ConvertedAccountId,ConvertedOpportunityId,CreatedDate",
    "00QA,false,Moss,Jen,Acme Corp,Converted,Web,005A,true,01/15/24,001A,006A,01/10/24 07:00 AM",
    "00QB,false,Roy,Tim,Initech,Working,Web,005A,false,,,,02/20/26 03:30 PM",
)


@pytest.fixture(scope="module")
def us_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    workspace = init_workspace(tmp_path_factory.mktemp("sf-us") / "ws", [TENANT])
    landing = workspace.landing_dir(TENANT)
    landing.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("Account.csv", ACCOUNTS),
        ("User.csv", USERS),
        ("Opportunity.csv", OPPORTUNITIES),
        ("Lead.csv", LEADS),
    ):
        (landing / name).write_text(text, encoding="utf-8")
    summary = run_ingest(workspace, TENANT, strict=True, settle_s=0)
    assert {f.path: f.layout for f in summary.files} == {
        "Account.csv": "salesforce_account",
        "User.csv": "salesforce_user",
        "Opportunity.csv": "salesforce_opportunity",
        "Lead.csv": "salesforce_lead",
    }
    build = build_tenant(workspace, TENANT)
    assert build.published, [f"{n.name}: {n.message}" for n in build.failures]
    assert build.snapshot is not None
    return workspace, build.snapshot


def _rows(snapshot: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_opportunity_date_equals_the_file(us_export: tuple[Workspace, Path]) -> None:
    _, snapshot = us_export
    rows = _rows(
        snapshot,
        "select opportunity_id, created_date, close_date, amount from gold.fct_pipeline "
        "order by opportunity_id",
    )
    assert rows == [
        ("006A", dt.date(2024, 1, 15), dt.date(2024, 2, 3), pytest.approx(12500.00)),
        ("006B", dt.date(2024, 10, 1), dt.date(2024, 11, 30), pytest.approx(3000.00)),
        ("006C", dt.date(2026, 2, 23), dt.date(2026, 3, 15), pytest.approx(8250.50)),
    ]


def test_timestamps_keep_their_time_of_day(us_export: tuple[Workspace, Path]) -> None:
    _, snapshot = us_export
    assert _rows(
        snapshot, "select lead_id, created_at from silver.stg_salesforce__leads order by 1"
    ) == [
        ("00QA", dt.datetime(2024, 1, 10, 7, 0)),
        ("00QB", dt.datetime(2026, 2, 20, 15, 30)),
    ]
    assert _rows(
        snapshot,
        "select employees, annual_revenue from silver.stg_salesforce__accounts "
        "where account_id = '001A'",
    ) == [(1200, pytest.approx(5_000_000.00))]


def test_the_detected_formats_are_recorded_with_the_load(
    us_export: tuple[Workspace, Path],
) -> None:
    workspace, _ = us_export
    con = duckdb.connect(str(workspace.bronze_path(TENANT)), read_only=True)
    try:
        formats = dict(
            con.execute(
                "select column_name, format from _column_formats "
                "where table_name = 'salesforce_opportunity' "
                "and column_name in ('close_date', 'created_date', 'amount')"
            ).fetchall()
        )
    finally:
        con.close()
    assert formats == {
        "close_date": "%m/%d/%y",
        "created_date": "%m/%d/%y %I:%M %p",
        "amount": "num:.:,:",
    }
