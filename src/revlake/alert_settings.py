"""A tenant's alert settings: the `[tenants.alerts]` tables of revlake.toml (docs/ALERTS.md).

Rules say what to watch (a deal entering a risk category, a close date slipping, a
customer's churn probability crossing a threshold, total MRR at risk growing past an
amount); channels say where new alerts go (a signed webhook, SMTP email). Validated with
the rest of revlake.toml, so a bad value is reported with its key when the workspace is
opened. Secrets are never written in the file: the SMTP password and (optionally) the
webhook signing secret are read from environment variables the settings name.

Risk category names are checked against the deal scores' categories by `revlake.alerts`
(this module sits below the schemas and cannot import them).
"""

from __future__ import annotations

import ipaddress
import re
from email.utils import parseaddr
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Channel = Literal["webhook", "email"]
CHANNELS: tuple[Channel, ...] = ("webhook", "email")
RULE_KINDS = ("deal_risk", "close_date_slip", "churn_risk", "mrr_at_risk")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_LOOPBACK_NAMES = frozenset({"localhost"})


class _Table(BaseModel):
    """A settings table: frozen, and an unknown key is an error listing the allowed ones."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = {f.alias or name for name, f in cls.model_fields.items()}
            unknown = sorted(str(k) for k in data if k not in allowed and k not in cls.model_fields)
            if unknown:
                raise ValueError(
                    f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
                    f"; allowed keys: {', '.join(sorted(allowed))}"
                )
        return data


def _env_name(value: str | None) -> str | None:
    """The name of an environment variable holding a secret (not the secret itself)."""
    if value is None:
        return None
    if not _ENV_NAME.match(value):
        raise ValueError(
            f"{value!r} is not an environment variable name (letters, digits and '_'); "
            "put the secret in an environment variable and name it here"
        )
    if value.upper().startswith("REVLAKE_"):
        raise ValueError(
            f"{value!r}: REVLAKE_* variables are workspace settings; use another name "
            "(e.g. ACME_SMTP_PASSWORD)"
        )
    return value


class Delivery(_Table):
    """Retry policy shared by the channels: exponential backoff within one delivery round."""

    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    max_attempts: int = Field(default=5, ge=1, le=20)
    backoff_seconds: float = Field(default=1.0, ge=0, le=600)
    backoff_max_seconds: float = Field(default=60.0, ge=0, le=3600)
    give_up_after_hours: float = Field(default=24.0, gt=0, le=24 * 30)


class WebhookSettings(Delivery):
    """POST of each batch of new alerts as JSON, signed with HMAC-SHA256."""

    url: str
    # Environment variable holding the signing secret; unset = the tenant's generated
    # secret in tenants/<tenant>/alerts/webhook-secret (`revlake alerts secret`).
    secret_env: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL (e.g. https://hooks.example.com/x)")
        if parts.scheme == "http" and not _loopback(parts.hostname):
            raise ValueError(
                f"{value!r}: alerts leave the machine only over https://; http:// is allowed "
                "for localhost / 127.0.0.1 only"
            )
        return value.strip()

    @field_validator("secret_env")
    @classmethod
    def _secret_env(cls, value: str | None) -> str | None:
        return _env_name(value)


def _loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _address(value: str, key: str) -> str:
    _, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or ("." not in domain and domain != "localhost"):
        raise ValueError(f"{key}: {value!r} is not an email address (name@example.com)")
    return value.strip()


class EmailSettings(Delivery):
    """One email per batch of new alerts, through an SMTP server (smtplib)."""

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=587, ge=1, le=65535)
    from_address: str = Field(alias="from")
    to: tuple[str, ...] = Field(min_length=1, max_length=50)
    starttls: bool = True  # upgrade a plain connection (port 587) with STARTTLS
    ssl: bool = False  # implicit TLS from the first byte (port 465); excludes starttls
    username: str | None = None
    password_env: str | None = None  # the environment variable holding the password
    subject_prefix: str = Field(default="[revlake]", max_length=60)

    @field_validator("to", mode="before")
    @classmethod
    def _to_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("from_address")
    @classmethod
    def _from(cls, value: str) -> str:
        return _address(value, "from")

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_address(v, "to") for v in value)

    @field_validator("password_env")
    @classmethod
    def _password_env(cls, value: str | None) -> str | None:
        return _env_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> EmailSettings:
        if self.ssl and self.starttls:
            raise ValueError(
                "ssl = true (implicit TLS, port 465) and starttls = true exclude each other; "
                "set starttls = false with ssl = true"
            )
        if (self.username is None) != (self.password_env is None):
            raise ValueError("username and password_env go together: set both or neither")
        return self


class _Rule(_Table):
    id: str
    enabled: bool = True
    # channels the rule's alerts go to; unset = every channel configured
    channels: tuple[Channel, ...] | None = None

    @field_validator("id")
    @classmethod
    def _rule_id(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError(
                f"{value!r}: a rule id starts with a lowercase letter and holds only lowercase "
                "letters, digits, '-' or '_' (at most 63 characters)"
            )
        return value


class DealRiskRule(_Rule):
    """A deal enters one of `categories` (the deal scores' risk_category)."""

    kind: Literal["deal_risk"]
    categories: tuple[str, ...] = Field(default=("critical", "high"), min_length=1)
    min_amount: float | None = Field(default=None, ge=0)


class CloseDateSlipRule(_Rule):
    """An open deal's CRM close date moves later by at least `min_days` between publishes."""

    kind: Literal["close_date_slip"]
    min_days: int = Field(default=1, ge=1, le=3650)
    min_amount: float | None = Field(default=None, ge=0)


class ChurnRiskRule(_Rule):
    """A paying customer's churn probability reaches `threshold` (0–1)."""

    kind: Literal["churn_risk"]
    threshold: float = Field(gt=0, lt=1)
    min_mrr: float | None = Field(default=None, ge=0)


class MrrAtRiskRule(_Rule):
    """Total MRR at risk (Σ MRR × churn probability) grows past `amount`."""

    kind: Literal["mrr_at_risk"]
    amount: float = Field(gt=0)


AnyRule = DealRiskRule | CloseDateSlipRule | ChurnRiskRule | MrrAtRiskRule
AlertRule = Annotated[AnyRule, Field(discriminator="kind")]


class AlertSettings(_Table):
    """`[tenants.alerts]`: the rules and the channels of one tenant (none by default)."""

    rules: tuple[AlertRule, ...] = ()
    webhook: WebhookSettings | None = None
    email: EmailSettings | None = None
    max_alerts_per_message: int = Field(default=100, ge=1, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _rule_kinds(cls, data: Any) -> Any:
        """A rule without a known `kind` says which kinds exist."""
        rules = data.get("rules") if isinstance(data, dict) else None
        for number, rule in enumerate(rules if isinstance(rules, list) else [], start=1):
            if isinstance(rule, dict) and rule.get("kind") not in RULE_KINDS:
                raise ValueError(
                    f"rules entry {number}: kind {rule.get('kind')!r} is not a rule kind; "
                    f"kinds: {', '.join(RULE_KINDS)}"
                )
        return data

    @model_validator(mode="after")
    def _channels_exist(self) -> AlertSettings:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears more than once")
            seen.add(rule.id)
            missing = [c for c in rule.channels or () if getattr(self, c) is None]
            if missing:
                raise ValueError(
                    f"rule {rule.id!r} sends to {', '.join(missing)} but [tenants.alerts."
                    f"{missing[0]}] is not configured"
                )
        return self

    @property
    def configured_channels(self) -> tuple[Channel, ...]:
        return tuple(c for c in CHANNELS if getattr(self, c) is not None)

    def channels_of(self, rule: AnyRule) -> tuple[Channel, ...]:
        """Where the rule's alerts go: its own list, else every configured channel."""
        return rule.channels if rule.channels is not None else self.configured_channels
