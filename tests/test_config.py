"""Settings: file + REVLAKE_* overrides, with errors that name key, source and allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from revlake.config import ChurnTiming, load_settings, settings_from_mapping
from revlake.errors import ConfigError
from revlake.ingest.naming import normalize_column_name
from revlake.workspace import init_workspace


def test_defaults_when_file_is_minimal() -> None:
    settings = settings_from_mapping({"tenants": [{"id": "acme"}]}, environ={})
    assert settings.workspace.reporting_currency == "USD"
    assert settings.workspace.churn_timing is ChurnTiming.PERIOD_END
    assert settings.tenant("acme").id == "acme"


def test_environment_overrides_file(tmp_path: Path) -> None:
    init_workspace(tmp_path, tenants=["acme"])
    env = {"REVLAKE_REPORTING_CURRENCY": "eur", "REVLAKE_FISCAL_YEAR_START_MONTH": "4"}
    settings = load_settings(tmp_path, environ=env)
    assert settings.workspace.reporting_currency == "EUR"
    assert settings.workspace.fiscal_year_start_month == 4


def test_a_new_workspace_has_the_settings_every_later_command_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workspace init returns applies REVLAKE_* overrides as Workspace.open does; the
    file it writes holds the arguments alone."""
    from revlake.workspace import Workspace

    monkeypatch.setenv("REVLAKE_INGEST_SETTLE_SECONDS", "7.5")
    created = init_workspace(tmp_path / "ws", tenants=["acme"])
    assert created.settings == Workspace.open(tmp_path / "ws").settings
    assert created.settings.workspace.ingest_settle_seconds == 7.5
    assert "settle" not in (tmp_path / "ws" / "revlake.toml").read_text()
    monkeypatch.setenv("REVLAKE_FISCAL_YEAR_START_MONTH", "13")
    with pytest.raises(ConfigError, match="REVLAKE_FISCAL_YEAR_START_MONTH"):
        init_workspace(tmp_path / "other", tenants=["acme"])
    assert not (tmp_path / "other" / "revlake.toml").exists()


def test_bad_enum_names_key_source_and_allowed_values() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({"workspace": {"churn_timing": "never"}}, environ={})
    message = str(info.value)
    assert "churn_timing" in message
    assert "period_end, cancellation, scheduled" in message
    assert "'never'" in message


def test_bad_env_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="REVLAKE_FISCAL_YEAR_START_MONTH"):
        settings_from_mapping({}, environ={"REVLAKE_FISCAL_YEAR_START_MONTH": "13"})


def test_unknown_setting_in_file_lists_allowed_keys() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({"workspace": {"currency": "USD"}}, environ={})
    assert "'currency'" in str(info.value)
    assert "reporting_currency" in str(info.value)


def test_unknown_env_variable_is_an_error() -> None:
    with pytest.raises(ConfigError, match="REVLAKE_CURRENCY"):
        settings_from_mapping({}, environ={"REVLAKE_CURRENCY": "USD"})


def test_unknown_currency_is_rejected() -> None:
    with pytest.raises(ConfigError, match="ISO 4217"):
        settings_from_mapping({"workspace": {"reporting_currency": "XYZ1"}}, environ={})


def test_duplicate_and_malformed_tenants() -> None:
    with pytest.raises(ConfigError, match="more than once"):
        settings_from_mapping({"tenants": [{"id": "a"}, {"id": "a"}]}, environ={})
    with pytest.raises(ConfigError, match=r"\[\[tenants\]\] entry 1"):
        settings_from_mapping({"tenants": [{"id": "Bad Name"}]}, environ={})


def test_toml_syntax_error_names_line(tmp_path: Path) -> None:
    (tmp_path / "revlake.toml").write_text("[workspace\nx=1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        load_settings(tmp_path, environ={})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Created (UTC)", "created_utc"),
        ("IsWon", "is_won"),
        ("Segment__c", "segment_c"),
        ("CampaignId", "campaign_id"),
        ("CID", "cid"),
        ("\ufeffid", "id"),
        ("2024 revenue", "col_2024_revenue"),
        ("", "col"),
    ],
)
def test_header_normalisation(header: str, expected: str) -> None:
    assert normalize_column_name(header) == expected


def test_spark_settings_from_file_and_environment() -> None:
    """`revlake build --engine spark` settings: a master and Spark settings (a TOML table,
    or a JSON object in REVLAKE_SPARK_CONF, which wins)."""
    settings = settings_from_mapping({}, environ={})
    assert settings.workspace.spark_master is None and settings.workspace.spark_conf == {}
    file = {"workspace": {"spark_master": "spark://head:7077", "spark_conf": {"spark.a": 1}}}
    settings = settings_from_mapping(file, environ={})
    assert settings.workspace.spark_master == "spark://head:7077"
    assert settings.workspace.spark_conf == {"spark.a": "1"}
    env = {"REVLAKE_SPARK_MASTER": "local[*]", "REVLAKE_SPARK_CONF": '{"spark.b": "8g"}'}
    settings = settings_from_mapping(file, environ=env)
    assert settings.workspace.spark_master == "local[*]"
    assert settings.workspace.spark_conf == {"spark.b": "8g"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REVLAKE_SPARK_MASTER": "http://head"}, "must be a Spark master"),
        ({"REVLAKE_SPARK_MASTER": "local[0]"}, "must be a Spark master"),
        ({"REVLAKE_SPARK_CONF": "spark.a=1"}, "JSON object"),
        ({"REVLAKE_SPARK_CONF": '{"executor.memory": "8g"}'}, "start with 'spark.'"),
    ],
)
def test_bad_spark_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({}, environ=env)
    assert message in str(info.value) and next(iter(env)) in str(info.value)


def test_printed_settings_hide_spark_secrets() -> None:
    from revlake.config import redacted_settings

    conf = {"spark.hadoop.fs.s3a.secret.key": "s3cr3t", "spark.executor.memory": "8g"}
    settings = settings_from_mapping({"workspace": {"spark_conf": conf}}, environ={})
    printed = redacted_settings(settings)["workspace"]["spark_conf"]
    assert printed == {"spark.hadoop.fs.s3a.secret.key": "***", "spark.executor.memory": "8g"}
    assert settings.workspace.spark_conf["spark.hadoop.fs.s3a.secret.key"] == "s3cr3t"


@pytest.mark.parametrize(
    ("given", "stored", "duckdb_reports"),
    [
        ("10GB", "10GB", "9.3 GiB"),
        (" 512 mb ", "512MB", "488.2 MiB"),
        ("8gib", "8GiB", "8.0 GiB"),
        ("1.5GB", "1.5GB", "1.3 GiB"),
    ],
)
def test_build_memory_limit_is_a_size_duckdb_reads(
    given: str, stored: str, duckdb_reports: str
) -> None:
    """The value is kept in a form DuckDB's `memory_limit` accepts, set the way
    dbt-duckdb sets a profile's `settings` (SET key = 'value')."""
    import duckdb

    assert settings_from_mapping({}, environ={}).workspace.build_memory_limit is None
    file = {"workspace": {"build_memory_limit": given}}
    limit = settings_from_mapping(file, environ={}).workspace.build_memory_limit
    assert limit == stored
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{limit}'")
    assert con.execute("select current_setting('memory_limit')").fetchone() == (duckdb_reports,)


@pytest.mark.parametrize(
    ("source", "value", "message"),
    [
        ("file", "10", "must be a memory size"),
        ("file", "80%", "must be a memory size"),
        ("file", "-1GB", "must be a memory size"),
        ("file", "ten GB", "must be a memory size"),
        ("env", "0GB", "at least 64MiB"),
        ("env", "1MB", "at least 64MiB"),
    ],
)
def test_bad_build_memory_limit_names_the_setting_and_the_value(
    source: str, value: str, message: str
) -> None:
    file = {"workspace": {"build_memory_limit": value}} if source == "file" else {}
    env = {"REVLAKE_BUILD_MEMORY_LIMIT": value} if source == "env" else {}
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(file, environ=env)
    text = str(info.value)
    named = "build_memory_limit" if source == "file" else "REVLAKE_BUILD_MEMORY_LIMIT"
    assert named in text and repr(value) in text and message in text
