"""One chunk of the company: its share of every channel's leads and all that follows.

A chunk draws Poisson lead counts for every (channel or campaign, day) from the run's
expected-lead matrices scaled by its share, so the chunks together are one Poisson
process around spend / cost-per-lead. Lead attributes are drawn with numpy; the sales
cycle and the billing life of each account run in plain Python, one account at a time.
"""

from __future__ import annotations

import math

import numpy as np

from revlake.demo import names, params, schema
from revlake.demo.billing import CustomerSim
from revlake.demo.context import ChunkContext, rint
from revlake.demo.crm import EXISTING, Account, Deal, OppResult, draw_deal, make_opportunity
from revlake.demo.sink import text

_EMPLOYEES = ((10, 200), (200, 2000), (2000, 50000))


def run_chunk(cx: ChunkContext, share: float) -> int:
    """Generate the chunk's leads and everything downstream; return its paying customers."""
    co = cx.company
    cal, rng, pr = co.cal, cx.rng, cx.pr
    mk = co.marketing
    n_days = mk.n_days
    paid = rng.poisson(mk.paid_lambda * share)
    mk.paid_leads += paid
    unpaid = rng.poisson(mk.unpaid_lambda * share)
    camp_channel = np.array([c.channel for c in mk.campaigns], dtype=np.int64)
    paid_idx = np.repeat(np.arange(paid.size), paid.ravel())
    unpaid_idx = np.repeat(np.arange(unpaid.size), unpaid.ravel())
    day_off = np.concatenate([paid_idx % n_days, unpaid_idx % n_days])
    campaign = np.concatenate([paid_idx // n_days, np.full(unpaid_idx.size, -1)])
    channel = np.concatenate(
        [camp_channel[paid_idx // n_days], params.N_PAID + unpaid_idx // n_days]
    )
    order = np.argsort(day_off, kind="stable")
    day_off, campaign, channel = day_off[order], campaign[order], channel[order]
    n = int(day_off.size)

    weights = np.array([c[1] for c in params.COUNTRIES])
    country = rng.choice(len(params.COUNTRIES), size=n, p=weights / weights.sum())
    cum = np.cumsum(np.array(params.SEGMENT_MIX), axis=1)[:, :2]
    segment = (rng.random(n)[:, None] > cum[channel]).sum(axis=1)
    convert = rng.random(n) < np.array(params.LEAD_CONVERT_P)[channel]
    lag = 1 + np.floor(rng.exponential(params.LEAD_CONVERT_LAG_MEAN_DAYS, n)).astype(np.int64)
    sec = rng.integers(0, 86400, n)
    conv_sec = rng.integers(28800, 68400, n)
    first = rng.integers(0, len(names.FIRST_NAMES), n)
    last = rng.integers(0, len(names.LAST_NAMES), n)
    c1 = rng.integers(0, len(names.COMPANY_FIRST), n)
    c2 = rng.integers(0, len(names.COMPANY_SECOND), n)
    suffix = rng.integers(0, len(names.COMPANY_SUFFIX), n)
    industry = rng.integers(0, len(names.INDUSTRIES), n)
    status_u = rng.random(n)

    def reactivate(acct: Account, day: int, deal: Deal) -> OppResult:
        return make_opportunity(cx, acct, day, rint(pr, 28800, 64800), deal, EXISTING)

    leads = co.files[schema.LEAD]
    customers = 0
    for i, (d_off, camp, ch, ctry, seg) in enumerate(
        zip(
            day_off.tolist(),
            campaign.tolist(),
            channel.tolist(),
            country.tolist(),
            segment.tolist(),
            strict=True,
        )
    ):
        day = cal.start + d_off
        fn = names.FIRST_NAMES[first[i]]
        ln = names.LAST_NAMES[last[i]]
        w1, w2 = names.COMPANY_FIRST[c1[i]], names.COMPANY_SECOND[c2[i]]
        company = f"{w1} {w2} {names.COMPANY_SUFFIX[suffix[i]]}"
        email = f"{fn}.{ln}@{w1}{w2}.example".lower().replace(" ", "")
        country_code = params.COUNTRIES[ctry][0]
        region = params.REGIONS.index(params.COUNTRIES[ctry][3])
        members = co.team.cells[(seg, region)]
        owner = members[rint(pr, 0, len(members))]
        owner_id = co.team.reps[owner].id
        lead_id = cx.sf_id("00Q")
        campaign_id = mk.campaigns[camp].id if camp >= 0 else ""
        conv_day = day + int(lag[i])
        converted = bool(convert[i]) and conv_day <= cal.end
        created = cal.ts(day, int(sec[i]))
        if not converted:
            if convert[i] or day > cal.end - 30:
                status = "Working - Contacted" if status_u[i] < 0.6 else "Open - Not Contacted"
            else:
                status = "Closed - Not Converted"
            leads.add(
                [
                    lead_id,
                    fn,
                    text(ln),
                    text(company),
                    email,
                    country_code,
                    params.CHANNELS[ch],
                    campaign_id,
                    status,
                    owner_id,
                    created,
                    "false",
                    "",
                    "",
                    "",
                ]
            )
            continue
        lo, hi = _EMPLOYEES[seg]
        employees = round(math.exp(pr.uniform(math.log(lo), math.log(hi))))
        states = params.STATES.get(country_code, ())
        acct = Account(
            id=cx.sf_id("001"),
            name=company,
            country=ctry,
            segment=seg,
            owner=owner,
            industry=names.INDUSTRIES[industry[i]],
            employees=employees,
            revenue=employees * rint(pr, 80, 251) * 1000,
            state=states[rint(pr, 0, len(states))] if states else "",
            created_day=conv_day,
            created_sec=int(conv_sec[i]),
            first=fn,
            last=ln,
            email=email,
        )
        deal = draw_deal(cx, seg, params.COUNTRIES[ctry][2], ch)
        result = make_opportunity(cx, acct, conv_day, int(conv_sec[i]), deal, ch)
        leads.add(
            [
                lead_id,
                fn,
                text(ln),
                text(company),
                email,
                country_code,
                params.CHANNELS[ch],
                campaign_id,
                "Closed - Converted",
                owner_id,
                created,
                "true",
                cal.day(conv_day),
                acct.id,
                result.id,
            ]
        )
        account_type = "Prospect"
        if result.won and result.close_day <= cal.end:
            sim = CustomerSim(cx, acct, reactivate, customers + 1)
            start = min(cal.end, result.close_day + rint(pr, 0, 4))
            live = sim.run(deal, result.id, start)
            account_type = "Customer" if live else "Former Customer"
            customers += 1
        co.files[schema.ACCOUNT].add(
            [
                acct.id,
                text(company),
                account_type,
                acct.industry,
                country_code,
                acct.state,
                str(acct.employees),
                str(acct.revenue),
                params.SEGMENTS[seg],
                owner_id,
                cal.ts(conv_day, int(conv_sec[i])),
            ]
        )
    return customers
