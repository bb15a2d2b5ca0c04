"""A simulated customer's state at export time: charges, invoices, subscriptions, customer.

Rows whose values change during the simulation (invoice status and paid amounts, a
charge's refunded amount, the subscription's current state) are written once, at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from revlake.demo import params, schema
from revlake.demo.mrr_truth import write_mrr_truth
from revlake.demo.sink import boolean, money, text

if TYPE_CHECKING:
    from revlake.demo.billing import CustomerSim


def export_customer(sim: CustomerSim) -> None:
    """Write the customer's export rows and its MRR truth."""
    cal, c, files = sim.cal, sim.c, sim.co.files
    cur = c.currency.lower()
    for ch in sim.charges:
        failure = params.FAILURE_CODES[ch.failure] if ch.failure >= 0 else ("", "")
        files[schema.CHARGES].add(
            [
                ch.id,
                cal.ts(ch.day, ch.sec),
                money(ch.amount),
                money(ch.refunded),
                cur,
                ch.status,
                boolean(ch.status == "succeeded"),
                c.id,
                sim.invoices[ch.invoice].id,
                ch.method,
                failure[0],
                text(failure[1]),
            ]
        )
    past_due_subs: set[int] = set()
    delinquent = False
    for inv in sim.invoices:
        if inv.status in ("open", "uncollectible") and (inv.due_day < cal.end or inv.attempts):
            delinquent = True
            if inv.status == "open":
                past_due_subs.add(inv.sub)
        files[schema.INVOICES].add(
            [
                inv.id,
                inv.number,
                c.id,
                sim.subs[inv.sub].id,
                inv.reason,
                inv.status,
                cur,
                cal.ts(inv.day, inv.sec),
                cal.ts(inv.due_day, inv.sec),
                cal.ts(inv.period_start, 0),
                cal.ts(inv.period_end, 0),
                money(inv.subtotal),
                money(inv.discount),
                money(inv.tax),
                money(inv.total),
                money(inv.amount_due),
                money(inv.paid),
                money(0 if inv.status == "void" else sim.remaining(inv)),
                str(inv.attempts),
                boolean(inv.status == "paid"),
                c.country,
                c.vat_id,
            ]
        )
    cat = sim.co.catalogue
    for si, s in enumerate(sim.subs):
        key = (s.tier, s.annual, c.currency)
        if s.ended_day >= 0:
            status = "canceled"
        elif s.trial_end > cal.end:
            status = "trialing"
        elif si in past_due_subs:
            status = "past_due"
        else:
            status = "active"
        files[schema.SUBSCRIPTIONS].add(
            [
                s.id,
                c.id,
                sim.acct.email,
                cat.nicknames[key],
                cat.product_ids[s.tier],
                cat.price_ids[key],
                str(s.seats),
                "year" if s.annual else "month",
                "1",
                money(cat.unit_cents[key]),
                cur,
                status,
                cal.ts(s.created_day, s.created_sec),
                cal.ts(s.created_day, s.created_sec),
                cal.ts(s.period_start, 0),
                cal.ts(s.period_end, 0),
                cal.ts(s.created_day, s.created_sec) if s.trial_end >= 0 else "",
                cal.ts(s.trial_end, 0) if s.trial_end >= 0 else "",
                params.COUPONS[s.coupon][0] if s.pct else "",
                cal.ts(s.canceled_day, s.canceled_sec) if s.canceled_day >= 0 else "",
                boolean(s.cancel_pending),
                cal.ts(s.ended_day, 0) if s.ended_day >= 0 else "",
                s.opp_id,
            ]
        )
    desc = f"{params.SEGMENTS[sim.acct.segment]} customer"
    files[schema.CUSTOMERS].add(
        [
            c.id,
            text(sim.acct.name),
            sim.acct.email,
            desc,
            cal.ts(sim.created_day, sim.created_sec),
            cur,
            c.country,
            c.vat_id,
            "reverse" if c.reverse_charge else "none",
            boolean(delinquent),
            money(c.balance),
            sim.acct.id,
        ]
    )
    write_mrr_truth(cal, sim.co.fx, files[schema.MRR_TRUTH], c.id, c.currency, c.intervals)
    if sim.co.ledger is not None:
        sim.co.ledger.add_customer(sim)
