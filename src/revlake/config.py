"""Workspace settings: `revlake.toml` plus `REVLAKE_*` environment overrides.

Settings are read on request (`load_settings`), never at import time, and every invalid
value is reported with the key, the source (file or environment variable) and the values
that would have been accepted.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from babel.numbers import list_currencies
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from revlake.alert_settings import RULE_KINDS, AlertSettings
from revlake.errors import ConfigError

CONFIG_FILE_NAME = "revlake.toml"
ENV_PREFIX = "REVLAKE_"
# Environment variables with the prefix that are not workspace settings.
# (REVLAKE_TEST_POSTGRES_URL: the PostgreSQL server the test suite uses.)
ENV_NON_SETTINGS = frozenset({"REVLAKE_WORKSPACE", "REVLAKE_TEST_POSTGRES_URL"})

DEFAULT_API_MAX_BODY_BYTES = 1_048_576  # 1 MiB: contracts and notes are a few kB
_TENANT_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_DATABASE_SCHEMES = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"})
# Spark settings whose values `revlake config` hides (e.g. fs.s3a.secret.key).
_SECRET_SPARK_KEY = re.compile(r"secret|password|token|credential|access\.key", re.IGNORECASE)
# Spark masters `revlake build --engine spark` accepts: a local session or a cluster manager.
_SPARK_MASTER_PATTERN = re.compile(
    r"^(local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?|yarn|(spark|k8s|mesos)://\S+)$"
)
# A DuckDB memory size: a number and one of the units DuckDB's `memory_limit` reads.
_MEMORY_SIZE_PATTERN = re.compile(
    r"^([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE
)
_MEMORY_UNIT_BYTES = {
    **{unit: 1000**i for i, unit in enumerate(("b", "kb", "mb", "gb", "tb"))},
    **{unit: 1024**i for i, unit in enumerate(("b", "kib", "mib", "gib", "tib"))},
}
MIN_BUILD_MEMORY_BYTES = 64 * 1024**2  # below this DuckDB cannot run the models at all


class ChurnTiming(StrEnum):
    """When a cancelled customer stops counting in MRR (ChartMogul offers all three)."""

    PERIOD_END = "period_end"  # at the end of the last paid service period (default)
    CANCELLATION = "cancellation"  # on the day the cancellation happened in billing
    SCHEDULED = "scheduled"  # on the day the cancellation was scheduled (requested)


class DateOrder(StrEnum):
    """The order of day, month and year in dates whose values alone do not tell it."""

    MDY = "MDY"  # 02/03/24 = 3 February 2024 (US)
    DMY = "DMY"  # 02/03/24 = 2 March 2024 (most of the world)
    YMD = "YMD"  # 24/02/03 = 3 February 2024


class DecimalSeparator(StrEnum):
    """The decimal separator of numbers whose values alone do not tell it (`1,234`)."""

    POINT = "."
    COMMA = ","


class TenantConfig(BaseModel):
    """One tenant: a company whose data revlake keeps apart from every other's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = ""
    # Resolve ambiguous dates / numbers in this tenant's exports (docs/INGEST.md).
    date_order: DateOrder | None = None
    decimal_separator: DecimalSeparator | None = None
    # `[tenants.alerts]`: alert rules and their channels (docs/ALERTS.md); none by default.
    alerts: AlertSettings = AlertSettings()

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _TENANT_ID_PATTERN.match(value):
            raise ValueError(
                "must start with a lowercase letter and contain only lowercase letters, "
                "digits, '-' or '_' (at most 63 characters)"
            )
        return value


class WorkspaceSettings(BaseModel):
    """The `[workspace]` table of revlake.toml; each key may be overridden by REVLAKE_<KEY>."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reporting_currency: str = "USD"
    fiscal_year_start_month: int = Field(default=1, ge=1, le=12)
    churn_timing: ChurnTiming = ChurnTiming.PERIOD_END
    landing_path: str = "landing"
    # Operational store (tenants, API keys, audit log); None = SQLite at <workspace>/revlake.db.
    database_url: str | None = None
    # Largest request body the API accepts, in bytes (413 above it); contracts and notes fit.
    api_max_body_bytes: int = Field(default=DEFAULT_API_MAX_BODY_BYTES, ge=1024, le=2**30)
    # Tax (docs/FINANCE.md "Tax"): the seller's country, where it is registered to collect
    # tax abroad ("EU" = the One-Stop-Shop, every member state) and its US nexus states.
    tax_seller_country: str = "US"
    tax_registrations: tuple[str, ...] = ("EU", "GB", "AU")
    tax_nexus_states: tuple[str, ...] = ()
    # Typed ingest (docs/INGEST.md): how ambiguous values are read when a tenant does not say.
    date_order: DateOrder | None = None
    decimal_separator: DecimalSeparator | None = None
    date_years_ahead: int = Field(default=20, ge=1, le=200)
    # Landing hygiene and bounded resources (docs/INGEST.md).
    ingest_settle_seconds: float = Field(default=3.0, ge=0, le=3600)
    ingest_max_new_columns: int = Field(default=100, ge=0)
    ingest_max_columns: int = Field(default=10_000, ge=1)
    ingest_max_cells: int = Field(default=20_000_000, ge=1)
    ingest_max_cells_per_kib: int = Field(default=2_000, ge=1)
    # `revlake build --engine spark` (docs/TRANSFORM.md "Running on Spark and Databricks"):
    # the Spark master (None = a small local session, local[2]) and extra Spark settings,
    # e.g. {"spark.executor.memory" = "8g"}; REVLAKE_SPARK_CONF takes a JSON object.
    spark_master: str | None = None
    spark_conf: dict[str, str] = Field(default_factory=dict)
    # `revlake build` on DuckDB: the most memory DuckDB may use (its `memory_limit`, e.g.
    # "10GB"); above it the build's operators spill to disk. None = DuckDB's own default,
    # 80% of the machine's RAM, which let a 1M-customer build reach 17 GiB of 24
    # (docs/TRANSFORM.md "Memory").
    build_memory_limit: str | None = None

    @field_validator("tax_registrations", "tax_nexus_states", mode="before")
    @classmethod
    def _code_list(cls, value: object) -> object:
        """A comma-separated string (as REVLAKE_* variables give) becomes a list."""
        if isinstance(value, str):
            return [part for part in (p.strip() for p in value.split(",")) if part]
        return value

    @field_validator("spark_conf", mode="before")
    @classmethod
    def _spark_conf_object(cls, value: object) -> object:
        """A JSON object (as REVLAKE_SPARK_CONF gives) becomes a mapping; keys are spark.*."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ValueError(
                    'must be a JSON object of Spark settings, e.g. {"spark.executor.memory": "8g"}'
                ) from None
        if isinstance(value, Mapping):
            bad = [str(k) for k in value if not str(k).startswith("spark.")]
            if bad:
                raise ValueError(f"Spark settings start with 'spark.' (got {', '.join(bad)})")
            return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
        return value

    @field_validator("spark_master")
    @classmethod
    def _known_spark_master(cls, value: str | None) -> str | None:
        if value is None:
            return None
        master = value.strip()
        if not _SPARK_MASTER_PATTERN.fullmatch(master):
            raise ValueError(
                "must be a Spark master: local, local[N], local[*], yarn, spark://HOST:PORT, "
                "k8s://URL or mesos://URL"
            )
        return master

    @field_validator("build_memory_limit")
    @classmethod
    def _memory_size(cls, value: str | None) -> str | None:
        if value is None:
            return None
        size = value.strip()
        match = _MEMORY_SIZE_PATTERN.fullmatch(size)
        if not match:
            raise ValueError(
                "must be a memory size: a number and a unit, e.g. 10GB, 512MB or 8GiB "
                "(units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            )
        number, unit = match.groups()
        if float(number) * _MEMORY_UNIT_BYTES[unit.lower()] < MIN_BUILD_MEMORY_BYTES:
            raise ValueError("must be at least 64MiB (DuckDB cannot build the models in less)")
        return f"{number}{unit.upper().replace('I', 'i')}"

    @field_validator("tax_seller_country")
    @classmethod
    def _country_code(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(f"{value!r} is not a two-letter ISO country code (e.g. US, DE)")
        return code

    @field_validator("tax_registrations")
    @classmethod
    def _registration_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        codes = tuple(v.strip().upper() for v in value)
        for code in codes:
            if not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", code):
                raise ValueError(
                    f"{code!r} is not a tax registration: use EU (One-Stop-Shop), a country "
                    "code (GB, AU) or a country-region code (CA-ON)"
                )
        return codes

    @field_validator("tax_nexus_states")
    @classmethod
    def _state_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        codes = tuple(v.strip().upper() for v in value)
        for code in codes:
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise ValueError(f"{code!r} is not a two-letter US state code (e.g. NY)")
        return codes

    @field_validator("database_url")
    @classmethod
    def _known_database_scheme(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme not in _DATABASE_SCHEMES:
            raise ValueError(
                "must be a database URL starting with one of "
                + ", ".join(f"{s}://" for s in sorted(_DATABASE_SCHEMES))
            )
        return value

    @field_validator("reporting_currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in _iso_currencies():
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. USD, EUR, GBP)")
        return code


class Settings(BaseModel):
    """Everything revlake.toml holds, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace: WorkspaceSettings = WorkspaceSettings()
    tenants: tuple[TenantConfig, ...] = ()

    @field_validator("tenants")
    @classmethod
    def _unique_tenants(cls, value: tuple[TenantConfig, ...]) -> tuple[TenantConfig, ...]:
        seen: set[str] = set()
        for tenant in value:
            if tenant.id in seen:
                raise ValueError(f"tenant id {tenant.id!r} appears more than once")
            seen.add(tenant.id)
        return value

    def tenant(self, tenant_id: str) -> TenantConfig:
        """The tenant with this id, or an InputError listing the ones that exist."""
        for tenant in self.tenants:
            if tenant.id == tenant_id:
                return tenant
        known = ", ".join(t.id for t in self.tenants) or "(none)"
        raise ConfigError(f"unknown tenant {tenant_id!r}; tenants in this workspace: {known}")


_currency_cache: frozenset[str] | None = None


def _iso_currencies() -> frozenset[str]:
    global _currency_cache
    if _currency_cache is None:
        _currency_cache = frozenset(list_currencies())
    return _currency_cache


def workspace_setting_names() -> list[str]:
    """Names of the keys allowed in the `[workspace]` table."""
    return list(WorkspaceSettings.model_fields)


def _allowed_values_hint(key: str) -> str:
    field = WorkspaceSettings.model_fields.get(key)
    if field is None:
        return ""
    annotation = field.annotation
    members = [
        arg
        for arg in (*getattr(annotation, "__args__", ()), annotation)
        if isinstance(arg, type) and issubclass(arg, StrEnum)
    ]
    if members:
        return "; allowed values: " + ", ".join(member.value for member in members[0])
    if key == "fiscal_year_start_month":
        return "; allowed values: 1 to 12 (1 = January)"
    return ""


def _key_path(parts: list[str]) -> str:
    """`alerts.rules[2].threshold` from pydantic's location (entries counted from 1; the
    rule kind pydantic adds for the tagged union is dropped)."""
    path = ""
    for part in parts:
        if part.isdigit():
            path += f"[{int(part) + 1}]"
        elif part in RULE_KINDS or part.startswith("function-"):
            continue
        else:
            path += f".{part}" if path else part
    return path


def _describe_errors(error: ValidationError, source: str, env_keys: Mapping[str, str]) -> str:
    lines = []
    for item in error.errors():
        location = [str(part) for part in item["loc"]]
        key = location[-1] if location else "?"
        if len(location) >= 2 and location[0] == "workspace" and key in env_keys:
            where = f"environment variable {env_keys[key]}"
        elif location and location[0] == "tenants" and len(location) >= 2:
            where = f"{source}: [[tenants]] entry {int(location[1]) + 1}" + (
                f", key {_key_path(location[2:])!r}" if len(location) > 2 else ""
            )
        else:
            section = location[0] if len(location) > 1 else ""
            where = f"{source}: " + (f"[{section}] key {key!r}" if section else f"key {key!r}")
        if item["type"] == "extra_forbidden":
            allowed = (
                workspace_setting_names()
                if location and location[0] == "workspace"
                else (
                    list(TenantConfig.model_fields)
                    if location and location[0] == "tenants"
                    else ["workspace", "tenants"]
                )
            )
            lines.append(f"{where}: unknown setting; allowed keys: {', '.join(allowed)}")
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        value = item.get("input")
        shown = f" (got {value!r})" if not isinstance(value, dict | list) else ""
        lines.append(f"{where}: {message}{shown}{_allowed_values_hint(key)}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def _env_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """Map REVLAKE_<KEY> variables to workspace keys; unknown ones are an error."""
    overrides: dict[str, str] = {}
    allowed = set(workspace_setting_names())
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in ENV_NON_SETTINGS:
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key not in allowed:
            allowed_vars = ", ".join(ENV_PREFIX + k.upper() for k in sorted(allowed))
            raise ConfigError(
                f"environment variable {name}: unknown setting; allowed variables: "
                f"{allowed_vars}, REVLAKE_WORKSPACE"
            )
        overrides[key] = value
    return overrides


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse revlake.toml, naming the line and column of a syntax error."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; create a workspace with `revlake init PATH`"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def settings_from_mapping(
    data: Mapping[str, Any],
    *,
    source: str = CONFIG_FILE_NAME,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate raw settings, applying REVLAKE_* overrides from `environ` (default os.environ)."""
    env = os.environ if environ is None else environ
    overrides = _env_overrides(env)
    merged: dict[str, Any] = dict(data)
    workspace = merged.get("workspace", {})
    if not isinstance(workspace, Mapping):
        raise ConfigError(f"{source}: [workspace] must be a table of settings")
    merged["workspace"] = {**workspace, **overrides}
    env_keys = {key: ENV_PREFIX + key.upper() for key in overrides}
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_describe_errors(exc, source, env_keys)) from None


def load_settings(workspace_dir: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Load and validate the settings of the workspace at `workspace_dir`."""
    path = Path(workspace_dir) / CONFIG_FILE_NAME
    return settings_from_mapping(read_config_file(path), source=str(path), environ=environ)


def redacted_settings(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-able data with secrets replaced by *** (for printing)."""
    from revlake.store.db import redact_url

    data = settings.model_dump(mode="json")
    url = data["workspace"].get("database_url")
    if url:
        data["workspace"]["database_url"] = redact_url(url)
    conf = data["workspace"].get("spark_conf") or {}
    data["workspace"]["spark_conf"] = {
        key: "***" if _SECRET_SPARK_KEY.search(key) else value for key, value in conf.items()
    }
    return data
