"""The dashboard's JavaScript (revlake.web.assets): a partial plotly.js bundle shipped in the
package that draws every trace type the figures use, in the version the installed Python
plotly writes figures for; versioned URLs served as immutable; plotly.js loaded only by
pages that have a figure."""

from __future__ import annotations

import re
from pathlib import Path

import plotly.offline
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revlake.web import assets
from revlake.web.pages.core import mount_static

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "src" / "revlake" / "web" / "figures"
BUNDLE_ENTRY = ROOT / "scripts" / "plotly_bundle" / "entry.js"
CORE_TRACES = {"scatter"}
"""Trace types plotly.js's core registers by itself."""


def _figure_traces() -> set[str]:
    """Every `go.<Trace>` the figure modules build, as plotly.js trace type names."""
    names: set[str] = set()
    for module in FIGURES.glob("*.py"):
        names |= set(re.findall(r"\bgo\.([A-Z][A-Za-z]+)\(", module.read_text()))
    names.discard("Figure")
    return {name.lower() for name in names}


def test_the_bundle_registers_every_trace_type_the_figures_use() -> None:
    registered = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", BUNDLE_ENTRY.read_text()))
    registered.discard("core")
    used = _figure_traces()
    assert {"bar", "scatter", "heatmap"} <= used  # the scan finds the figures' traces
    assert used <= registered | CORE_TRACES, used - registered - CORE_TRACES


def test_the_bundle_is_the_plotly_js_version_python_plotly_writes_for() -> None:
    bundle = assets.STATIC_DIR / assets.PLOTLY_BUNDLE
    head = bundle.read_text(encoding="utf-8")[:400]
    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", head)
    assert found is not None, head
    assert found.group(1) == plotly.offline.get_plotlyjs_version()
    # the partial bundle is a fraction of the full one the plotly package ships
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert bundle.stat().st_size < full.stat().st_size / 3


def _static_client() -> TestClient:
    app = FastAPI()
    mount_static(app)
    return TestClient(app)


def test_a_current_versioned_url_is_immutable_and_others_are_revalidated() -> None:
    client = _static_client()
    url = assets.static_url("charts.js")
    assert re.fullmatch(r"/static/charts\.js\?v=[0-9a-f]{12}", url)
    fresh = client.get(url)
    assert fresh.status_code == 200 and "Plotly.newPlot" in fresh.text
    assert fresh.headers["cache-control"] == assets.IMMUTABLE
    for other in ("/static/charts.js", "/static/charts.js?v=000000000000"):
        response = client.get(other)
        assert response.status_code == 200 and "cache-control" not in response.headers
    bundle = client.get(assets.static_url(assets.PLOTLY_BUNDLE))
    assert bundle.status_code == 200 and bundle.headers["cache-control"] == assets.IMMUTABLE
    assert client.get("/static/plotly.min.js").status_code == 404  # the 4.6 MB bundle is gone


def test_the_version_follows_the_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "STATIC_DIR", tmp_path)
    (tmp_path / "a.js").write_text("one")
    first = assets.static_url("a.js")
    (tmp_path / "a.js").write_text("two!")
    assert assets.static_url("a.js") != first


def test_pages_load_plotly_through_charts_js_only() -> None:
    base = (ROOT / "src" / "revlake" / "web" / "templates" / "base.html").read_text()
    scripts = re.findall(r"<script [^>]*src=[^>]*>", base)
    assert len(scripts) == 1 and "static_url('charts.js')" in scripts[0]
    assert "data-plotly=\"{{ static_url('plotly-revlake.min.js') }}\"" in scripts[0]
    charts = (assets.STATIC_DIR / "charts.js").read_text()
    assert 'querySelector("[data-figure]")' in charts  # no figure, no plotly.js
    assert "http" not in charts  # never a CDN
