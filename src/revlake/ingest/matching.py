"""Recognise a file: which layout its headers (and name) fit, or why none does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from revlake.ingest.layouts import Layout
from revlake.ingest.naming import normalize_column_name


@dataclass(frozen=True)
class ColumnMapping:
    """Where each source column (by position) lands in the bronze table."""

    headers: tuple[str, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """The layout a file was recognised as, with its column mapping."""

    layout: Layout
    mapping: ColumnMapping


@dataclass(frozen=True)
class NoMatch:
    """No layout fits: the closest ones and what each one missed."""

    message: str


def map_columns(layout: Layout, headers: Sequence[str]) -> ColumnMapping:
    """Bronze column of each header: its layout column (via aliases) or its own name.

    Two headers landing on the same name get `_2`, `_3`… so no source column is dropped.
    """
    used: set[str] = set()
    columns = []
    for header in headers:
        name = layout.canonical(header)
        if name in used:
            name = normalize_column_name(header)
        base, suffix = name, 2
        while name in used:
            name, suffix = f"{base}_{suffix}", suffix + 1
        used.add(name)
        columns.append(name)
    return ColumnMapping(headers=tuple(headers), columns=tuple(columns))


def _missing(layout: Layout, headers: Sequence[str]) -> list[str]:
    present = {layout.canonical(h) for h in headers}
    return [c for c in layout.required if c not in present]


def match_layout(
    headers: Sequence[str], file_name: str, layouts: Sequence[Layout]
) -> Match | NoMatch:
    """The best layout for a file, or a message naming the three closest and their gaps.

    A layout fits when every required column is present (aliases count). Among fitting
    layouts the one that knows most of the file's columns wins; a file-name pattern breaks
    ties; a remaining tie is reported rather than guessed.
    """
    fitting: list[tuple[int, int, int, Layout]] = []
    for layout in layouts:
        if _missing(layout, headers):
            continue
        known = sum(1 for h in headers if layout.canonical(h) in layout.columns)
        by_name = 1 if layout.matches_file_name(file_name) else 0
        fitting.append((known, by_name, len(layout.required), layout))
    if fitting:
        fitting.sort(key=lambda item: item[:3], reverse=True)
        best = fitting[0]
        ties = [item[3].name for item in fitting if item[:3] == best[:3]]
        if len(ties) == 1:
            return Match(layout=best[3], mapping=map_columns(best[3], headers))
        return NoMatch(
            f"{file_name}: ambiguous, its headers fit layouts {', '.join(ties)} equally well; "
            "give one of them a `file_names` pattern that matches this file"
        )
    return NoMatch(_closest_message(headers, file_name, layouts))


def _closest_message(headers: Sequence[str], file_name: str, layouts: Sequence[Layout]) -> str:
    ranked = []
    for layout in layouts:
        missing = _missing(layout, headers)
        share = 1 - len(missing) / len(layout.required)
        by_name = 1 if layout.matches_file_name(file_name) else 0
        ranked.append((share, by_name, -len(missing), layout.name, missing))
    ranked.sort(key=lambda item: (-item[0], -item[1], -item[2], item[3]))
    shown = "; ".join(
        f"{name}: missing required columns {', '.join(missing)}"
        for _, _, _, name, missing in ranked[:3]
    )
    found = ", ".join(normalize_column_name(h) for h in headers) or "(no header)"
    return (
        f"{file_name}: no layout matches its columns ({found}). Closest: {shown}. "
        "Add a layout in the workspace's layouts/ folder (see `revlake layouts`)."
    )
