"""Coverage said plainly: which sources fed each headline metric, and why one is empty.

After a build, for every headline gold table (MRR, pipeline, funnel, receivables …) this
names the sources that fed it (from the `source_system` of its contract entity) with their
record counts, and, when it is empty or missing an input, says why in words ("fct_mrr:
0 rows — no subscription source loaded: …"; "fct_funnel: 12 leads have no created date").
It also names every bronze table no model reads, with how to map it onto the contract,
and, per contract entity, how many rows a later row with the same key superseded (a
re-exported customer list updates its records; the earlier rows stay in bronze).
The report is written into the build as `gold.rpt_coverage` (the data-health page and the
API read it) and printed by `revlake build` / `revlake run`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from revlake.ingest.layouts import Layout


@dataclass(frozen=True)
class Headline:
    """A headline gold table and the contract entity that feeds it."""

    table: str
    title: str
    entity_model: str  # silver model whose source_system values name the feeding sources
    entity_filter: str  # SQL condition on that model's rows that count as input
    needs: str  # what to land when it is empty
    checks: tuple[tuple[str, str], ...] = ()  # (SQL count on the build, message with {n})


HEADLINES: tuple[Headline, ...] = (
    Headline(
        "fct_mrr",
        "MRR, ARR, movements, NRR/GRR, cohorts",
        "int_subscription_periods",
        "is_mrr_line",
        "Stripe invoice line items, or a subscription-periods file (generic_subscriptions: "
        "customer_id, start_date, end_date, mrr or amount + interval)",
        (
            (
                "select count(*) from silver.int_subscription_periods where not is_valid",
                "{n} subscription period(s) could not be valued (see the data health page)",
            ),
        ),
    ),
    Headline(
        "fct_pipeline",
        "pipeline, win probability, forecast",
        "int_opportunities",
        "true",
        "a CRM export of opportunities/deals (Salesforce, HubSpot, Pipedrive …) or a "
        "generic_opportunities file",
        (
            (
                "select count(*) from silver.int_opportunities where not is_valid_dates",
                "{n} opportunity(ies) have no created date or close before they were created: "
                "left out of cycle-time averages, the funnel and the monthly pipeline trend "
                "(open ones still count in the as-of month's open pipeline and are scored "
                "with an imputed age; closed ones still train the win model)",
            ),
        ),
    ),
    Headline(
        "fct_funnel",
        "lead → opportunity → won funnel",
        "int_leads",
        "true",
        "a lead export (Salesforce Lead, generic_leads)",
        (
            (
                "select count(*) from silver.int_leads where not has_created_date",
                "{n} lead(s) have no created date: the funnel cannot place them in a month",
            ),
            (
                "select count(*) from silver.int_leads "
                "where is_converted and converted_date is null and has_created_date",
                "{n} converted lead(s) have no conversion date: counted as converted in the "
                "month they were created",
            ),
        ),
    ),
    Headline(
        "fct_channel_performance",
        "channel spend, CAC and payback",
        "int_marketing_spend",
        "true",
        "ad-platform reports (Google, Meta, LinkedIn, Microsoft Ads) or a "
        "generic_marketing_spend file",
    ),
    Headline(
        "fct_ar_invoices",
        "receivables, aging, DSO",
        "int_invoices",
        "is_countable",
        "invoices (Stripe, QuickBooks, Chargebee …, generic_invoices) and their payments",
    ),
    Headline(
        "fct_revenue_schedule",
        "ASC 606 schedule, deferred revenue",
        "int_invoice_lines",
        "true",
        "invoice lines with service periods (Stripe invoice line items, generic_invoice_lines)",
    ),
    Headline(
        "fct_tax_lines",
        "tax report",
        "int_invoice_lines",
        "true",
        "invoice lines with tax (Stripe invoice line items, generic_invoice_lines)",
    ),
    Headline(
        "fct_ap_balance_events",
        "payables aging, DPO",
        "int_vendor_bills",
        "true",
        "vendor bills (Xero bills, generic_vendor_bills)",
    ),
    Headline(
        "fct_bank_transactions",
        "bank reconciliation",
        "int_bank_lines",
        "true",
        "a bank statement (bank_statement, generic_bank_lines)",
    ),
    Headline(
        "fct_sales",
        "sales, profit, products and customers of orders",
        "int_order_lines",
        "true",
        "sales order lines (ERP exports, generic_order_lines)",
    ),
    Headline(
        "fct_churn_events",
        "recorded cancellations and their reasons",
        "int_churn_events",
        "is_valid",
        "a churn or cancellation log (generic_churn_events)",
    ),
    Headline(
        "fct_support_tickets",
        "support tickets per customer",
        "int_support_tickets",
        "is_valid",
        "a helpdesk export (generic_support_tickets)",
    ),
    Headline(
        "dim_contact",
        "contacts",
        "int_contacts",
        "true",
        "a contact export (Salesforce Contact, generic_contacts)",
    ),
    Headline(
        "dim_customer",
        "customers",
        "int_customers",
        "not is_inferred",
        "a customer or account export (Stripe customers, CRM accounts, generic_customers)",
    ),
)


@dataclass(frozen=True)
class MetricCoverage:
    """How one headline table was fed in a build."""

    table: str
    title: str
    rows: int
    sources: dict[str, int]
    message: str


@dataclass
class CoverageReport:
    """Coverage of a build: every headline table, and bronze tables nothing reads."""

    metrics: list[MetricCoverage] = field(default_factory=list)
    unread_tables: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        empty = [m.message for m in self.metrics if m.rows == 0]
        return [*empty, *self.unread_tables]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    try:
        [(value,)] = con.execute(sql).fetchall()
    except duckdb.Error:
        return 0
    return int(value or 0)


def _metric(con: duckdb.DuckDBPyConnection, headline: Headline) -> MetricCoverage:
    rows = _scalar(con, f"select count(*) from gold.{headline.table}")
    try:
        found = con.execute(
            f"select source_system, count(*) from silver.{headline.entity_model} "
            f"where {headline.entity_filter} group by 1 order by 1"
        ).fetchall()
    except duckdb.Error:
        found = []
    sources = {str(source): int(count) for source, count in found if source is not None}
    notes = []
    for sql, template in headline.checks:
        n = _scalar(con, sql)
        if n:
            notes.append(template.format(n=f"{n:,}"))
    if rows == 0 and not sources:
        message = (
            f"{headline.table}: 0 rows — nothing loaded feeds {headline.title}: "
            f"land {headline.needs}"
        )
    elif rows == 0:
        fed = ", ".join(f"{s} ({n:,})" for s, n in sources.items())
        message = f"{headline.table}: 0 rows although {fed} loaded"
    else:
        fed = ", ".join(f"{s} ({n:,})" for s, n in sources.items())
        message = (
            f"{headline.table}: {rows:,} rows from {fed}"
            if fed
            else (
                f"{headline.table}: {rows:,} rows, all derived from other entities (no "
                f"{headline.title} file loaded)"
            )
        )
    if notes:
        message += "; " + "; ".join(notes)
    return MetricCoverage(headline.table, headline.title, rows, sources, message)


def _superseded(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Per contract entity, rows replaced by a later row with the same key."""
    from revlake.contract import ENTITIES

    lines = []
    for name, entity in ENTITIES.items():
        try:
            found = con.execute(
                f"select source_system, sum(_versions - 1), count(*) filter (_versions > 1) "
                f"from silver.stg_generic__{name} where _versions > 1 group by 1 order by 1"
            ).fetchall()
        except duckdb.Error:
            continue
        for source, rows, records in found:
            keys = ", ".join(
                f"{k} (its month)" if entity.field(k).as_month else k for k in entity.keys
            )
            lines.append(
                f"{name} ({source}): {int(rows):,} row(s) superseded by a later row with the "
                f"same {keys} ({int(records):,} record(s)); the latest row of each is used, "
                "the earlier ones stay in bronze"
            )
    return lines


def _read_tables(manifest: Path | None, layouts: Sequence[Layout]) -> set[str]:
    """Bronze tables some model reads: declared sources models depend on, mapped layouts."""
    read = {layout.name for layout in layouts if layout.entity}
    if manifest is not None and manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        for node in data.get("nodes", {}).values():
            for dependency in node.get("depends_on", {}).get("nodes", []):
                if dependency.startswith("source.revlake.bronze."):
                    read.add(dependency.rsplit(".", 1)[-1])
    return read


def bronze_tables(bronze: Path) -> dict[str, int]:
    """Rows per bronze table (bookkeeping tables left out)."""
    con = duckdb.connect(str(bronze), read_only=True)
    try:
        names = [
            str(r[0])
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main' "
                "and table_name not like '\\_%' escape '\\' order by 1"
            ).fetchall()
        ]
        return {name: _scalar(con, f'select count(*) from main."{name}"') for name in names}
    finally:
        con.close()


def coverage_report(
    build: Path, bronze: Path, manifest: Path | None, layouts: Sequence[Layout]
) -> CoverageReport:
    """The coverage of a finished build (DuckDB file) over the tenant's bronze."""
    report = CoverageReport()
    con = duckdb.connect(str(build), read_only=True)
    try:
        report.metrics = [_metric(con, headline) for headline in HEADLINES]
        report.superseded = _superseded(con)
    finally:
        con.close()
    read = _read_tables(manifest, layouts)
    by_name = {layout.name: layout for layout in layouts}
    for table, rows in bronze_tables(bronze).items():
        if table in read or rows == 0:
            continue
        layout = by_name.get(table)
        origin = (
            "a workspace layout"
            if layout and not layout.origin.startswith("builtin:")
            else "its layout"
        )
        report.unread_tables.append(
            f"bronze table {table} ({rows:,} rows) is not read by any model: map {origin} onto "
            "a data-contract entity (`entity = ...` and `[columns]`, docs/DATA-CONTRACT.md) "
            "so its rows reach the metrics"
        )
    return report


def write_coverage(build: Path, report: CoverageReport) -> None:
    """Store the report in the build as `gold.rpt_coverage` (one row per line of it)."""
    con = duckdb.connect(str(build))
    try:
        con.execute(
            "create or replace table gold.rpt_coverage (kind varchar, subject varchar, "
            "title varchar, rows bigint, sources varchar, message varchar)"
        )
        rows: list[tuple[str, str, str | None, int | None, str | None, str]] = [
            ("metric", m.table, m.title, m.rows, json.dumps(m.sources), m.message)
            for m in report.metrics
        ]
        rows += [
            ("unread_table", message.split(" ", 3)[2], None, None, None, message)
            for message in report.unread_tables
        ]
        rows += [
            ("superseded", message.split(" ", 1)[0], None, None, None, message)
            for message in report.superseded
        ]
        if rows:
            con.executemany("insert into gold.rpt_coverage values (?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()
