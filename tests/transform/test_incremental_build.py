"""Incremental builds publish exactly what a full rebuild would (issue 17, item 1).

A small synthetic company lands as daily drops (revlake.demo.drops: everything before the
last three days, then one folder per day), followed by a late file (FX rates and a bank line
for days long past), a corrected file (invoices exported again with another status and
amount) and a CRM-only change. After each landing `build_tenant` chooses its plan
(revlake.transform.incremental); at two points a copy of the workspace is rebuilt in full
and every silver and gold table of both builds is compared row by row.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.demo.drops import split_daily_drops, write_csv
from revlake.transform import snapshots
from revlake.transform.build import BuildSummary, build_tenant
from revlake.transform.catalog import schema_tables
from revlake.transform.incremental import (
    COMPACT_GROWTH,
    PARTITIONS_SCHEMA,
    STATE_SCHEMA,
    BuildMode,
    BuildState,
    plan_build,
    read_state,
)
from revlake.transform.project import GOLD_SCHEMA, SILVER_SCHEMA
from revlake.transform.spark import compare_gold, gold_tables
from revlake.workspace import Workspace, init_workspace
from tests.company_support import CompanySpec, GeneratedCompanies, copy_workspace
from tests.transform.drops_support import csv_rows, land, late_files, schemas_of

TENANT = "demo"
COMPANY = CompanySpec(customers=40, seed=7)
DAYS = 3


@dataclass
class Sequence:
    """The workspace after each landing, and what each build did."""

    workspace: Workspace
    root: Path
    builds: dict[str, BuildSummary] = field(default_factory=dict)
    compared: dict[str, list[str]] = field(default_factory=dict)  # step → differences
    tables_compared: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # step → file, compact
    # step → partitioned model it rebuilt → (partitions recomputed, partitions held)
    partitions: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)


def _corrected_invoices(exports: Path, out: Path) -> Path:
    """Two 2024 invoices exported again, corrected: a later due date, another country."""
    header, rows = csv_rows(exports / "billing/invoices.csv")
    due, country = header.index("Due Date (UTC)"), header.index("Customer Address Country")
    chosen = [r for r in rows if r[header.index("Date (UTC)")].startswith("2024-")][:2]
    first, second = list(chosen[0]), list(chosen[1])
    first[due] = first[due].replace("2024-", "2025-", 1)
    second[country] = "DE" if second[country] != "DE" else "FR"
    write_csv(out / "billing" / "invoices_corrected.csv", header, [first, second])
    return out


def _invoice_moved(exports: Path, out: Path) -> Path:
    """One paid subscription invoice exported again under another customer: its subscription
    now appears under two customers, where the receivables facts cannot be cut by customer,
    and its revenue moves from one customer to the other."""
    header, rows = csv_rows(exports / "billing/invoices.csv")
    customer, subscription = header.index("Customer"), header.index("Subscription")
    status, subtotal = header.index("Status"), header.index("Subtotal")
    moved = list(
        next(r for r in rows if r[subscription] and r[status] == "paid" and float(r[subtotal]) > 0)
    )
    moved[customer] = next(r[customer] for r in rows if r[customer] != moved[customer])
    write_csv(out / "billing" / "invoices_moved.csv", header, [moved])
    return out


def _crm_change(exports: Path, out: Path, stage: str = "Negotiation/Review") -> Path:
    """One open deal moves stage (the CRM export of the deals that changed that day)."""
    header, rows = csv_rows(exports / "crm/Opportunity.csv")
    column, closed = header.index("StageName"), header.index("IsClosed")
    deal = list(next(r for r in rows if r[closed] == "false"))
    deal[column] = stage
    name = stage.split("/")[0].replace(" ", "_")
    write_csv(out / "crm" / f"Opportunity_changed_{name}.csv", header, [deal])
    return out


def _crm_day(exports: Path, out: Path) -> Path:
    """A later day of CRM exports: a lead corrected (another source, no campaign) and a new
    one; an open deal closed won on a day after every other record (the source's as-of date
    moves), with its stage history record."""
    header, rows = csv_rows(exports / "crm/Lead.csv")
    source, campaign, key = (header.index(c) for c in ("LeadSource", "Campaign_ID__c", "Id"))
    corrected, new = list(rows[0]), list(rows[1])
    corrected[source], corrected[campaign] = "Partner Referral", ""
    new[key] = new[key][:-4] + "9999"
    write_csv(out / "crm" / "Lead_changed.csv", header, [corrected, new])
    header, rows = csv_rows(exports / "crm/Opportunity.csv")
    closed = header.index("IsClosed")
    deal = list([r for r in rows if r[closed] == "false"][1])
    for column, value in (
        ("StageName", "Closed Won"),
        ("IsClosed", "true"),
        ("IsWon", "true"),
        ("Probability", "100"),
        ("CloseDate", "2026-01-03"),
        ("LastStageChangeDate", "2026-01-03 10:00:00"),
    ):
        deal[header.index(column)] = value
    write_csv(out / "crm" / "Opportunity_changed_Closed.csv", header, [deal])
    amount, owner = deal[header.index("Amount")], deal[header.index("OwnerId")]
    header, _ = csv_rows(exports / "crm/OpportunityHistory.csv")
    record = {
        "Id": "008RL9999999999999",
        "OpportunityId": deal[0],
        "CreatedDate": "2026-01-03 10:00:00",
        "StageName": "Closed Won",
        "Amount": amount,
        "Probability": "100",
        "CloseDate": "2026-01-03",
        "CreatedById": owner,
    }
    write_csv(out / "crm" / "OpportunityHistory_changed.csv", header, [[record[c] for c in header]])
    return out


def _months_earlier(stamp: str, months: int) -> str:
    """A 'YYYY-MM-DD…' stamp `months` months earlier (the day of month kept: at most 28)."""
    year, month = int(stamp[:4]), int(stamp[5:7]) - months
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}{stamp[7:]}"


def _backdated_invoice(exports: Path, out: Path) -> Path:
    """A customer's first monthly subscription invoice exported again three months earlier
    (new invoice and line ids, still open): the customer now first paid three months
    before, churned, and came back in the month that was its first, whose movement turns
    from new into reactivation although none of that month's MRR rows changed."""
    header, rows = csv_rows(exports / "billing/invoices.csv")
    line_header, lines = csv_rows(exports / "billing/invoice_line_items.csv")
    at = {c: header.index(c) for c in header}
    line_at = {c: line_header.index(c) for c in line_header}
    monthly = {
        r[line_at["Invoice ID"]]
        for r in lines
        if r[line_at["Plan Interval"]] == "month" and r[line_at["Plan Interval Count"]] == "1"
    }
    first: dict[str, list[str]] = {}
    for row in sorted(rows, key=lambda r: r[at["Date (UTC)"]]):
        first.setdefault(row[at["Customer"]], row)
    invoice = next(
        list(r)
        for r in first.values()
        if r[at["id"]] in monthly
        and r[at["Status"]] == "paid"
        and r[at["Date (UTC)"]] >= "2023-06"
        and int(r[at["Date (UTC)"]][8:10]) <= 28
        and int(r[at["Period Start (UTC)"]][8:10]) <= 28
        and int(r[at["Period End (UTC)"]][8:10]) <= 28
    )
    old_id, new_id = invoice[at["id"]], invoice[at["id"]][:-4] + "bd01"
    invoice[at["id"]], invoice[at["Number"]] = new_id, invoice[at["Number"]] + "-BD"
    for column in ("Date (UTC)", "Due Date (UTC)", "Period Start (UTC)", "Period End (UTC)"):
        invoice[at[column]] = _months_earlier(invoice[at[column]], 3)
    # still open (no charge was exported for it): its balance is what it bills
    invoice[at["Status"]], invoice[at["Paid"]], invoice[at["Attempt Count"]] = "open", "false", "0"
    invoice[at["Amount Paid"]], invoice[at["Amount Remaining"]] = "0.00", invoice[at["Amount Due"]]
    copied = []
    for number, line in enumerate(r for r in lines if r[line_at["Invoice ID"]] == old_id):
        line = list(line)
        line[line_at["id"]] = f"{line[line_at['id']][:-4]}bd{number:02d}"
        line[line_at["Invoice ID"]] = new_id
        for column in ("Period Start (UTC)", "Period End (UTC)"):
            line[line_at[column]] = _months_earlier(line[line_at[column]], 3)
        copied.append(line)
    write_csv(out / "billing" / "invoices_backdated.csv", header, [invoice])
    write_csv(out / "billing" / "invoice_line_items_backdated.csv", line_header, copied)
    return out


def _keyless_bank_lines(exports: Path, out: Path, *, corrected: bool) -> Path:
    """A bank statement without an ID column (its lines are keyed by file and row), then the
    same file exported again with the second line's amount corrected: the re-export
    replaces the lines it repeats instead of adding them."""
    header, rows = csv_rows(exports / "bank/bank_statement.csv")
    keep = [i for i, column in enumerate(header) if column != "ID"]
    lines = [[r[i] for i in keep] for r in rows if r[0].startswith("2024-")][:3]
    if corrected:
        amount = [header[i] for i in keep].index("Amount")
        lines[1][amount] = f"{float(lines[1][amount]) + 12.34:.2f}"
    write_csv(out / "bank" / "bank_statement_no_ids.csv", [header[i] for i in keep], lines)
    return out


def _changed_partitions(snapshot: Path, model: str) -> tuple[int, int]:
    """(partitions the model's last incremental run recomputed, partitions it holds)."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        got = con.execute(
            f'select (select count(*) from {PARTITIONS_SCHEMA}."{model}__changed"), '
            f'(select count(*) from {PARTITIONS_SCHEMA}."{model}")'
        ).fetchone()
    assert got is not None
    return int(got[0]), int(got[1])


def _partitions_recomputed(build: BuildSummary) -> dict[str, tuple[int, int]]:
    """What each partitioned model an incremental build ran recomputed (none in a full one)."""
    if build.plan is None or build.plan.mode is not BuildMode.INCREMENTAL:
        return {}
    assert build.snapshot is not None
    with duckdb.connect(str(build.snapshot), read_only=True) as con:
        kept = set(schema_tables(con, PARTITIONS_SCHEMA))
    rebuilt = {n.name for n in build.invocation.of_type("model")}
    return {
        m: _changed_partitions(build.snapshot, m)
        for m in sorted(rebuilt)
        if m in kept and f"{m}__changed" in kept
    }


def _compare_with_full(sequence: Sequence, step: str) -> None:
    """Rebuild a copy of the workspace in full; record every table that differs."""
    incremental = sequence.builds[step].snapshot
    assert incremental is not None
    copy = copy_workspace(sequence.workspace, sequence.root / f"full-{step}")
    full = build_tenant(copy, TENANT, full=True)
    assert full.published and full.snapshot is not None
    differences: list[str] = []
    count = 0
    for schema in (SILVER_SCHEMA, GOLD_SCHEMA):
        mine, theirs = gold_tables(incremental, schema), gold_tables(full.snapshot, schema)
        if set(mine) != set(theirs):
            differences.append(f"{schema}: tables differ {set(mine) ^ set(theirs)}")
        comparisons = compare_gold(full.snapshot, incremental, schema=schema)
        count += len(comparisons)
        differences += [f"{schema}.{c.describe(2)}" for c in comparisons if not c.equal]
    sequence.compared[step] = differences
    sequence.tables_compared[step] = count
    shutil.rmtree(copy.root)


@pytest.fixture(scope="module")
def sequence(
    generated_companies: GeneratedCompanies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sequence]:
    root = tmp_path_factory.mktemp("incremental")
    exports = generated_companies(COMPANY) / "exports"
    folders = split_daily_drops(exports, root / "drops", days=DAYS)
    workspace = init_workspace(root / "ws", tenants=(TENANT,))
    run = Sequence(workspace, root)
    steps = [(f.name, f) for f in folders]
    steps += [
        ("late", late_files(exports, root / "late")),
        ("bank-keyless", _keyless_bank_lines(exports, root / "bank1", corrected=False)),
        ("bank-reexported", _keyless_bank_lines(exports, root / "bank2", corrected=True)),
        ("corrected", _corrected_invoices(exports, root / "corrected")),
        ("crm-only", _crm_change(exports, root / "crm")),
        ("crm-day", _crm_day(exports, root / "crm-day")),
        ("backdated", _backdated_invoice(exports, root / "backdated")),
        ("moved", _invoice_moved(exports, root / "moved")),
    ]
    for step, folder in steps:
        land(workspace, TENANT, folder)
        # every share of the model time goes incremental here: the path under test
        run.builds[step] = build_tenant(workspace, TENANT, max_incremental_share=1.0)
        assert run.builds[step].published, (step, run.builds[step].failures)
        snapshot = run.builds[step].snapshot
        assert snapshot is not None
        state = read_state(snapshot)
        assert state is not None
        run.sizes[step] = (snapshot.stat().st_size, state.compact_bytes)
        run.partitions[step] = _partitions_recomputed(run.builds[step])
        compared = {folders[-1].name, "bank-reexported", "crm-only", "crm-day", "backdated"}
        if step in compared | {"moved"}:
            _compare_with_full(run, step)
    run.builds["again"] = build_tenant(workspace, TENANT, max_incremental_share=1.0)
    yield run


def test_the_first_build_is_full_and_each_drop_after_it_incremental(sequence: Sequence) -> None:
    modes = {step: b.plan.mode for step, b in sequence.builds.items() if b.plan}
    assert modes.pop("initial") is BuildMode.FULL
    assert modes.pop("again") is BuildMode.UP_TO_DATE
    assert set(modes.values()) == {BuildMode.INCREMENTAL}, modes
    first = sequence.builds["initial"]
    assert any(n.resource_type == "unit_test" for n in first.invocation.nodes)
    for step, build in sequence.builds.items():
        if build.plan and build.plan.mode is BuildMode.INCREMENTAL:
            assert 0 < build.models_total < first.models_total, step
            # the unit tests passed in the build of the same project, dbt and vars
            assert not any(n.resource_type == "unit_test" for n in build.invocation.nodes)


def test_incremental_builds_equal_a_full_rebuild_row_by_row(sequence: Sequence) -> None:
    assert len(sequence.compared) == 6 and "moved" in sequence.compared
    for step, differences in sequence.compared.items():
        assert not differences, f"{step}:\n" + "\n".join(differences)
        # silver and gold: dozens of tables, not a vacuous comparison
        assert sequence.tables_compared[step] > 60, step


def test_a_late_or_corrected_file_rebuilds_what_it_feeds(sequence: Sequence) -> None:
    late = sequence.builds["late"].plan
    assert late is not None
    assert set(late.changed_tables) == {"fx_rates", "bank_statement"}
    rebuilt = {n.name for n in sequence.builds["late"].invocation.of_type("model")}
    assert {"stg_fx__rates", "fct_mrr", "fct_deferred_revenue_monthly"} <= rebuilt
    corrected = sequence.builds["corrected"].plan
    assert corrected is not None and corrected.changed_tables == ("stripe_invoices",)
    rebuilt = {n.name for n in sequence.builds["corrected"].invocation.of_type("model")}
    assert {"fct_ar_invoices", "fct_revenue_schedule"} <= rebuilt


def test_a_bank_statement_exported_again_without_ids_replaces_its_lines(
    sequence: Sequence,
) -> None:
    """stg_bank__transactions is keyed by the line id, or by file and row without one: the
    re-exported file's build read only the bronze rows of the keys its load holds, the
    corrected amount replaced the first export's (no line twice: its unique test passed),
    and the step equals a full rebuild (compared row by row above)."""
    build = sequence.builds["bank-reexported"]
    assert build.plan is not None and build.plan.changed_tables == ("bank_statement",)
    (node,) = [n for n in build.invocation.of_type("model") if n.name == "stg_bank__transactions"]
    assert node.compiled_code is not None and "__changed_keys" in node.compiled_code
    assert build.snapshot is not None
    with duckdb.connect(str(build.snapshot), read_only=True) as con:
        lines = con.execute(
            f"select transaction_id, amount from {SILVER_SCHEMA}.stg_bank__transactions "
            "where transaction_id like '%bank_statement_no_ids.csv:%' order by transaction_id"
        ).fetchall()
    assert len(lines) == 3, lines
    first = sequence.builds["bank-keyless"].snapshot
    assert first is not None
    with duckdb.connect(str(first), read_only=True) as con:
        before = dict(
            con.execute(
                f"select transaction_id, amount from {SILVER_SCHEMA}.stg_bank__transactions "
                "where transaction_id like '%bank_statement_no_ids.csv:%'"
            ).fetchall()
        )
    changed = [(key, amount) for key, amount in lines if before[key] != amount]
    assert len(changed) == 1 and float(changed[0][1] - before[changed[0][0]]) == 12.34


def test_keyed_staging_models_read_only_the_keys_the_new_loads_hold(sequence: Sequence) -> None:
    """The corrected invoice export rebuilds stg_stripe__invoices from its two keys (the
    pre-hook deletes them, the model reads the bronze rows of those keys from every load);
    the identity test above proves the result equals a full rebuild."""
    build = sequence.builds["corrected"]
    (node,) = [n for n in build.invocation.of_type("model") if n.name == "stg_stripe__invoices"]
    assert node.compiled_code is not None
    assert f"{STATE_SCHEMA}.new_loads" in node.compiled_code
    snapshot = build.snapshot
    assert snapshot is not None
    with duckdb.connect(str(snapshot), read_only=True) as con:
        # the new loads do not outlive the build: its state replaced the schema
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [STATE_SCHEMA],
            ).fetchall()
        }
    assert tables == {"state"}


def test_partitioned_facts_recompute_only_the_partitions_whose_inputs_changed(
    sequence: Sequence,
) -> None:
    """The corrected export changes two invoices: the revenue schedule recomputes those two
    invoices and the receivables facts their customers, not the company."""
    snapshot = sequence.builds["corrected"].snapshot
    assert snapshot is not None
    for model in ("fct_revenue_schedule", "fct_tax_lines"):
        recomputed, invoices = _changed_partitions(snapshot, model)
        assert recomputed == 2 and invoices > 100, model
    for model in ("fct_ar_balance_events", "fct_ar_invoices"):
        customers, every = _changed_partitions(snapshot, model)
        assert 1 <= customers <= 2 and every > 20, model
    # their revenue schedule rows are unchanged (a due date and a country are not revenue)
    assert _changed_partitions(snapshot, "fct_deferred_revenue_native")[0] == 0
    # the open-invoice aging (cut by customer): the customers of the two invoices
    customers, every = _changed_partitions(snapshot, "fct_ar_open_invoices_native")
    assert 1 <= customers <= 2 and every > 20
    # the corrected invoices change no subscription period
    customers, every = _changed_partitions(snapshot, "int_customer_months_aggregated")
    assert customers <= 2 and every > 20
    # not fed by the invoices: not rebuilt, so no partitions of this build
    rebuilt = sequence.partitions["corrected"]
    assert "fct_ar_payment_attempts" not in rebuilt and "fct_revenue_schedule" in rebuilt
    with duckdb.connect(str(snapshot), read_only=True) as con:
        kept = schema_tables(con, PARTITIONS_SCHEMA)
    assert "fct_ar_payment_attempts" in kept
    assert "fct_ar_payment_attempts__changed" not in kept


def test_a_subscription_under_two_customers_recomputes_every_customer(
    sequence: Sequence,
) -> None:
    """An invoice moved to another customer leaves its subscription under two: the
    receivables facts are recomputed for every customer (their cut does not hold), and so is
    the open-invoice aging, which takes their recomputed customers as its own; the revenue
    schedule, cut by invoice, for that invoice alone, and the deferred revenue for the two
    customers it left and joined; the identity test compares the step with a full
    rebuild."""
    recomputed = sequence.partitions["moved"]
    for model in ("fct_ar_balance_events", "fct_ar_invoices"):
        customers, every = recomputed[model]
        assert customers == every > 20, model
    assert recomputed["fct_revenue_schedule"][0] == 1
    # the invoice's schedule rows left one customer for another: those two customers
    customers, every = recomputed["fct_deferred_revenue_native"]
    assert customers == 2 and every > 20
    # the open-invoice aging takes the receivables facts' recomputed customers as changed
    # (every customer with an invoice: more than the customers with an open one)
    customers, every = recomputed["fct_ar_open_invoices_native"]
    assert customers >= every > 20


def test_a_day_recomputes_the_months_of_mrr_it_moves(sequence: Sequence) -> None:
    """The MRR facts, their KPIs and the deferred revenue conversion are cut by month: a
    day's invoices and FX rate move the current month (and the one after it, for the
    movements; the months after it, for deferred revenue), not the company's history; the
    CRM change does not reach them at all."""
    daily = [step for step in sequence.builds if step.startswith("day")]
    assert daily
    for step in daily:
        for model in ("fct_mrr", "fct_mrr_movements"):
            months, every = sequence.partitions[step][model]
            assert 1 <= months <= 3 and every > 12, (step, model, months, every)
        # the KPIs read MRR months m, m - 1 and m - 12 and the movements of m: the months
        # after those the MRR facts recomputed, from their stored hashes, not the history
        mrr_months = sequence.partitions[step]["fct_mrr"][0]
        movement_months = sequence.partitions[step]["fct_mrr_movements"][0]
        months, every = sequence.partitions[step]["kpi_revenue_monthly"]
        assert 1 <= months <= 3 * mrr_months + movement_months < every, (step, months, every)
        # deferred revenue converts each month at its last day's rate, the latest known for
        # the current month and the months a contract defers into: those, not the history
        months, every = sequence.partitions[step]["fct_deferred_revenue_monthly"]
        assert 1 <= months < every / 2, (step, months, every)
    assert "fct_mrr" not in sequence.partitions["crm-only"]


def test_an_earlier_first_paying_month_recomputes_the_old_one(sequence: Sequence) -> None:
    """The back-dated invoice moves a customer's first paying month three months earlier:
    the month that was its first keeps its MRR rows, yet its movement turns from new into
    reactivation — the movements recompute it (their inputs hash each customer's first
    paying month into that month), and the step equals a full rebuild (compared above)."""
    before, after = sequence.builds["crm-day"].snapshot, sequence.builds["backdated"].snapshot
    assert before is not None and after is not None
    query = f"""
        select customer_key, month_start_date, movement_type
        from {GOLD_SCHEMA}.fct_mrr_movements where movement_type in ('new', 'reactivation')"""
    with duckdb.connect(str(before), read_only=True) as con:
        earlier = {(r[0], r[1]): r[2] for r in con.execute(query).fetchall()}
    with duckdb.connect(str(after), read_only=True) as con:
        later = {(r[0], r[1]): r[2] for r in con.execute(query).fetchall()}
    flipped = [k for k, kind in later.items() if kind == "reactivation" and earlier.get(k) == "new"]
    assert len(flipped) == 1, flipped
    months, every = sequence.partitions["backdated"]["fct_mrr_movements"]
    assert months < every, (months, every)


def test_a_day_recomputes_the_aging_of_the_customers_it_touches(sequence: Sequence) -> None:
    """The open-invoice aging is cut by customer: a day's invoices, payments and FX rate
    (for a day after the last month end) recompute the customers whose invoices or balance
    events changed, not every customer; the stage conversion's per-deal rows recompute the
    deals the day's CRM exports carry and the open deals, not every deal."""
    daily = [step for step in sequence.builds if step.startswith("day")]
    touched = 0
    for step in daily:
        customers, every = sequence.partitions[step]["fct_ar_open_invoices_native"]
        # its conversion is cut by month end: a day's events and rate fall after every
        # month end reported but its own, which a month's last day adds
        month_ends, every_end = sequence.partitions[step]["fct_ar_open_invoices_monthly"]
        if _ends_a_month(step):  # a new month end to report, for every customer
            assert customers == every, (step, customers, every)
            assert month_ends == 1 < every_end, (step, month_ends, every_end)
        else:
            assert customers < every / 2, (step, customers, every)
            assert month_ends == 0 < every_end, (step, month_ends, every_end)
            touched += customers
        deals, every_deal = sequence.partitions[step]["fct_opportunity_stages_reached"]
        assert deals < every_deal, (step, deals, every_deal)
    assert touched > 0
    assert any(_ends_a_month(step) for step in daily)  # both cases were met


def _ends_a_month(step: str) -> bool:
    """Whether a daily step (`day-YYYY-MM-DD`) lands the last day of a month."""
    day = date.fromisoformat(step.removeprefix("day-"))
    return (day + timedelta(days=1)).day == 1


def test_a_partitioned_facts_row_tests_read_only_the_recomputed_partitions(
    sequence: Sequence,
) -> None:
    """In an incremental build, the tests of a partitioned fact that fail on one partition's
    rows alone (not null, accepted values, uniqueness over columns holding the key) read the
    partitions the build recomputed (macros/tests/changed_partitions_scope.sql), those of a
    keyed staging model the keys it rebuilt; uniqueness without the key and the per-line
    revenue check read those partitions and the rows that share a tested value with them;
    the relationships read the whole table, as does every test of a full build."""
    day = next(
        build
        for step, build in sequence.builds.items()
        if step.startswith("day") and "fct_revenue_schedule" in sequence.partitions[step]
    )
    compiled = {n.name: n.compiled_code or "" for n in day.invocation.of_type("test")}
    scoped = {name for name, sql in compiled.items() if "__changed" in sql}
    assert "not_null_fct_mrr_month_start_date" in scoped
    assert "unique_combination_fct_mrr_customer_key__month_start_date" in scoped
    assert "not_null_fct_revenue_schedule_invoice_line_id" in scoped
    # uniqueness without the partition key (invoice lines cut by invoice, invoices by
    # customer) and the per-line singular test: the recomputed rows and those sharing values
    for name in (
        "unique_combination_fct_revenue_schedule_invoice_line_id__month_start_date",
        "unique_fct_ar_invoices_invoice_id",
        "assert_revenue_schedule_sums_to_lines",
    ):
        assert name in scoped
        assert "in (select" in compiled[name].split("__changed")[0]
    # a fact cut two ways (deferred revenue's conversion: by month, and by the customers the
    # roll-forward recomputed): its tests read the rows of both cuts
    deferred = compiled["not_null_fct_deferred_revenue_monthly_closing_rc"]
    assert '"fct_deferred_revenue_monthly__changed"' in deferred
    assert '"fct_deferred_revenue_native__changed"' in deferred
    # a keyed staging model's tests: the keys the day's loads rebuilt
    assert "__changed_keys" in compiled["unique_stg_stripe__invoices_invoice_id"]
    assert "__changed_keys" in compiled["not_null_stg_stripe__invoices_invoice_id"]
    # relationships, tests of models that are neither: whole tables
    assert not any(name.startswith("relationships_") for name in scoped)
    assert "not_null_fct_pipeline_opportunity_id" in compiled
    assert "not_null_fct_pipeline_opportunity_id" not in scoped
    assert 10 < len(scoped) < len(compiled) / 2
    first = sequence.builds["initial"]
    assert not any("__changed" in (n.compiled_code or "") for n in first.invocation.of_type("test"))


def test_a_scoped_uniqueness_test_finds_a_duplicate_of_an_untouched_row(
    sequence: Sequence, tmp_path: Path
) -> None:
    """A recomputed partition's row that repeats the tested values of a row the build left
    alone is a duplicate: the scoped uniqueness test and the per-line revenue check both
    report it (reading the recomputed partitions alone, they would not)."""
    step, build = [
        (step, build)
        for step, build in sequence.builds.items()
        if "fct_revenue_schedule" in sequence.partitions.get(step, {})
        and build.snapshot is not None
        and build.snapshot.is_file()
    ][-1]
    assert build.snapshot is not None
    tests = {n.name: n.compiled_code or "" for n in build.invocation.of_type("test")}
    unique_test = tests["unique_combination_fct_revenue_schedule_invoice_line_id__month_start_date"]
    per_line_test = tests["assert_revenue_schedule_sums_to_lines"]
    copy = snapshots.building_path(tmp_path)  # the compiled SQL names the build's catalog
    shutil.copy(build.snapshot, copy)
    changed = f'(select partition_key from {PARTITIONS_SCHEMA}."fct_revenue_schedule__changed")'
    with duckdb.connect(str(copy)) as con:
        assert con.execute(unique_test).fetchall() == [], step
        assert con.execute(per_line_test).fetchall() == [], step
        untouched = con.execute(
            f"""select invoice_line_id, month_start_date from {GOLD_SCHEMA}.fct_revenue_schedule
            where hash(invoice_id) not in {changed} order by all limit 1"""
        ).fetchone()
        assert untouched is not None
        con.execute(
            f"""insert into {GOLD_SCHEMA}.fct_revenue_schedule
            select * replace (?::varchar as invoice_line_id, ?::date as month_start_date)
            from {GOLD_SCHEMA}.fct_revenue_schedule
            where hash(invoice_id) in {changed}
            order by invoice_line_id, month_start_date
            limit 1""",
            list(untouched),
        )
        duplicate = con.execute(unique_test).fetchall()
        broken_lines = {row[0] for row in con.execute(per_line_test).fetchall()}
    assert [row[:2] for row in duplicate] == [untouched]
    assert duplicate[0][-1] == 2
    assert broken_lines == {untouched[0]}


def test_a_deal_moving_stage_recomputes_only_its_own_partitions(sequence: Sequence) -> None:
    """The CRM-only step moves one open deal (its as-of date unchanged): the stage history
    recomputes that deal alone, not the other deals, and the leads are not rebuilt at all;
    a daily drop recomputes the deals and leads it carries (and the open deals when the
    as-of date moves), not every one."""
    build = sequence.builds["crm-only"]
    snapshot = build.snapshot
    assert snapshot is not None
    header, (deal,) = csv_rows(sequence.root / "crm/crm/Opportunity_changed_Negotiation.csv")
    deal_id = deal[header.index("Id")]
    recomputed, every = _changed_partitions(snapshot, "fct_opportunity_stage_history")
    assert recomputed == 1 and every > 20
    with duckdb.connect(str(snapshot), read_only=True) as con:
        # the one partition is the deal's
        hit = con.execute(
            f'select count(*) from {PARTITIONS_SCHEMA}."fct_opportunity_stage_history__changed" '
            "where partition_key = hash(?::varchar)",
            [deal_id.strip()],
        ).fetchone()
    assert hit == (1,)
    # the stages it reached (the stage conversion's input) are recomputed for the deals the
    # stage history recomputed (their partitions there are the changed ones): that deal
    reached, every_deal = _changed_partitions(snapshot, "fct_opportunity_stages_reached")
    assert reached == 1 and every_deal > 20
    assert "int_leads" not in sequence.partitions["crm-only"]


def test_a_day_of_crm_exports_recomputes_the_leads_and_deals_it_changed(
    sequence: Sequence,
) -> None:
    """The CRM day corrects a lead and adds one (two lead partitions) and closes a deal on a
    later day, which moves Salesforce's as-of date: the stage history recomputes that deal
    and the open Salesforce deals (their current stage runs to the as-of date), never the
    closed deals. The identity test compares this step with a full rebuild."""
    recomputed = sequence.partitions["crm-day"]
    leads, every_lead = recomputed["int_leads"]
    assert leads == 2 and every_lead > 100
    snapshot = sequence.builds["crm-day"].snapshot
    assert snapshot is not None
    with duckdb.connect(str(snapshot), read_only=True) as con:
        got = con.execute(
            f"select count(*) filter (where stage_category = 'open' and source_system = "
            f"'salesforce'), count(*) from {SILVER_SCHEMA}.int_opportunities"
        ).fetchone()
    assert got is not None
    open_salesforce, deals = got
    deals_recomputed, _ = recomputed["fct_opportunity_stage_history"]
    assert deals_recomputed == open_salesforce + 1 and deals_recomputed < deals / 2
    # the stages reached change for the same deals (the open ones' days in stage moved)
    reached, every_deal = recomputed["fct_opportunity_stages_reached"]
    assert reached == deals_recomputed and every_deal > reached


def test_a_crm_change_leaves_the_revenue_models_alone(sequence: Sequence) -> None:
    build = sequence.builds["crm-only"]
    assert build.plan is not None and build.plan.changed_tables == ("salesforce_opportunity",)
    rebuilt = {n.name for n in build.invocation.of_type("model")}
    assert "fct_pipeline" in rebuilt
    # the deal feeds the pipeline and the customer dimension (account attributes), not
    # the revenue facts, FX or billing staging
    untouched = {
        "fct_mrr",
        "fct_revenue_schedule",
        "fct_deferred_revenue_monthly",
        "stg_fx__rates",
        "stg_stripe__invoices",
    }
    assert not rebuilt & untouched
    assert len(rebuilt) < sequence.builds["initial"].models_total / 3
    assert build.tests_total > 0 and build.tests_failed == 0


def test_incremental_builds_are_compacted_before_they_outgrow_a_full_one(
    sequence: Sequence,
) -> None:
    initial_size, initial_compact = sequence.sizes["initial"]
    # a full build is written whole (its size, give or take the state rewritten into it)
    assert abs(initial_size - initial_compact) < 0.05 * initial_compact
    for step, (size, compact_bytes) in sequence.sizes.items():
        assert size <= COMPACT_GROWTH * compact_bytes, step
    # copies of copies grow: at least one build of the sequence was rewritten whole
    assert {c for _, c in sequence.sizes.values()} != {initial_compact}


def test_the_published_build_records_its_state_and_holds_no_stale_scores(
    sequence: Sequence,
) -> None:
    snapshot = sequence.builds["crm-only"].snapshot
    state = read_state(snapshot)
    assert state is not None
    assert state.reads["stg_fx__rates"] == ("fx_rates",)
    assert "salesforce_opportunity" in state.bronze
    assert schemas_of(snapshot) == {SILVER_SCHEMA, GOLD_SCHEMA, STATE_SCHEMA, PARTITIONS_SCHEMA}


def test_rules_fall_back_to_a_full_build() -> None:
    state = BuildState(
        inputs_digest="a",
        bronze={"fx_rates": {"l1": 10}, "stripe_invoices": {"l1": 5}},
        reads={"stg_fx__rates": ("fx_rates",), "stg_stripe__invoices": ("stripe_invoices",)},
    )
    bronze = {"fx_rates": {"l1": 10}, "stripe_invoices": {"l1": 5}}
    assert plan_build(state, digest="a", bronze=bronze).mode is BuildMode.UP_TO_DATE
    assert plan_build(state, digest="a", bronze=bronze, full=True).mode is BuildMode.FULL
    assert plan_build(None, digest="a", bronze=bronze).mode is BuildMode.FULL
    changed_code = plan_build(state, digest="b", bronze=bronze)
    assert changed_code.mode is BuildMode.FULL and "settings" in changed_code.reason
    new_table = plan_build(state, digest="a", bronze={**bronze, "hubspot_deals": {"l2": 1}})
    assert new_table.mode is BuildMode.FULL and "hubspot_deals" in new_table.reason
    lost = plan_build(state, digest="a", bronze={**bronze, "fx_rates": {"l1": 9}})
    assert lost.mode is BuildMode.FULL and "fx_rates" in lost.reason
    grown_fx = {**bronze, "fx_rates": {"l1": 10, "l2": 1}}
    grown = plan_build(state, digest="a", bronze=grown_fx)
    assert grown.mode is BuildMode.INCREMENTAL
    assert grown.roots == ("stg_fx__rates",) and grown.selection == "stg_fx__rates+"
    timed = replace(state, seconds={"stg_fx__rates": 1.0, "stg_stripe__invoices": 9.0})
    invoices = {**bronze, "stripe_invoices": {"l1": 5, "l2": 1}}
    heavy = plan_build(timed, digest="a", bronze=invoices, downstream=set)
    assert heavy.mode is BuildMode.FULL and "90% of the last build's model time" in heavy.reason
    light = plan_build(timed, digest="a", bronze=grown_fx, downstream=set)
    assert light.mode is BuildMode.INCREMENTAL
    assert plan_build(timed, digest="a", bronze=invoices, downstream=set, max_share=0.95).mode is (
        BuildMode.INCREMENTAL
    )
    unread = BuildState("a", bronze, {"stg_fx__rates": ("fx_rates",)})
    grew = {**bronze, "stripe_invoices": {"l1": 5, "l2": 1}}
    fed_nothing = plan_build(unread, digest="a", bronze=grew)
    assert fed_nothing.mode is BuildMode.UP_TO_DATE and "feed no model" in fed_nothing.reason


def test_the_cli_says_what_it_rebuilt_and_full_forces_everything(
    sequence: Sequence, tmp_path: Path
) -> None:
    workspace = copy_workspace(sequence.workspace, tmp_path / "ws")
    runner = CliRunner()
    up_to_date = runner.invoke(app, ["build", "--workspace", str(workspace.root)])
    assert up_to_date.exit_code == 0, up_to_date.output
    assert "up to date" in up_to_date.output and "--full" in up_to_date.output
    exports = sequence.root / "drops" / "initial"
    land(workspace, TENANT, _crm_change(exports, tmp_path / "crm2", stage="Proposal/Price Quote"))
    incremental = runner.invoke(app, ["build", "--workspace", str(workspace.root)])
    assert incremental.exit_code == 0, incremental.output
    assert "incremental: new loads in salesforce_opportunity" in incremental.output
    assert "stg_salesforce__opportunities" in incremental.output
    both = runner.invoke(
        app, ["build", "--workspace", str(workspace.root), "--full", "--select", "fct_mrr"]
    )
    assert both.exit_code == 2 and "--full" in both.output
