"""Source layouts: declarative descriptions of export files, and where they come from.

A layout is data, not code: a TOML file naming the bronze table, the headers a file must
have (`required`), the ones it may have (`optional`) and other spellings of them
(`aliases`). revlake ships layouts in `revlake/ingest/layouts/`; a workspace adds or
overrides them with `layouts/*.toml` in the workspace folder (same schema). Column names
are always `normalize_column_name(header)`, so `Created (UTC)` and `created_utc` are one
column.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from revlake.errors import InputError
from revlake.ingest.naming import normalize_column_name
from revlake.ingest.values import DECLARABLE_KINDS, format_problem

WORKSPACE_LAYOUTS_DIR = "layouts"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class LayoutSpec(BaseModel):
    """The schema of one layout file (validated; unknown keys are an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    source: str = ""
    file_names: tuple[str, ...] = ()
    required: tuple[str, ...] = Field(min_length=1)
    optional: tuple[str, ...] = ()
    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # Columns whose presence tells this layout apart from others with the same required
    # columns (Account vs Contact vs Lead): a file must carry at least one of them.
    distinctive: tuple[str, ...] = ()
    # What a column holds (text, date, timestamp, number, integer, boolean): typed
    # detection then only considers formats of that kind, and silver parses with them.
    types: dict[str, str] = Field(default_factory=dict)
    # A fixed format for a column (`%d/%m/%Y`, `iso`, `num:,:.:`): no detection.
    formats: dict[str, str] = Field(default_factory=dict)
    # Resolves ambiguous dates of this layout's files (MDY, DMY, YMD).
    date_order: str | None = None

    @field_validator("types")
    @classmethod
    def _known_kinds(cls, value: dict[str, str]) -> dict[str, str]:
        for column, kind in value.items():
            if kind not in DECLARABLE_KINDS:
                raise ValueError(
                    f"column {column!r}: unknown type {kind!r}; allowed: "
                    + ", ".join(DECLARABLE_KINDS)
                )
        return value

    @field_validator("formats")
    @classmethod
    def _known_formats(cls, value: dict[str, str]) -> dict[str, str]:
        for column, code in value.items():
            problem = format_problem(code)
            if problem:
                raise ValueError(f"column {column!r}: {problem}")
        return value

    @field_validator("date_order")
    @classmethod
    def _known_order(cls, value: str | None) -> str | None:
        if value is not None and value not in ("MDY", "DMY", "YMD"):
            raise ValueError(f"{value!r} is not a date order; allowed: MDY, DMY, YMD")
        return value

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                "must start with a lowercase letter and hold only lowercase letters, digits "
                "and '_' (it becomes the bronze table name)"
            )
        return value


@dataclass(frozen=True)
class Layout:
    """A validated layout with its canonical (bronze) column names resolved."""

    name: str
    description: str
    source: str
    origin: str
    file_names: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    aliases: dict[str, str]
    distinctive: tuple[str, ...] = ()
    types: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)
    date_order: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Bronze columns of the layout, required first, in declaration order."""
        return self.required + self.optional

    def canonical(self, header: str) -> str:
        """The bronze column a file header maps to (its alias target or its own name)."""
        name = normalize_column_name(header)
        return self.aliases.get(name, name)

    def matches_file_name(self, file_name: str) -> bool:
        lowered = file_name.lower()
        return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in self.file_names)


def _build(spec: LayoutSpec, origin: str) -> Layout:
    required = tuple(normalize_column_name(h) for h in spec.required)
    optional = tuple(normalize_column_name(h) for h in spec.optional)
    columns = required + optional
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise InputError(
            f"{origin}: layout {spec.name!r} lists columns that normalise to the same name: "
            + ", ".join(duplicates)
        )
    aliases: dict[str, str] = {}
    for target_header, alternatives in spec.aliases.items():
        target = normalize_column_name(target_header)
        if target not in columns:
            raise InputError(
                f"{origin}: layout {spec.name!r}, [aliases] key {target_header!r} is not one of "
                f"its columns ({', '.join(columns)})"
            )
        for alternative in alternatives:
            alias = normalize_column_name(alternative)
            if alias in columns or aliases.get(alias, target) != target:
                raise InputError(
                    f"{origin}: layout {spec.name!r}, alias {alternative!r} of {target_header!r} "
                    "is already a column or an alias of another column"
                )
            aliases[alias] = target
    typed: dict[str, dict[str, str]] = {"types": {}, "formats": {}}
    for key, given in (("types", spec.types), ("formats", spec.formats)):
        for header, value in given.items():
            column = normalize_column_name(header)
            if column not in columns:
                raise InputError(
                    f"{origin}: layout {spec.name!r}, [{key}] key {header!r} is not one of "
                    f"its columns ({', '.join(columns)})"
                )
            typed[key][column] = value
    distinctive = tuple(normalize_column_name(h) for h in spec.distinctive)
    unknown = [h for h, c in zip(spec.distinctive, distinctive, strict=True) if c not in columns]
    if unknown:
        raise InputError(
            f"{origin}: layout {spec.name!r}, distinctive column(s) {', '.join(unknown)} "
            "are not among its required or optional columns"
        )
    return Layout(
        name=spec.name,
        description=spec.description,
        source=spec.source,
        origin=origin,
        file_names=spec.file_names,
        required=required,
        optional=optional,
        aliases=aliases,
        distinctive=distinctive,
        types=typed["types"],
        formats=typed["formats"],
        date_order=spec.date_order,
    )


def parse_layout(text: str, origin: str) -> Layout:
    """Parse and validate one layout file's text; errors name the file and the key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{origin}: not valid TOML: {exc}") from None
    try:
        spec = LayoutSpec.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for item in exc.errors():
            key = ".".join(str(part) for part in item["loc"]) or "(file)"
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "unknown key; allowed keys: " + ", ".join(LayoutSpec.model_fields)
            problems.append(f"key {key!r}: {message}")
        raise InputError(f"{origin}: invalid layout: " + "; ".join(problems)) from None
    return _build(spec, origin)


def builtin_layouts() -> list[Layout]:
    """The layouts shipped with revlake (package data)."""
    folder = resources.files("revlake.ingest").joinpath("layouts")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found.append(parse_layout(entry.read_text(encoding="utf-8"), f"builtin:{entry.name}"))
    return found


def workspace_layouts(workspace_root: Path) -> list[Layout]:
    """Layouts the user added in `<workspace>/layouts/*.toml`."""
    folder = workspace_root / WORKSPACE_LAYOUTS_DIR
    if not folder.is_dir():
        return []
    return [
        parse_layout(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(folder.glob("*.toml"))
    ]


def merge_layouts(builtin: Iterable[Layout], user: Iterable[Layout]) -> list[Layout]:
    """Built-in layouts overridden by user layouts of the same name; sorted by name."""
    merged: dict[str, Layout] = {}
    for layout in builtin:
        if layout.name in merged:
            raise InputError(f"{layout.origin}: layout {layout.name!r} is defined twice")
        merged[layout.name] = layout
    seen_user: dict[str, str] = {}
    for layout in user:
        if layout.name in seen_user:
            raise InputError(
                f"{layout.origin}: layout {layout.name!r} is already defined in "
                f"{seen_user[layout.name]}"
            )
        seen_user[layout.name] = layout.origin
        merged[layout.name] = layout
    return [merged[name] for name in sorted(merged)]


def load_layouts(workspace_root: Path | None = None) -> list[Layout]:
    """Every layout in effect for a workspace (built-in plus the workspace's own)."""
    user = workspace_layouts(workspace_root) if workspace_root is not None else []
    return merge_layouts(builtin_layouts(), user)
