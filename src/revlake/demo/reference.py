"""Company-wide reference data drawn once per run: FX, sales team, catalogue, ad campaigns.

Everything here is small (it does not grow with the number of customers, except the
sales team, which grows by one rep per `CUSTOMERS_PER_REP` customers and team) and is
drawn from the run's global random stream, so every chunk sees the same company.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from revlake.demo import names, params
from revlake.demo.calendar import Calendar
from revlake.demo.sink import CsvFile, money, text


@dataclass(slots=True)
class Rep:
    """A sales rep: id, team (segment index), region index and latent skill."""

    id: str
    team: int
    region: int
    skill: float


@dataclass(slots=True)
class Campaign:
    """A paid ad campaign: platform (channel index), ids and the days it runs."""

    channel: int
    id: str
    name: str
    first_day: int
    last_day: int


class FxTable:
    """Daily USD rates per currency as integers in millionths (rate × 1e6)."""

    def __init__(self, cal: Calendar, rng: np.random.Generator) -> None:
        self.first_day = cal.start
        n = cal.end - cal.start + 1
        self.micro: dict[str, list[int]] = {}
        for cur in params.CURRENCIES:
            level, vol = params.FX_LEVELS[cur]
            if vol == 0.0:
                self.micro[cur] = [1_000_000] * n
                continue
            shocks = rng.normal(0.0, vol, n)
            x = math.log(level) + float(rng.normal(0.0, 0.03))
            mean = math.log(level)
            out: list[int] = []
            for e in shocks.tolist():
                out.append(round(math.exp(x) * 1_000_000))
                x += params.FX_MEAN_REVERSION * (mean - x) + e
            self.micro[cur] = out

    def rate(self, currency: str, day: int) -> int:
        """USD per unit of `currency` on ordinal `day`, in millionths."""
        return self.micro[currency][day - self.first_day]

    def write(self, cal: Calendar, out: CsvFile) -> None:
        """fx_rates.csv: one row per day and currency."""
        for i in range(cal.end - cal.start + 1):
            d = cal.day(cal.start + i)
            for cur in params.CURRENCIES:
                r = self.micro[cur][i]
                out.add([d, cur, f"{r // 1_000_000}.{r % 1_000_000:06d}"])


class Catalogue:
    """Products (one per tier), prices (tier × interval × currency) and coupons."""

    def __init__(self, cal: Calendar) -> None:
        self.created_day = cal.start - 400
        self.product_ids = [f"prod_RL{t:04d}{name.upper()}" for t, name in enumerate(params.TIERS)]
        self.unit_cents: dict[tuple[int, bool, str], int] = {}
        self.price_ids: dict[tuple[int, bool, str], str] = {}
        self.nicknames: dict[tuple[int, bool, str], str] = {}
        for t, usd in enumerate(params.TIER_MONTHLY_USD):
            for cur in params.CURRENCIES:
                monthly = round(usd * params.PRICE_FACTOR[cur]) * 100
                for annual in (False, True):
                    key = (t, annual, cur)
                    unit = monthly * params.ANNUAL_MONTHS_CHARGED if annual else monthly
                    self.unit_cents[key] = unit
                    self.price_ids[key] = f"price_RL{t}{'Y' if annual else 'M'}{cur}"
                    period = "Annual" if annual else "Monthly"
                    self.nicknames[key] = f"{params.TIERS[t]} {period} {cur}"
        self.coupon_pct = [c[2] for c in params.COUPONS]

    def write(self, cal: Calendar, products: CsvFile, prices: CsvFile, coupons: CsvFile) -> None:
        """products.csv, prices.csv, coupons.csv."""
        created = cal.ts(self.created_day, 36000)
        for t, name in enumerate(params.TIERS):
            desc = f"{name} plan: per-seat subscription"
            products.add([self.product_ids[t], name, text(desc), "true", created])
        for (t, annual, cur), pid in self.price_ids.items():
            unit = self.unit_cents[(t, annual, cur)]
            interval = "year" if annual else "month"
            nick = self.nicknames[(t, annual, cur)]
            prices.add(
                [
                    pid,
                    self.product_ids[t],
                    nick,
                    cur.lower(),
                    money(unit),
                    interval,
                    "1",
                    "licensed",
                    "true",
                    created,
                ]
            )
        for cid, name, pct, duration, months in params.COUPONS:
            coupons.add(
                [cid, name, str(pct), "", "", duration, str(months) if months else "", created]
            )


class SalesTeam:
    """Reps per (team, region) cell, one manager per cell and a VP of sales."""

    def __init__(self, customers: int, cal: Calendar, rng: np.random.Generator) -> None:
        per_cell = max(2, round(customers / params.CUSTOMERS_PER_REP))
        self.reps: list[Rep] = []
        self.cells: dict[tuple[int, int], list[int]] = {}
        self._rows: list[list[str]] = []
        seq = 0

        def person(title: str, manager: str, team: str, region: str, hired: int) -> str:
            nonlocal seq
            seq += 1
            uid = f"005RL{seq:013d}"
            first = names.FIRST_NAMES[int(rng.integers(len(names.FIRST_NAMES)))]
            last = names.LAST_NAMES[int(rng.integers(len(names.LAST_NAMES)))]
            email = f"{first}.{last}{seq}@synthetic-saas.example".lower().replace(" ", "")
            self._rows.append(
                [
                    uid,
                    first,
                    text(last),
                    text(f"{first} {last}"),
                    email,
                    title,
                    manager,
                    team,
                    region,
                    "true",
                    cal.ts(hired, int(rng.integers(28800, 64800))),
                ]
            )
            return uid

        vp = person("VP Sales", "", "Sales", "Global", cal.start - 3000)
        for team, team_name in enumerate(params.SEGMENTS):
            for region, region_name in enumerate(params.REGIONS):
                hired = cal.start - int(rng.integers(400, 2500))
                manager = person("Sales Manager", vp, team_name, region_name, hired)
                members: list[int] = []
                for _ in range(per_cell):
                    hired = cal.start - int(rng.integers(30, 2000))
                    uid = person("Account Executive", manager, team_name, region_name, hired)
                    skill = float(rng.normal(0.0, params.REP_SKILL_SIGMA))
                    members.append(len(self.reps))
                    self.reps.append(Rep(uid, team, region, skill))
                self.cells[(team, region)] = members

    def write(self, out: CsvFile) -> None:
        """User.csv."""
        for row in self._rows:
            out.add(row)


class Marketing:
    """Paid campaigns, their daily spend and the expected leads of every channel and day."""

    _CAMPAIGN_NAMES = ("Brand", "Generic Search", "Competitor", "Retargeting")

    def __init__(self, customers: int, cal: Calendar, rng: np.random.Generator) -> None:
        n_days = cal.end - cal.start + 1
        self.n_days = n_days
        years = np.arange(n_days) / 365.25
        weekday = np.array([(cal.start + i) % 7 for i in range(n_days)])  # ordinal % 7: 0 = Sun
        weight = np.exp(params.ANNUAL_GROWTH * years)
        weight = np.where((weekday == 0) | (weekday == 6), weight * params.WEEKEND_FACTOR, weight)
        weight = weight / weight.sum()
        total_leads = customers * params.LEADS_PER_CUSTOMER
        self.campaigns: list[Campaign] = []
        spend_rows: list[np.ndarray] = []
        lam_rows: list[np.ndarray] = []
        for ch in range(params.N_PAID):
            base = total_leads * params.CHANNEL_LEAD_SHARE[ch] * weight
            active = []
            for k, label in enumerate(self._CAMPAIGN_NAMES):
                if k < 2:
                    first, last = 0, n_days - 1
                else:
                    first = int(rng.integers(0, max(1, n_days // 2)))
                    last = min(n_days - 1, first + int(rng.integers(180, max(181, n_days))))
                mask = np.zeros(n_days)
                mask[first : last + 1] = 1.0
                active.append(mask * (0.5 if k >= 2 else 1.0))
                cid = self._campaign_id(ch, rng)
                name = f"{params.CHANNELS[ch].split()[0]} - {label}"
                self.campaigns.append(Campaign(ch, cid, name, cal.start + first, cal.start + last))
            share = np.array(active)
            share = share / share.sum(axis=0, keepdims=True)
            for k in range(len(self._CAMPAIGN_NAMES)):
                expected = base * share[k]
                noise = rng.lognormal(0.0, params.DAILY_SPEND_NOISE_SIGMA, n_days)
                spend = np.round(expected * params.CPL_USD[ch] * noise * 100.0)  # cents
                spend_rows.append(spend)
                lam_rows.append(spend / 100.0 / params.CPL_USD[ch])
        self.spend_cents = np.array(spend_rows, dtype=np.int64)
        self.paid_lambda = np.array(lam_rows)
        self.unpaid_lambda = np.array(
            [
                total_leads * params.CHANNEL_LEAD_SHARE[ch] * weight
                for ch in range(params.N_PAID, len(params.CHANNELS))
            ]
        )
        self.paid_leads = np.zeros(self.spend_cents.shape, dtype=np.int64)

    @staticmethod
    def _campaign_id(channel: int, rng: np.random.Generator) -> str:
        digits = (10, 17, 9, 9)[channel]
        first = int(rng.integers(1, 10))
        rest = "".join(str(int(d)) for d in rng.integers(0, 10, digits - 1))
        return f"{first}{rest}"

    def write(self, cal: Calendar, files: list[CsvFile], rng: np.random.Generator) -> None:
        """The four ad-platform reports, with leads counted from the CRM (`paid_leads`)."""
        for c, camp in enumerate(self.campaigns):
            ch = camp.channel
            out = files[ch]
            i0, i1 = camp.first_day - cal.start, camp.last_day - cal.start
            spend = self.spend_cents[c, i0 : i1 + 1]
            leads = self.paid_leads[c, i0 : i1 + 1]
            clicks = np.maximum(leads, rng.poisson(spend / 100.0 / params.CPC_USD[ch]))
            impressions = np.maximum(
                clicks, np.round(clicks / params.CTR[ch] * rng.lognormal(0.0, 0.15, len(spend)))
            ).astype(np.int64)
            name = text(camp.name)
            for j, (s, ld, cl, im) in enumerate(
                zip(
                    spend.tolist(),
                    leads.tolist(),
                    clicks.tolist(),
                    impressions.tolist(),
                    strict=True,
                )
            ):
                d = cal.day(camp.first_day + j)
                if ch == 1:
                    row = [d, d, camp.id, name, "USD", str(im), str(cl), money(s), str(ld)]
                else:
                    row = [d, camp.id, name, "USD", str(im), str(cl), money(s), str(ld)]
                out.add(row)
