"""Stripe side of one customer: subscriptions, invoices, payments, and the truth they imply.

A small discrete-event simulation per customer, from the won deal to the end date:
period renewals, a monthly decision (cancel with the latent churn hazard, expand,
contract), payment attempts and retries, credit notes, refunds, voids, and reactivation
deals. The MRR truth is computed from the subscription *state* over time (price,
quantity, coupon of the active item), not from the invoice lines it writes, so a test
that applies the contract's MRR rule to the lines checks that the lines encode the state.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable

from revlake.demo import params, schema, vat_ids
from revlake.demo.billing_export import export_customer
from revlake.demo.billing_model import FAR, Charge, CustomerState, Invoice, LineSpec, Sub
from revlake.demo.context import ChunkContext, rint
from revlake.demo.crm import Account, Deal, OppResult, sigmoid
from revlake.demo.sink import boolean, money, round_div, text

# Event kinds, in the order they run on the same day.
RENEW, START, PAY, UNCOLLECTIBLE, PRE_CREDIT, POST_CREDIT, DECIDE, REACT = range(8)
ReactivationFn = Callable[[Account, int, Deal], OppResult]


class CustomerSim:
    """Simulates one paying customer from its first won deal to the end date."""

    def __init__(
        self, cx: ChunkContext, acct: Account, reactivate: ReactivationFn, customer_no: int
    ) -> None:
        self.cx = cx
        self.co = cx.company
        self.cal = cx.company.cal
        self.pr = cx.pr
        self.acct = acct
        self.reactivate = reactivate
        country, _w, currency, _r, rate, is_eu = params.COUNTRIES[acct.country]
        pr = self.pr
        vat_id = ""
        if is_eu and pr.random() < params.EU_VAT_ID_SHARE:
            vat_id = vat_ids.vat_id(country, rint(pr, 10**8, 10**9))
        card = pr.random() < params.CARD_P[acct.segment]
        risk = math.exp(pr.gauss(0.0, params.CARD_RISK_SIGMA))
        self.c = CustomerState(
            id=cx.stripe_id("cus"),
            number_prefix=f"{cx.chunk:04X}{customer_no:05X}",
            currency=currency,
            country=country,
            tax_rate=0 if vat_id else rate,
            reverse_charge=bool(vat_id),
            vat_id=vat_id,
            card=card,
            fail_p=min(params.CARD_FAIL_CAP, params.CARD_FAIL_BASE * risk),
            health=pr.gauss(0.0, 1.0),
        )
        self.subs: list[Sub] = []
        self.usage_pr: random.Random | None = None
        self.invoices: list[Invoice] = []
        self.charges: list[Charge] = []
        self.heap: list[tuple[int, int, int, int]] = []
        self._seq = 0
        self.created_day = 0
        self.created_sec = 0

    # ------------------------------------------------------------------ scheduling
    def push(self, day: int, kind: int, arg: int) -> None:
        """Schedule event `kind` with argument `arg` on `day`."""
        self._seq += 1
        heapq.heappush(self.heap, (day, kind, self._seq, arg))

    def run(self, deal: Deal, opp_id: str, day: int) -> bool:
        """Create the customer on `day` and simulate; True if a subscription is live at the end."""
        self.created_day = day
        self.created_sec = rint(self.pr, 0, 86400)
        self.start_subscription(day, deal, opp_id, allow_trial=True)
        end = self.cal.end
        handlers = {
            RENEW: self.on_renew,
            START: self.on_start,
            PAY: self.on_pay,
            UNCOLLECTIBLE: self.on_uncollectible,
            PRE_CREDIT: self.on_pre_credit,
            POST_CREDIT: self.on_post_credit,
            DECIDE: self.on_decide,
            REACT: self.on_react,
        }
        while self.heap and self.heap[0][0] <= end:
            d, kind, _s, arg = heapq.heappop(self.heap)
            handlers[kind](d, arg)
        self.set_value(end + 1, 0)
        export_customer(self)
        return any(s.ended_day < 0 for s in self.subs)

    # ------------------------------------------------------------------ state value
    def set_value(self, day: int, value: int) -> None:
        """Record the customer's MRR (state value) from `day` on."""
        c = self.c
        if value == c.value:
            return
        if c.value != 0 and day > c.value_since:
            c.intervals.append((c.value_since, day, c.value))
        c.value, c.value_since = value, day

    def sub_value(self, s: Sub) -> int:
        """Monthly value of a subscription's current state (the contract's line_mrr)."""
        unit = self.co.catalogue.unit_cents[(s.tier, s.annual, self.c.currency)]
        months = 12 if s.annual else 1
        return round_div(unit * s.seats * (100 - s.pct), 100 * months)

    # ------------------------------------------------------------------ subscriptions
    def start_subscription(self, day: int, deal: Deal, opp_id: str, allow_trial: bool) -> None:
        """A won deal becomes a subscription (with a trial for some new customers)."""
        cx, pr = self.cx, self.pr
        seg = self.acct.segment
        trial_days = 0
        if allow_trial and pr.random() < params.TRIAL_P[seg]:
            trial_days = 30 if pr.random() < params.TRIAL_30_DAYS_P else 14
        anchor = day + trial_days
        if deal.coupon < 0:
            coupon_until = -FAR
        elif params.COUPONS[deal.coupon][3] == "forever":
            coupon_until = FAR
        else:
            coupon_until = self.cal.add_months(anchor, params.COUPONS[deal.coupon][4])
        sub = Sub(
            id=cx.stripe_id("sub"),
            item_id=cx.stripe_id("si"),
            opp_id=opp_id,
            created_day=day,
            created_sec=self.created_sec if not self.subs else rint(pr, 0, 86400),
            tier=deal.tier,
            annual=deal.annual,
            seats=deal.seats,
            coupon=deal.coupon,
            coupon_until=coupon_until,
            trial_end=anchor if trial_days else -1,
            anchor=anchor,
        )
        self.subs.append(sub)
        si = len(self.subs) - 1
        if self.c.first_paid_day < 0:
            self.c.first_paid_day = anchor
        if trial_days:
            sub.period_start, sub.period_end = day, anchor
            unit = self.unit(sub)
            line = LineSpec(
                sub.tier,
                sub.annual,
                unit,
                sub.seats,
                0,
                0,
                False,
                day,
                anchor,
                f"Trial period for {params.TIERS[sub.tier]}",
            )
            sub.period_invoice = self.issue(si, day, "subscription_create", day, anchor, [line])
            self.push(anchor, RENEW, si)
        else:
            self.begin_period(si, day, "subscription_create")
        self.push(self.decision_day(self.cal.month(day) + 1), DECIDE, si)

    def unit(self, s: Sub) -> int:
        """Unit amount (cents) of a subscription's current price."""
        return self.co.catalogue.unit_cents[(s.tier, s.annual, self.c.currency)]

    def begin_period(self, si: int, ps: int, reason: str) -> None:
        """Start the next billing period on `ps`: apply scheduled changes, invoice it."""
        s = self.subs[si]
        if s.pending_tier >= 0:
            s.tier, s.seats = s.pending_tier, s.pending_seats
            s.pending_tier = s.pending_seats = -1
        s.n += 1
        months = 12 if s.annual else 1
        s.period_start = ps
        s.period_end = self.cal.add_months(s.anchor, (s.n + 1) * months)
        s.pct = self.co.catalogue.coupon_pct[s.coupon] if ps < s.coupon_until else 0
        s.changed_in_period = False
        self.set_value(ps, self.sub_value(s))
        unit = self.unit(s)
        desc = f"{s.seats} × {params.TIERS[s.tier]} ({'year' if s.annual else 'month'})"
        line = LineSpec(
            s.tier, s.annual, unit, s.seats, unit * s.seats, s.pct, False, ps, s.period_end, desc
        )
        s.period_invoice = self.issue(si, ps, reason, ps, s.period_end, [line])
        self.push(s.period_end, RENEW, si)

    def on_renew(self, day: int, si: int) -> None:
        s = self.subs[si]
        if s.ended_day >= 0 or day != s.period_end:
            return
        if s.cancel_pending:
            self.end_subscription(s, day)
            return
        self.begin_period(si, day, "subscription_cycle")

    def end_subscription(self, s: Sub, day: int) -> None:
        """The subscription stops on `day`; reactivation becomes possible later."""
        s.ended_day = day
        self.c.ended_day = day
        self.set_value(day, 0)
        self.c.react_deadline = self.cal.add_months(day, params.REACTIVATION_WINDOW_MONTHS)
        self.push(day + params.REACTIVATION_FIRST_CHECK_DAYS, REACT, 0)

    def decision_day(self, month: int) -> int:
        """A random day of month index `month`."""
        first = self.cal.month_first_day(month)
        return first + rint(self.pr, 0, self.cal.month_first_day(month + 1) - first)

    # ------------------------------------------------------------------ monthly decision
    def hazard(self, s: Sub, day: int) -> float:
        """The latent monthly churn hazard (probability of a cancellation request)."""
        c = self.c
        tenure = max(0, (day - c.first_paid_day) // 30)
        failures = sum(1 for f in c.failures if day - 90 < f <= day)
        coupon_ended = s.coupon_until <= day < s.coupon_until + 91
        logit = (
            params.CHURN_INTERCEPT
            + params.CHURN_SEGMENT[self.acct.segment]
            + params.CHURN_LOG_TENURE * math.log1p(tenure)
            + (params.CHURN_EARLY if tenure < 3 else 0.0)
            + (params.CHURN_DISCOUNT_ACTIVE if s.pct > 0 else 0.0)
            + (params.CHURN_DISCOUNT_ENDED if coupon_ended else 0.0)
            + params.CHURN_FAILURES * min(failures, 3)
            + params.CHURN_TIER[s.tier]
            + (params.CHURN_ANNUAL if s.annual else 0.0)
            + (params.CHURN_RECENT_CONTRACTION if day - s.last_contraction < 120 else 0.0)
            + params.CHURN_HEALTH * c.health
        )
        return sigmoid(logit)

    def on_decide(self, day: int, si: int) -> None:
        s = self.subs[si]
        if s.ended_day >= 0 or s.cancel_pending:
            return
        month = self.cal.month(day)
        self.push(self.decision_day(month + 1), DECIDE, si)
        self.record_usage(s, month)
        if day < s.anchor or month == self.c.last_hazard_month:
            return  # trialing, or this month was already decided
        self.c.last_hazard_month = month
        pr = self.pr
        h = self.hazard(s, day)
        cancel = pr.random() < h
        self.co.files[schema.HAZARD_TRUTH].add(
            [self.c.id, self.cal.month_text(month), f"{h:.6f}", boolean(cancel)]
        )
        if cancel:
            self.cancel(si, day)
            return
        health = self.c.health
        p_exp = sigmoid(
            params.EXPANSION_INTERCEPT
            + params.EXPANSION_HEALTH * health
            + params.EXPANSION_SEGMENT[self.acct.segment]
        )
        p_con = sigmoid(params.CONTRACTION_INTERCEPT + params.CONTRACTION_HEALTH * health)
        u = pr.random()
        if u < p_exp:
            self.expand(si, day)
        elif u < p_exp + p_con:
            self.schedule_contraction(s, day)

    def record_usage(self, s: Sub, month: int) -> None:
        """The month's product usage (once per customer and month): health shows in it.

        Drawn from the customer's own stream, seeded by its id and latent health, so the
        other files are the same with or without this export.
        """
        c = self.c
        if month == c.last_usage_month:
            return
        c.last_usage_month = month
        if self.usage_pr is None:
            self.usage_pr = random.Random(f"usage:{c.id}:{c.health!r}")
        up = self.usage_pr
        share = sigmoid(
            params.USAGE_INTERCEPT
            + params.USAGE_HEALTH * c.health
            + up.gauss(0.0, params.USAGE_NOISE)
        )
        active = min(s.seats, int(s.seats * share + up.random()))
        per_user = params.USAGE_SESSIONS * math.exp(
            params.USAGE_SESSIONS_HEALTH * c.health + up.gauss(0.0, params.USAGE_SESSIONS_NOISE)
        )
        self.co.files[schema.USAGE].add(
            [
                c.id,
                self.cal.month_text(month),
                str(s.seats),
                str(active),
                str(round(active * per_user)),
            ]
        )

    def cancel(self, si: int, day: int) -> None:
        """A cancellation request: at period end by default, sometimes immediately."""
        s = self.subs[si]
        pr = self.pr
        s.canceled_day, s.canceled_sec = day, rint(pr, 0, 86400)
        inv = self.invoices[s.period_invoice]
        immediate = (
            pr.random() < params.IMMEDIATE_CANCEL_P
            and day > s.period_start
            and not s.changed_in_period
            and inv.status == "paid"
            and inv.charge >= 0
            and inv.credited == 0
            and self.charges[inv.charge].refunded == 0
        )
        if not immediate:
            s.cancel_pending = True
            return
        unit = self.unit(s)
        rem, length = s.period_end - day, s.period_end - s.period_start
        credit = -round_div(unit * s.seats * rem, length)
        line = LineSpec(
            s.tier,
            s.annual,
            unit,
            s.seats,
            credit,
            s.pct,
            True,
            day,
            s.period_end,
            f"Unused time on {s.seats} × {params.TIERS[s.tier]} after {self.cal.day(day)}",
        )
        ii = self.issue(si, day, "subscription_update", day, s.period_end, [line])
        refund = -self.invoices[ii].total
        charge = self.charges[inv.charge]
        if 0 < refund <= charge.amount:
            charge.refunded += refund
            self.write_refund(charge, refund, day, "requested_by_customer")
        self.end_subscription(s, day)

    def expand(self, si: int, day: int) -> None:
        """Seats up or an upgrade, effective now, with proration lines invoiced now."""
        s = self.subs[si]
        pr = self.pr
        old_tier, old_seats, old_unit = s.tier, s.seats, self.unit(s)
        if s.tier < len(params.TIERS) - 1 and pr.random() < params.UPGRADE_SHARE:
            s.tier += 1
        else:
            s.seats += max(1, round(s.seats * pr.uniform(0.1, 0.5)))
        s.pending_tier = s.pending_seats = -1
        new_unit = self.unit(s)
        rem, length = s.period_end - day, s.period_end - s.period_start
        when = self.cal.day(day)
        credit = LineSpec(
            old_tier,
            s.annual,
            old_unit,
            old_seats,
            -round_div(old_unit * old_seats * rem, length),
            s.pct,
            True,
            day,
            s.period_end,
            f"Unused time on {old_seats} × {params.TIERS[old_tier]} after {when}",
        )
        charge = LineSpec(
            s.tier,
            s.annual,
            new_unit,
            s.seats,
            round_div(new_unit * s.seats * rem, length),
            s.pct,
            True,
            day,
            s.period_end,
            f"Remaining time on {s.seats} × {params.TIERS[s.tier]} after {when}",
        )
        s.changed_in_period = True
        self.set_value(day, self.sub_value(s))
        self.issue(si, day, "subscription_update", day, s.period_end, [credit, charge])

    def schedule_contraction(self, s: Sub, day: int) -> None:
        """Seats down or a downgrade, effective at the next renewal (no proration)."""
        pr = self.pr
        tier, seats = s.tier, s.seats
        if tier > 0 and pr.random() < params.DOWNGRADE_SHARE:
            tier -= 1
        elif seats > 1:
            seats -= max(1, round(seats * pr.uniform(0.1, 0.4)))
        else:
            return
        s.pending_tier, s.pending_seats = tier, seats
        s.last_contraction = day

    # ------------------------------------------------------------------ reactivation
    def on_react(self, day: int, _arg: int) -> None:
        c = self.c
        if any(s.ended_day < 0 for s in self.subs) or day > c.react_deadline:
            return
        if self.pr.random() >= params.REACTIVATION_MONTHLY_P:
            self.push(day + 30, REACT, 0)
            return
        last = self.subs[-1]
        deal = Deal(
            last.tier, last.annual, max(1, last.seats + rint(self.pr, -2, 4)), -1, c.currency
        )
        result = self.reactivate(self.acct, day, deal)
        if result.won and result.close_day <= self.cal.end:
            c.pending_deals.append((deal, result.id))
            self.push(result.close_day, START, len(c.pending_deals) - 1)
        elif not result.won:
            self.push(result.close_day + 30, REACT, 0)

    def on_start(self, day: int, k: int) -> None:
        deal, opp_id = self.c.pending_deals[k]
        self.start_subscription(day, deal, opp_id, allow_trial=False)

    # ------------------------------------------------------------------ invoices
    def issue(self, si: int, day: int, reason: str, ps: int, pe: int, specs: list[LineSpec]) -> int:
        """Finalize an invoice (maybe voided and re-issued) and schedule its collection."""
        c, pr = self.c, self.pr
        replace = (
            not c.card
            and reason == "subscription_cycle"
            and day < self.cal.end
            and pr.random() < params.VOID_REPLACE_P
        )
        if replace:
            voided = self.invoices[self.write_invoice(si, day, reason, ps, pe, specs)]
            self.balance_event(voided, day + 1, "voided", -voided.balance)
            voided.status = "void"
            day += 1
        ii = self.write_invoice(si, day, reason, ps, pe, specs)
        inv = self.invoices[ii]
        if inv.amount_due == 0:
            inv.status = "paid"
            return ii
        if c.card:
            self.push(day, PAY, ii)
            return ii
        if pr.random() < params.PRE_PAYMENT_CREDIT_P:
            self.push(day + rint(pr, 1, 11), PRE_CREDIT, ii)
        if pr.random() < params.BANK_NEVER_PAY_P:
            self.push(day + params.BANK_NEVER_PAY_DAYS, UNCOLLECTIBLE, ii)
            return ii
        terms = params.BANK_TERMS_DAYS
        u = pr.random()
        if u < params.BANK_VERY_LATE_P:
            delay = terms + rint(pr, 30, 56)
        elif u < params.BANK_VERY_LATE_P + params.BANK_LATE_P:
            delay = terms + rint(pr, 1, 30)
        else:
            delay = rint(pr, 2, terms + 1)
        if pr.random() < params.BANK_PARTIAL_P and delay > 10:
            self.push(day + delay - rint(pr, 5, 10), PAY, -ii - 1)  # half first
        self.push(day + delay, PAY, ii)
        return ii

    def write_invoice(
        self, si: int, day: int, reason: str, ps: int, pe: int, specs: list[LineSpec]
    ) -> int:
        """Write the invoice's lines now (they never change) and register the invoice."""
        cx, c, cal = self.cx, self.c, self.cal
        s = self.subs[si]
        inv_id = cx.stripe_id("in")
        cat = self.co.catalogue
        rate = c.tax_rate
        rate_text = f"{rate}.00"
        jurisdiction = f"{c.country} (reverse charge)" if c.reverse_charge else c.country
        cur = c.currency.lower()
        lines = self.co.files[schema.INVOICE_LINES]
        subtotal = discount = tax = 0
        for ls in specs:
            disc = round_div(ls.amount * ls.pct, 100)
            line_tax = round_div((ls.amount - disc) * rate, 100)
            subtotal += ls.amount
            discount += disc
            tax += line_tax
            key = (ls.tier, ls.annual, c.currency)
            lines.add(
                [
                    cx.stripe_id("il"),
                    inv_id,
                    "subscription",
                    s.id,
                    s.item_id,
                    cat.price_ids[key],
                    cat.product_ids[ls.tier],
                    text(ls.description),
                    cur,
                    money(ls.unit),
                    str(ls.qty),
                    money(ls.amount),
                    money(disc),
                    params.COUPONS[s.coupon][0] if ls.pct else "",
                    boolean(ls.proration),
                    cal.ts(ls.start, 0),
                    cal.ts(ls.end, 0),
                    "year" if ls.annual else "month",
                    "1",
                    money(line_tax),
                    rate_text,
                    jurisdiction,
                ]
            )
        total = subtotal - discount + tax
        due = day if c.card else day + params.BANK_TERMS_DAYS
        number = f"{c.number_prefix}-{len(self.invoices) + 1:04d}"
        inv = Invoice(
            inv_id,
            number,
            si,
            reason,
            day,
            pr_sec(self, ps == day),
            due,
            ps,
            pe,
            subtotal,
            discount,
            tax,
            total,
            max(total, 0),
        )
        self.invoices.append(inv)
        self.balance_event(inv, day, "finalized", inv.amount_due)
        return len(self.invoices) - 1

    def balance_event(self, inv: Invoice, day: int, event: str, amount: int) -> None:
        """Append to the invoice's open-balance history (truth)."""
        inv.balance += amount if event != "overpayment" else 0
        self.co.files[schema.BALANCE_TRUTH].add(
            [inv.id, self.cal.day(day), event, money(amount), money(inv.balance)]
        )

    # ------------------------------------------------------------------ collection
    def remaining(self, inv: Invoice) -> int:
        """What is still owed on an invoice."""
        return inv.amount_due - inv.paid - inv.credited

    def on_pay(self, day: int, arg: int) -> None:
        half = arg < 0
        ii = -arg - 1 if half else arg
        inv = self.invoices[ii]
        if inv.status != "open":
            return
        pr, c = self.pr, self.c
        owed = self.remaining(inv)
        sec = rint(pr, 0, 86400)
        if c.card:
            inv.attempts += 1
            if pr.random() < c.fail_p:
                code = rint(pr, 0, len(params.FAILURE_CODES))
                self.add_charge(
                    Charge(self.cx.stripe_id("ch"), day, sec, owed, ii, "failed", "card", code)
                )
                c.failures.append(day)
                if inv.attempts > len(params.CARD_RETRY_DAYS):
                    self.mark_uncollectible(ii, day)
                else:
                    self.push(day + params.CARD_RETRY_DAYS[inv.attempts - 1], PAY, ii)
                return
            self.collect(ii, day, sec, owed, owed, "card")
            return
        if half:
            self.collect(ii, day, sec, owed // 2, owed // 2, "bank_transfer")
            return
        amount = owed
        if pr.random() < params.BANK_OVERPAY_P:
            amount += max(100, round_div(owed * rint(pr, 1, 6), 100))
        self.collect(ii, day, sec, amount, owed, "bank_transfer")

    def collect(self, ii: int, day: int, sec: int, amount: int, applied: int, method: str) -> None:
        """A successful payment of `amount`, of which `applied` settles the invoice."""
        inv = self.invoices[ii]
        ci = self.add_charge(
            Charge(self.cx.stripe_id("ch"), day, sec, amount, ii, "succeeded", method, -1)
        )
        inv.paid += applied
        self.balance_event(inv, day, "payment", -applied)
        if amount > applied:
            self.balance_event(inv, day, "overpayment", amount - applied)
            self.c.balance -= amount - applied
        if self.remaining(inv) == 0:
            inv.status = "paid"
            inv.charge = ci if inv.n_charges == 1 else -1
            if self.pr.random() < params.POST_PAYMENT_CREDIT_P:
                self.push(day + rint(self.pr, 2, 21), POST_CREDIT, ii)

    def add_charge(self, ch: Charge) -> int:
        """Register a charge; successful ones count towards the invoice's charges."""
        self.charges.append(ch)
        if ch.status == "succeeded":
            self.invoices[ch.invoice].n_charges += 1
        return len(self.charges) - 1

    def mark_uncollectible(self, ii: int, day: int) -> None:
        """Collection failed: the invoice is uncollectible, the subscription ends at period end."""
        inv = self.invoices[ii]
        inv.status = "uncollectible"
        self.balance_event(inv, day, "marked_uncollectible", 0)
        s = self.subs[inv.sub]
        if s.ended_day < 0 and not s.cancel_pending:
            s.cancel_pending = True
            s.canceled_day, s.canceled_sec = day, rint(self.pr, 0, 86400)
            self.c.involuntary = True

    def on_uncollectible(self, day: int, ii: int) -> None:
        if self.invoices[ii].status == "open":
            self.mark_uncollectible(ii, day)

    def on_pre_credit(self, day: int, ii: int) -> None:
        inv = self.invoices[ii]
        if inv.status != "open" or inv.paid or inv.credited:
            return
        amount = round_div(self.remaining(inv) * rint(self.pr, 10, 26), 100)
        if amount <= 0:
            return
        inv.credited += amount
        self.write_credit_note(inv, day, amount, "order_change", "pre_payment")
        self.balance_event(inv, day, "credit_note", -amount)

    def on_post_credit(self, day: int, ii: int) -> None:
        inv = self.invoices[ii]
        if inv.status != "paid" or inv.charge < 0:
            return
        charge = self.charges[inv.charge]
        available = min(charge.amount, inv.paid) - charge.refunded
        if self.pr.random() < params.POST_PAYMENT_FULL_P:
            amount = available
        else:
            amount = round_div(available * rint(self.pr, 20, 51), 100)
        if amount <= 0:
            return
        charge.refunded += amount
        reason = "product_unsatisfactory" if amount < available else "duplicate"
        self.write_credit_note(inv, day, amount, reason, "post_payment")
        self.write_refund(charge, amount, day, "requested_by_customer")

    def write_credit_note(
        self, inv: Invoice, day: int, amount: int, reason: str, kind: str
    ) -> None:
        cn = self.cx.stripe_id("cn")
        self.co.files[schema.CREDIT_NOTES].add(
            [
                cn,
                f"{inv.number}-CN{self.cx.next_id('cn-number') % 100:02d}",
                inv.id,
                self.c.id,
                self.c.currency.lower(),
                self.cal.ts(day, rint(self.pr, 0, 86400)),
                money(amount),
                reason,
                kind,
                "issued",
            ]
        )

    def write_refund(self, charge: Charge, amount: int, day: int, reason: str) -> None:
        refund_id = self.cx.stripe_id("re")
        if self.co.ledger is not None:
            self.co.ledger.add_refund(self, charge, refund_id, amount, day)
        self.co.files[schema.REFUNDS].add(
            [
                refund_id,
                charge.id,
                money(amount),
                self.c.currency.lower(),
                self.cal.ts(day, rint(self.pr, 0, 86400)),
                reason,
                "succeeded",
            ]
        )


def pr_sec(sim: CustomerSim, at_period_start: bool) -> int:
    """Second of day of an invoice: renewals shortly after midnight, others any time."""
    return rint(sim.pr, 0, 3600) if at_period_start else rint(sim.pr, 0, 86400)
