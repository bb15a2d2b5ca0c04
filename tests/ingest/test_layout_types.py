"""Built-in layouts declare the type of every column their silver models parse.

Typed detection only considers formats of a declared kind (and quarantines a file whose
declared column is ambiguous), so a staging model that parses a column as a date must find
that column declared a date in its layout: this test keeps the two in step.
"""

from __future__ import annotations

import re
from pathlib import Path

from revlake.ingest import load_layouts
from revlake.transform.project import PROJECT_DIR

_PARSES = {
    "to_date": {"date", "timestamp"},
    "to_timestamp": {"date", "timestamp"},
    "to_money": {"number", "integer"},
    "to_int": {"integer", "number"},
    "to_bool": {"boolean"},
}
_TABLE = re.compile(r"bronze_table\(\s*['\"](\w+)['\"]")
_CALL = re.compile(
    r"revlake\.(to_date|to_timestamp|to_money|to_int|to_bool)\(\s*['\"]([\w.]+)['\"]"
)


def _staging_models() -> list[Path]:
    return sorted((PROJECT_DIR / "models").rglob("*.sql"))


def test_every_parsed_bronze_column_is_declared_in_its_layout() -> None:
    layouts = {layout.name: layout for layout in load_layouts()}
    missing: list[str] = []
    for path in _staging_models():
        text = path.read_text(encoding="utf-8")
        tables = set(_TABLE.findall(text))
        if len(tables) != 1:
            continue  # models reading several tables name columns through Jinja loops
        [table] = tables
        layout = layouts[table]
        for macro, column in _CALL.findall(text):
            name = column.split(".")[-1]
            if name.startswith("_") or name not in layout.columns:
                continue
            declared = layout.types.get(name)
            if declared not in _PARSES[macro]:
                missing.append(f"{path.name}: {macro}('{name}') but {table} declares {declared}")
    assert missing == []


def test_declared_types_name_real_columns_of_every_builtin_layout() -> None:
    for layout in load_layouts():
        assert set(layout.types) <= set(layout.columns), layout.name
        assert set(layout.distinctive) <= set(layout.columns), layout.name
