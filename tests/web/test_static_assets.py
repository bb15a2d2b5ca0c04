"""The dashboard's static files (revlake.web.assets): versioned URLs served as immutable,
everything shipped inside the package, and no chart script: charts are drawn on the
server (revlake.web.figures.render)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revlake.web import assets
from revlake.web.pages.core import mount_static

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "revlake" / "web" / "templates"


def _static_client() -> TestClient:
    app = FastAPI()
    mount_static(app)
    return TestClient(app)


def test_a_current_versioned_url_is_immutable_and_others_are_revalidated() -> None:
    client = _static_client()
    url = assets.static_url("inplace.js")
    assert re.fullmatch(r"/static/inplace\.js\?v=[0-9a-f]{12}", url)
    fresh = client.get(url)
    assert fresh.status_code == 200 and "X-Revlake-Partial" in fresh.text
    assert fresh.headers["cache-control"] == assets.IMMUTABLE
    for other in ("/static/inplace.js", "/static/inplace.js?v=000000000000"):
        response = client.get(other)
        assert response.status_code == 200 and "cache-control" not in response.headers
    for gone in ("/static/plotly.min.js", "/static/plotly-revlake.min.js", "/static/charts.js"):
        assert client.get(gone).status_code == 404  # no chart script is shipped any more


def test_the_version_follows_the_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets, "STATIC_DIR", tmp_path)
    (tmp_path / "a.js").write_text("one")
    first = assets.static_url("a.js")
    (tmp_path / "a.js").write_text("two!")
    assert assets.static_url("a.js") != first


def test_pages_link_their_static_files_at_versioned_urls_and_nothing_from_elsewhere() -> None:
    links = []
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        links += re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', text)
        assert "plotly" not in text.lower(), template.name
    assert links, "the scan finds the templates' static links"
    for link in links:
        assert link.startswith("{{ static_url("), link  # versioned: cached without a request
    for script in assets.STATIC_DIR.glob("*.js"):
        assert "http" not in script.read_text(), script.name  # never a CDN
