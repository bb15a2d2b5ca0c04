"""Alert settings in revlake.toml: a bad value is an error naming the key; the example in
docs/ALERTS.md is valid."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from revlake.alert_settings import AlertSettings, ChurnRiskRule, DealRiskRule
from revlake.config import settings_from_mapping
from revlake.errors import ConfigError
from tests.conftest import REPO_ROOT


def _load(alerts: dict[str, Any]) -> AlertSettings:
    data = {"tenants": [{"id": "acme", "alerts": alerts}]}
    return settings_from_mapping(data, environ={}).tenant("acme").alerts


HOOK = {"url": "https://hooks.example.com/revlake"}
MAIL = {"host": "smtp.example.com", "from": "revlake@example.com", "to": ["cfo@example.com"]}


@pytest.mark.parametrize(
    ("alerts", "named"),
    [
        (
            {"rules": [{"id": "c", "kind": "churn_risk", "threshold": 1.5}]},
            "'alerts.rules[1].threshold': Input should be less than 1 (got 1.5)",
        ),
        (
            {"rules": [{"id": "c", "kind": "churn_risk"}]},
            "'alerts.rules[1].threshold': Field required",
        ),
        (
            {"rules": [{"id": "d", "kind": "deal_risk"}, {"id": "d", "kind": "deal_risk"}]},
            "rule id 'd' appears more than once",
        ),
        (
            {"rules": [{"id": "x", "kind": "churn"}]},
            "kind 'churn' is not a rule kind; kinds: deal_risk",
        ),
        (
            {"rules": [{"id": "x", "kind": "deal_risk", "min_amont": 5}]},
            "'alerts.rules[1]': unknown key 'min_amont'; allowed keys: categories, channels",
        ),
        ({"rules": [{"id": "Bad Id", "kind": "deal_risk"}]}, "'alerts.rules[1].id': 'Bad Id'"),
        (
            {"rules": [{"id": "m", "kind": "mrr_at_risk", "amount": -1}]},
            "'alerts.rules[1].amount': Input should be greater than 0",
        ),
        (
            {"rules": [{"id": "d", "kind": "deal_risk", "channels": ["email"]}]},
            "rule 'd' sends to email but [tenants.alerts.email] is not configured",
        ),
        (
            {"webhook": {"url": "http://hooks.example.com/x"}},
            "'alerts.webhook.url': 'http://hooks.example.com/x': alerts leave the machine only over https://",
        ),
        (
            {"webhook": {"url": "hooks.example.com"}},
            "'alerts.webhook.url': 'hooks.example.com' is not an http(s) URL",
        ),
        ({"webhook": {**HOOK, "max_attempts": 0}}, "'alerts.webhook.max_attempts'"),
        (
            {"webhook": {**HOOK, "secret_env": "REVLAKE_HOOK"}},
            "'alerts.webhook.secret_env': 'REVLAKE_HOOK': REVLAKE_* variables",
        ),
        (
            {"email": {**MAIL, "port": 70000}},
            "'alerts.email.port': Input should be less than or equal to 65535",
        ),
        (
            {"email": {**MAIL, "from": "revlake"}},
            "'alerts.email.from': from: 'revlake' is not an email address",
        ),
        (
            {"email": {**MAIL, "to": ["cfo"]}},
            "'alerts.email.to': to: 'cfo' is not an email address",
        ),
        ({"email": {**MAIL, "to": []}}, "'alerts.email.to'"),
        (
            {"email": {**MAIL, "ssl": True}},
            "ssl = true (implicit TLS, port 465) and starttls = true exclude",
        ),
        ({"email": {**MAIL, "username": "bot"}}, "username and password_env go together"),
        (
            {"email": {**MAIL, "password_env": "smtp password"}},
            "'alerts.email.password_env': 'smtp password' is not an environment variable name",
        ),
        ({"email": {**MAIL, "tls": True}}, "'alerts.email': unknown key 'tls'; allowed keys:"),
    ],
)
def test_a_bad_value_names_the_key(alerts: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(alerts)
    message = str(caught.value)
    assert "revlake.toml: [[tenants]] entry 1" in message
    assert named in message, message


def test_defaults_and_channels() -> None:
    settings = _load(
        {
            "webhook": HOOK,
            "email": {**MAIL, "to": "cfo@example.com"},
            "rules": [
                {"id": "risky", "kind": "deal_risk"},
                {"id": "churn", "kind": "churn_risk", "threshold": 0.5, "channels": ["email"]},
            ],
        }
    )
    risky, churn = settings.rules
    assert isinstance(risky, DealRiskRule) and risky.categories == ("critical", "high")
    assert isinstance(churn, ChurnRiskRule)
    assert settings.channels_of(risky) == ("webhook", "email")
    assert settings.channels_of(churn) == ("email",)
    assert settings.email is not None and settings.email.to == ("cfo@example.com",)
    assert settings.email.port == 587 and settings.email.starttls
    # http:// is fine on the loopback interface (a receiver on the same machine)
    assert _load({"webhook": {"url": "http://127.0.0.1:9000/x"}}).webhook is not None
    assert _load({}).rules == ()


def test_the_documented_example_is_valid() -> None:
    text = (REPO_ROOT / "docs" / "ALERTS.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S)
    assert block is not None, "docs/ALERTS.md has no ```toml example"
    data = tomllib.loads(block.group(1))
    settings = settings_from_mapping(data, environ={})
    alerts = settings.tenants[0].alerts
    assert {r.kind for r in alerts.rules} == {
        "deal_risk",
        "close_date_slip",
        "churn_risk",
        "mrr_at_risk",
    }
    assert alerts.webhook is not None and alerts.email is not None
