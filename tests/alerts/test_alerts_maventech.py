"""Alerts on the real MavenTech CRM export (../shared/datasets): ingested, built, the win
model trained and the open deals scored by revlake itself; the deal rules raise exactly
the deals gold puts in their categories, once; the close-date rule has no close dates to
compare (MavenTech records none on open deals) and the churn rules say why they skip."""

from __future__ import annotations

import json

import pytest

from revlake.alerts import AlertLog, alert_log_path, evaluate_tenant
from revlake.workspace import Workspace
from tests.alerts.company_support import FAST, alert_settings, scalar_rows
from tests.alerts.receivers import http_receiver
from tests.company_support import MAVEN_TENANT as TENANT
from tests.company_support import copy_workspace


@pytest.fixture(scope="module")
def maventech(
    maventech_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> Workspace:
    """A private copy of the session's MavenTech build: the alert tests write alert state."""
    return copy_workspace(maventech_workspace, tmp_path_factory.mktemp("alerts-maven") / "ws")


def _in_categories(workspace: Workspace, categories: tuple[str, ...]) -> set[str]:
    marks = ", ".join(f"'{c}'" for c in categories)
    return set(
        scalar_rows(
            workspace,
            TENANT,
            f"select opportunity_id from gold.ml_deal_scores where risk_category in ({marks})",
        )
    )


def test_deal_rules_on_maventech(maventech: Workspace) -> None:
    # the default categories, and a wider rule that holds deals on any risk distribution
    urgent = _in_categories(maventech, ("critical", "high"))
    wide = _in_categories(maventech, ("critical", "high", "medium"))
    assert wide, "MavenTech's scored deals should fill the medium category or above"
    rules = [
        {"id": "urgent", "kind": "deal_risk"},
        {"id": "wide", "kind": "deal_risk", "categories": ["critical", "high", "medium"]},
        {"id": "slips", "kind": "close_date_slip"},
        {"id": "churn", "kind": "churn_risk", "threshold": 0.5},
        {"id": "mrr", "kind": "mrr_at_risk", "amount": 1},
    ]
    with http_receiver(script=[502]) as hook:
        settings = alert_settings(rules, webhook={"url": hook.url, **FAST})
        first = evaluate_tenant(maventech, TENANT, settings=settings, sleep=lambda _s: None)
        assert first.raised == len(urgent) + len(wide)
        assert set(first.skipped) == {"churn", "mrr"}
        assert all("churn scores" in reason for reason in first.skipped.values())
        assert {d.status for d in first.deliveries} == {"delivered"}
        sent = [a for r in hook.requests[1:] for a in json.loads(r.body)["alerts"]]
        assert {a["subject_id"] for a in sent if a["rule_id"] == "wide"} == wide
        assert {a["subject_id"] for a in sent if a["rule_id"] == "urgent"} == urgent
        assert all(len(json.loads(r.body)["alerts"]) <= 100 for r in hook.requests)
        assert all(a["details"]["rep"] for a in sent)  # every MavenTech deal has an agent
        assert {a["details"]["risk_category"] for a in sent} <= {"critical", "high", "medium"}
        assert all("win probability" in a["message"] for a in sent)

        requests = len(hook.requests)
        again = evaluate_tenant(maventech, TENANT, settings=settings)
        assert (again.raised, again.cleared, again.deliveries) == (0, 0, [])
        assert len(hook.requests) == requests
    # no open MavenTech deal has a close date: nothing observed, nothing raised
    log = AlertLog(alert_log_path(maventech, TENANT))
    assert log.observations("slips") == {}
    assert log.alerts(kind="close_date_slip")[1] == 0
