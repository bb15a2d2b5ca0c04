"""Partial answers of the dashboard pages (what static/inplace.js swaps in): with the
`X-Revlake-Partial: 1` header or `partial=1` a page answers its content block alone and
says so in the same header; without, the whole page with the script. Also the pieces
the in-place controls send: the risk sliders' open ends, the MRR trend's date range."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.web.assets import static_url
from revlake.web.common import PARTIAL_HEADER
from revlake.web.pages.core import months_between
from tests.serving_support import ServedWorkspace

PAGES = (
    "/deals",
    "/forecast",
    "/",
    "/growth",
    "/growth?from=2025-01-01",
    "/deals?stage=Negotiation&sort=-amount&page=2",
)


@pytest.fixture(scope="module")
def client(served: ServedWorkspace) -> Iterator[TestClient]:
    """A logged-in admin session (the admin sees the overview and the pipeline pages)."""
    with TestClient(create_app(served.workspace), follow_redirects=False) as session:
        response = session.post("/login", data={"api_key": served.key(), "next": "/"})
        assert response.status_code == 303
        yield session


@pytest.mark.parametrize("path", PAGES)
def test_a_partial_request_gets_the_content_block_alone(client: TestClient, path: str) -> None:
    full = client.get(path)
    part = client.get(path, headers={PARTIAL_HEADER: "1"})
    assert full.status_code == part.status_code == 200
    assert full.text.lstrip().lower().startswith("<!doctype html")
    assert "/static/inplace.js" in full.text and PARTIAL_HEADER not in full.headers
    assert part.headers[PARTIAL_HEADER] == "1"
    assert full.headers["Vary"] == part.headers["Vary"] == PARTIAL_HEADER
    for whole_page_only in ("<html", "<head>", "<header", "<main", "/static/inplace.js"):
        assert whole_page_only not in part.text, whole_page_only
    # the fragment is the page's <main> less the script and style tags it already has
    main = re.search(r"<main[^>]*>(.*)</main>", full.text, re.S)
    assert main is not None
    assert squeeze(part.text) == squeeze(main.group(1).replace(SCRIPTS, ""))


SCRIPTS = (
    f'<link rel="stylesheet" href="{static_url("inplace.css")}">'
    f'<script src="{static_url("inplace.js")}" defer></script>'
)


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


def test_partial_query_parameter_is_the_same_as_the_header(client: TestClient) -> None:
    by_header = client.get("/deals?sort=amount", headers={PARTIAL_HEADER: "1"})
    by_param = client.get("/deals?sort=amount&partial=1")
    assert by_param.headers[PARTIAL_HEADER] == "1"
    assert by_param.text == by_header.text


def test_a_partial_request_without_a_session_is_sent_to_log_in(served: ServedWorkspace) -> None:
    """The script sees no fragment header on the login redirect and loads the page in full."""
    with TestClient(create_app(served.workspace), follow_redirects=False) as anonymous:
        response = anonymous.get("/deals", headers={PARTIAL_HEADER: "1"})
    assert response.status_code == 303
    assert PARTIAL_HEADER not in response.headers


def deal_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-deal="([^"]+)"', html)


def test_the_risk_sliders_ends_are_no_bound(client: TestClient) -> None:
    plain = client.get("/deals", headers={PARTIAL_HEADER: "1"}).text
    ends = client.get("/deals?risk_min=0&risk_max=100", headers={PARTIAL_HEADER: "1"}).text
    assert ends == plain
    assert 'data-testid="summary-scope"' not in ends  # not "filtered"
    narrowed = client.get("/deals?risk_min=40", headers={PARTIAL_HEADER: "1"}).text
    assert 'data-testid="summary-scope"' in narrowed
    assert 'id="risk_min" type="range"' in narrowed and 'value="40"' in narrowed
    scores = [float(s) for s in re.findall(r'<span class="risk risk-\w+">([\d.]+) ', narrowed)]
    assert scores and min(scores) >= 40
    assert set(deal_ids(narrowed)) != set(deal_ids(plain))
    assert client.get("/deals?risk_min=101").status_code == 400


def trend_months(html: str) -> list[str]:
    """The months the MRR trend draws, from its data table (made from the figure's data)."""
    found = re.search(r'data-figure="fig-trend".*?<tbody>(.*?)</tbody>', html, re.S)
    assert found is not None
    return [month[:7] for month in re.findall(r'<th scope="row">([^<]*)</th>', found.group(1))]


def test_the_trend_date_range_narrows_the_series(client: TestClient) -> None:
    every = trend_months(client.get("/", headers={PARTIAL_HEADER: "1"}).text)
    assert len(every) >= 12
    start, end = every[-12], every[-7]
    # a date inside a month counts that month: 15th of the first to the 1st of the last
    page = client.get(f"/?from={start}-15&to={end}-01", headers={PARTIAL_HEADER: "1"}).text
    assert trend_months(page) == every[-12:-6]
    assert 'data-testid="trend-range">6 months' in page
    empty = client.get("/?from=1990-01-01&to=1990-12-31").text
    assert "No revenue month between these dates." in empty and "fig-trend" not in empty
    assert client.get("/?from=not-a-date").status_code == 422


def test_months_between_counts_a_month_any_of_whose_days_is_in_range() -> None:
    rows = [{"month": dt.date(2025, m, 1)} for m in range(1, 13)]
    picked = months_between(rows, dt.date(2025, 3, 15), dt.date(2025, 6, 1))
    assert [r["month"].month for r in picked] == [3, 4, 5, 6]
    assert months_between(rows, None, dt.date(2025, 2, 28)) == rows[:2]
    assert months_between(rows, dt.date(2025, 11, 2), None) == rows[10:]
    assert months_between(rows, None, None) == rows


def test_the_growth_date_range_sums_the_funnel_over_its_months(
    client: TestClient, served: ServedWorkspace
) -> None:
    key = {"Authorization": f"Bearer {served.key()}"}
    months = sorted(
        {
            c["month"][:7]
            for c in client.get("/api/v1/channels?limit=500", headers=key).json()["items"]
        }
    )
    assert len(months) >= 3
    start, end = months[-3], months[-1]
    page = client.get(f"/growth?from={start}-20&to={end}-05", headers={PARTIAL_HEADER: "1"}).text
    funnel = client.get(f"/api/v1/funnel?from={start}&to={end}", headers=key).json()
    shown = re.findall(r'data-testid="stage-\d+">([^<]+)<', page)
    assert shown == [f"{s['count']:,.0f}" for s in funnel["stages"]]
    one = client.get(f"/api/v1/funnel?from={end}&to={end}", headers=key).json()
    assert funnel["stages"][0]["count"] > one["stages"][0]["count"]  # three months, not one
    rows = set(re.findall(r'<tr data-channel="[^"]+"><td>([A-Z][a-z]{2} \d{4})</td>', page))
    assert rows and rows <= {
        dt.date.fromisoformat(m + "-01").strftime("%b %Y") for m in months[-3:]
    }
    assert client.get("/growth?from=2025-06-01&to=2025-01-01").status_code == 400
