"""Coherence, determinism and signal of the generated company."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sklearn.metrics import roc_auc_score

from revlake.demo import GenerateConfig, generate_company
from revlake.demo.schema import HEADERS
from tests.demo.conftest import SMALL_CUSTOMERS
from tests.demo.helpers import day, dec, rows

Company = tuple[Path, dict[str, Any]]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    manifests = [
        generate_company(GenerateConfig(customers=120, seed=seed, out=tmp_path / name))
        for seed, name in ((3, "a"), (3, "b"), (4, "c"))
    ]
    assert manifests[0]["files"] == manifests[1]["files"]
    assert manifests[0]["files"] != manifests[2]["files"]
    for rel, entry in manifests[0]["files"].items():
        data = (tmp_path / "b" / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], rel
        assert data == (tmp_path / "a" / rel).read_bytes(), rel
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (
        tmp_path / "b" / "manifest.json"
    ).read_bytes()


def test_worker_processes_write_the_same_bytes(tmp_path: Path) -> None:
    def config(name: str) -> GenerateConfig:
        return GenerateConfig(customers=150, seed=11, out=tmp_path / name, chunk_size=50)

    one = generate_company(config("one"))
    two = generate_company(config("two"), workers=2)
    assert one == two
    assert not (tmp_path / "two" / ".parts").exists()


def test_every_file_has_its_contract_header_and_row_count(small_company: Company) -> None:
    folder, manifest = small_company
    assert set(manifest["files"]) == set(HEADERS)
    for rel, header in HEADERS.items():
        raw = (folder / rel).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw, rel
        parsed = list(rows(folder, rel))
        assert parsed, f"{rel} is empty"
        assert tuple(parsed[0].keys()) == header, rel
        assert all(None not in r and len(r) == len(header) for r in parsed), rel
        assert len(parsed) == manifest["files"][rel]["rows"], rel


def test_customer_count_is_close_to_n(small_company: Company) -> None:
    folder, manifest = small_company
    paying = manifest["paying_customers"]
    assert paying == sum(1 for _ in rows(folder, "exports/billing/customers.csv"))
    assert 0.8 * SMALL_CUSTOMERS <= paying <= 1.2 * SMALL_CUSTOMERS


def test_every_subscription_traces_to_a_won_opportunity(small_company: Company) -> None:
    folder, _ = small_company
    opps = {r["Id"]: r for r in rows(folder, "exports/crm/Opportunity.csv")}
    customers = {r["id"]: r for r in rows(folder, "exports/billing/customers.csv")}
    accounts = {r["Id"] for r in rows(folder, "exports/crm/Account.csv")}
    subs = list(rows(folder, "exports/billing/subscriptions.csv"))
    assert len(subs) >= len(customers)
    for sub in subs:
        opp = opps[sub["salesforce_opportunity_id (metadata)"]]
        assert opp["IsWon"] == "true" and opp["StageName"] == "Closed Won", sub["id"]
        customer = customers[sub["Customer ID"]]
        assert opp["AccountId"] == customer["salesforce_account_id (metadata)"]
        assert customer["salesforce_account_id (metadata)"] in accounts
        assert day(sub["Start (UTC)"]) >= day(opp["CloseDate"])
    reactivated = Counter(s["Customer ID"] for s in subs)
    assert max(reactivated.values()) >= 2  # some customers came back


def test_leads_and_campaigns_are_consistent(small_company: Company) -> None:
    folder, _ = small_company
    reports = {
        "exports/marketing/google_ads_campaign_report.csv": ("Campaign ID", "Conversions"),
        "exports/marketing/meta_ads_campaign_report.csv": ("Campaign ID", "Results"),
        "exports/marketing/linkedin_ads_campaign_report.csv": ("Campaign ID", "Leads"),
        "exports/marketing/microsoft_ads_campaign_report.csv": ("CampaignId", "Conversions"),
    }
    reported: Counter[str] = Counter()
    for rel, (id_col, leads_col) in reports.items():
        for r in rows(folder, rel):
            reported[r[id_col]] += int(r[leads_col])
    crm = Counter(r["Campaign_ID__c"] for r in rows(folder, "exports/crm/Lead.csv"))
    paid = {k: v for k, v in crm.items() if k}
    assert paid == {k: v for k, v in reported.items() if v}
    opps = {r["Id"] for r in rows(folder, "exports/crm/Opportunity.csv")}
    for lead in rows(folder, "exports/crm/Lead.csv"):
        if lead["IsConverted"] == "true":
            assert lead["ConvertedOpportunityId"] in opps


def test_opportunities_have_open_and_closed_and_history(small_company: Company) -> None:
    folder, _ = small_company
    opps = list(rows(folder, "exports/crm/Opportunity.csv"))
    stages = Counter(o["StageName"] for o in opps)
    assert stages["Closed Won"] and stages["Closed Lost"]
    assert sum(1 for o in opps if o["IsClosed"] == "false") >= 10
    history: dict[str, list[str]] = defaultdict(list)
    for h in rows(folder, "exports/crm/OpportunityHistory.csv"):
        history[h["OpportunityId"]].append(h["StageName"])
    for o in opps:
        assert history[o["Id"]][0] == "Prospecting"
        assert history[o["Id"]][-1] == o["StageName"]


def test_invoice_lines_sum_to_invoice_totals(small_company: Company) -> None:
    folder, _ = small_company
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for line in rows(folder, "exports/billing/invoice_line_items.csv"):
        acc = sums[line["Invoice ID"]]
        acc[0] += dec(line["Amount"])
        acc[1] += dec(line["Discount Amount"])
        acc[2] += dec(line["Tax Amount"])
        net = dec(line["Amount"]) - dec(line["Discount Amount"])
        assert dec(line["Tax Amount"]) == (net * dec(line["Tax Rate"]) / 100).quantize(
            Decimal("0.01"), rounding="ROUND_HALF_UP"
        )
    statuses: Counter[str] = Counter()
    for inv in rows(folder, "exports/billing/invoices.csv"):
        subtotal, discount, tax = sums[inv["id"]]
        assert dec(inv["Subtotal"]) == subtotal, inv["id"]
        assert dec(inv["Total Discount Amount"]) == discount, inv["id"]
        assert dec(inv["Tax"]) == tax, inv["id"]
        assert dec(inv["Total"]) == subtotal - discount + tax, inv["id"]
        assert dec(inv["Amount Due"]) == max(dec(inv["Total"]), Decimal(0))
        assert day(inv["Due Date (UTC)"]) >= day(inv["Date (UTC)"])
        statuses[inv["Status"]] += 1
    assert {"paid", "open", "uncollectible", "void"} <= set(statuses), statuses


def test_payments_never_exceed_invoiced_plus_overpayments(small_company: Company) -> None:
    folder, _ = small_company
    due = {r["id"]: dec(r["Amount Due"]) for r in rows(folder, "exports/billing/invoices.csv")}
    over: dict[str, Decimal] = defaultdict(Decimal)
    events: dict[str, list[dict[str, str]]] = defaultdict(list)
    for e in rows(folder, "truth/invoice_balance_events.csv"):
        events[e["invoice_id"]].append(e)
        if e["event"] == "overpayment":
            over[e["invoice_id"]] += dec(e["amount"])
    paid: dict[str, Decimal] = defaultdict(Decimal)
    charges = list(rows(folder, "exports/billing/charges.csv"))
    for ch in charges:
        if ch["Status"] == "succeeded":
            paid[ch["Invoice ID"]] += dec(ch["Amount"])
            assert dec(ch["Amount Refunded"]) <= dec(ch["Amount"])
    for inv, amount in paid.items():
        assert amount <= due[inv] + over[inv], inv
    assert over and any(c["Status"] == "failed" for c in charges)
    # the balance history ends at the exported Amount Remaining
    for inv in rows(folder, "exports/billing/invoices.csv"):
        history = events[inv["id"]]
        assert history[0]["event"] == "finalized"
        assert dec(history[-1]["open_balance_after"]) == dec(inv["Amount Remaining"]), inv["id"]
    refunded = sum(
        (dec(r["Amount"]) for r in rows(folder, "exports/billing/refunds.csv")), Decimal(0)
    )
    assert refunded == sum((dec(c["Amount Refunded"]) for c in charges), Decimal(0))
    kinds = {r["Type"] for r in rows(folder, "exports/billing/credit_notes.csv")}
    assert kinds == {"pre_payment", "post_payment"}


def test_fx_exists_for_every_invoice_date_and_currency(small_company: Company) -> None:
    folder, _ = small_company
    fx = {(r["date"], r["currency"]) for r in rows(folder, "exports/fx/fx_rates.csv")}
    used = {
        (inv["Date (UTC)"][:10], inv["Currency"].upper())
        for inv in rows(folder, "exports/billing/invoices.csv")
    }
    assert len({c for _, c in used}) >= 4
    assert used <= fx
    assert all(
        r["rate_to_usd"] == "1.000000"
        for r in rows(folder, "exports/fx/fx_rates.csv")
        if r["currency"] == "USD"
    )


def test_win_model_has_real_signal(small_company: Company) -> None:
    folder, _ = small_company
    truth = list(rows(folder, "truth/opportunity_truth.csv"))
    won = [r["is_won"] == "true" for r in truth]
    auc = roc_auc_score(won, [float(r["true_win_probability"]) for r in truth])
    print(f"win model ROC-AUC of the true probability: {auc:.3f} over {len(truth)} opportunities")
    assert 0.65 < auc < 0.95
    # lost deals stall: closed losses take longer than wins
    cycle = {True: [], False: []}  # type: dict[bool, list[int]]
    for r, w in zip(truth, won, strict=True):
        cycle[w].append((day(r["close_date"]) - day(r["created_date"])).days)
    assert sum(cycle[False]) / len(cycle[False]) > 1.3 * sum(cycle[True]) / len(cycle[True])


def test_churn_hazard_has_signal(small_company: Company) -> None:
    folder, _ = small_company
    truth = list(rows(folder, "truth/customer_churn_hazard.csv"))
    events = [r["cancel_requested"] == "true" for r in truth]
    assert sum(events) >= 30
    auc = roc_auc_score(events, [float(r["true_churn_hazard"]) for r in truth])
    print(f"churn hazard ROC-AUC: {auc:.3f} over {len(truth)} customer-months")
    assert auc > 0.6


def test_product_usage_is_one_row_a_customer_month_and_shows_churn(
    small_company: Company,
) -> None:
    folder, _ = small_company
    usage = list(rows(folder, "exports/product/product_usage_monthly.csv"))
    keys = Counter((r["customer_id"], r["month"]) for r in usage)
    assert usage and max(keys.values()) == 1
    for r in usage:
        seats, active, sessions = int(r["seats"]), int(r["active_users"]), int(r["sessions"])
        assert 0 <= active <= seats and sessions >= 0 and r["month"].endswith("-01")
    customers = {r["id"] for r in rows(folder, "exports/billing/customers.csv")}
    assert {r["customer_id"] for r in usage} <= customers
    # usage reflects the latent health that drives churn: leavers used the product less
    share: dict[str, list[float]] = defaultdict(list)
    for r in usage:
        share[r["customer_id"]].append(int(r["active_users"]) / int(r["seats"]))
    left = {
        r["customer_id"]
        for r in rows(folder, "truth/customer_churn_hazard.csv")
        if r["cancel_requested"] == "true"
    }
    mean = {c: sum(v) / len(v) for c, v in share.items()}
    leavers = [m for c, m in mean.items() if c in left]
    stayers = [m for c, m in mean.items() if c not in left]
    assert len(leavers) >= 20
    assert sum(leavers) / len(leavers) < sum(stayers) / len(stayers) - 0.03
