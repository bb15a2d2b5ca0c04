"""Sales and customer figures of ../shared/datasets/sql-dwh-crm-erp computed from the raw
CSV files with the csv module only, independently of the dbt models and the query layer.

The rules are those of the dataset's SOURCE.md and of docs/SALES.md, written again here
in plain Python: the latest CRM record of a cst_id wins; ERP ids lose their `NAS` prefix
and their dash; a sales line with mismatched amounts is repaired (sales = quantity ×
|price|, else |sales|); the product version valid on the order date is the one whose
start is on or before it and whose next version starts after it (else the current
version); gender is the CRM's, else the ERP's; a birth date before 1925 or after today is
unknown; age at order = whole years from birth to the order date.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

AGE_GROUPS: tuple[tuple[int, int | None, str], ...] = (
    (0, 35, "under 35"),
    (35, 45, "35–44"),
    (45, 55, "45–54"),
    (55, 65, "55–64"),
    (65, 75, "65–74"),
    (75, None, "75 and over"),
)
COUNTRY_SYNONYMS = {"US": "United States", "USA": "United States", "DE": "Germany"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _int(text: str) -> int | None:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return None


def _money(text: str) -> Decimal | None:
    text = text.strip()
    return Decimal(text) if text else None


def _yyyymmdd(text: str) -> dt.date | None:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def age_group(age: int | None) -> str:
    if age is None:
        return "unknown"
    for low, high, label in AGE_GROUPS:
        if age >= low and (high is None or age < high):
            return label
    raise AssertionError(age)


def age_at(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Customer:
    key: str
    gender: str | None = None
    marital: str | None = None
    birth: dt.date | None = None
    country: str | None = None


@dataclass
class Line:
    customer: str
    order_date: dt.date | None
    quantity: int
    sales: Decimal
    cost_at_order: Decimal | None
    cost_current: Decimal | None
    category: str | None
    product: str


@dataclass
class RawSales:
    customers: dict[str, Customer]
    lines: list[Line] = field(default_factory=list)


def load(base: Path) -> RawSales:
    """Customers and repaired sales lines with their costs (both bases) from the raw files."""
    crm = base / "source_crm"
    erp = base / "source_erp"
    by_id: dict[int, dict[str, str]] = {}
    for row in _rows(crm / "cust_info.csv"):  # the last row of an id is its latest record
        cid = _int(row["cst_id"])
        if cid is not None:
            by_id[cid] = row
    customers: dict[str, Customer] = {}
    key_of: dict[int, str] = {}
    for cid, row in by_id.items():
        key = row["cst_key"].strip().upper()
        key_of[cid] = key
        customers[key] = Customer(
            key,
            {"M": "Male", "F": "Female"}.get(row["cst_gndr"].strip().upper()),
            {"M": "Married", "S": "Single"}.get(row["cst_marital_status"].strip().upper()),
        )
    today = dt.date.today()
    for row in _rows(erp / "CUST_AZ12.csv"):
        key = row["CID"].strip().upper()
        key = key[3:] if key.startswith("NAS") else key
        if key not in customers:
            continue
        gen = {"MALE": "Male", "M": "Male", "FEMALE": "Female", "F": "Female"}
        if customers[key].gender is None:
            customers[key].gender = gen.get(row["GEN"].strip().upper())
        birth = dt.date.fromisoformat(row["BDATE"].strip()) if row["BDATE"].strip() else None
        if birth is not None and dt.date(1925, 1, 1) <= birth <= today:
            customers[key].birth = birth
    for row in _rows(erp / "LOC_A101.csv"):
        key = row["CID"].strip().upper().replace("-", "")
        if key in customers:
            name = row["CNTRY"].strip()
            customers[key].country = COUNTRY_SYNONYMS.get(name.upper(), name) or None
    categories = {r["ID"].strip().upper(): r["CAT"].strip() for r in _rows(erp / "PX_CAT_G1V2.csv")}
    versions: dict[str, list[tuple[dt.date, int, Decimal | None, str]]] = defaultdict(list)
    for row in _rows(crm / "prd_info.csv"):
        key = row["prd_key"].strip().upper()
        versions[key[6:]].append(
            (
                dt.date.fromisoformat(row["prd_start_dt"].strip()),
                int(row["prd_id"]),
                _money(row["prd_cost"]),
                key[:5].replace("-", "_"),
            )
        )
    for chain in versions.values():
        chain.sort()
    raw = RawSales(customers)
    for row in _rows(crm / "sales_details.csv"):
        day = _yyyymmdd(row["sls_order_dt"])
        quantity = int(row["sls_quantity"])
        sales, price = _money(row["sls_sales"]), _money(row["sls_price"])
        valid = (
            sales is not None
            and price is not None
            and sales > 0
            and price >= 0
            and sales == quantity * price
        )
        if valid:
            assert sales is not None
            amount = sales
        elif price is not None and price != 0:
            amount = quantity * abs(price)
        else:
            assert sales is not None
            amount = abs(sales)
        chain = versions[row["sls_prd_key"].strip().upper()]
        current = chain[-1]
        chosen = current
        if day is not None:
            for i, version in enumerate(chain):
                ends = chain[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(chain) else None
                if version[0] <= day and (ends is None or day <= ends):
                    chosen = version
        raw.lines.append(
            Line(
                customer=key_of[int(row["sls_cust_id"])],
                order_date=day,
                quantity=quantity,
                sales=amount,
                cost_at_order=None if chosen[2] is None else quantity * chosen[2],
                cost_current=None if current[2] is None else quantity * current[2],
                category=categories.get(chosen[3]),
                product=row["sls_prd_key"].strip().upper(),
            )
        )
    return raw


def top_decile(revenue: dict[str, Decimal]) -> set[str]:
    """Customers whose lifetime revenue is at least that of the customer ranked
    ceil(10% of customers with orders) by revenue (ties at the threshold included)."""
    ranked = sorted(revenue.values(), reverse=True)
    threshold = ranked[math.ceil(len(ranked) / 10) - 1]
    return {k for k, v in revenue.items() if v >= threshold}
