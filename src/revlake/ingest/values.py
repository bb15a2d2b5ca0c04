"""Value formats: how a text column of an export encodes dates, timestamps, numbers, booleans.

A `ValueFormat` is the one description of an encoding that every part of revlake shares:
ingest detects it per file and column and records its `code` in bronze (`_column_formats`);
the same object renders the SQL that parses a value with it, for DuckDB (ingest verifies a
whole column with it; silver parses with it) and for Spark (the same dbt models on Spark).
Nothing here guesses per value: a column gets one format per file, chosen over the whole
column (`revlake.ingest.detect`).

Codes (what `_column_formats.format` holds):
- dates and timestamps: a strptime pattern (`%m/%d/%y %I:%M %p`, `%d.%m.%Y`, `%Y%m%d`); a
  trailing `%z` means the values carry a UTC offset (or `Z`) and are converted to UTC;
  `iso` (ISO 8601 without offset, DuckDB's own cast) and `iso_tz` (ISO 8601 with an offset
  or `Z`); `epoch_s`, `epoch_ms` (Unix time); `excel_serial` (days since 1899-12-30);
- numbers: `num:<decimal>:<group>:<flags>` with the decimal separator, the thousands
  separator (empty: none) and flags `$` (currency symbols or ISO codes around the number),
  `(` (negative in parentheses), `%` (a percent sign: the number is kept as written,
  `12%` is 12), `-` (trailing minus, `123-`). `num:.::` is a plain number;
- `bool` (true/false, yes/no, t/f, y/n, 1/0), `text`, `empty` (no value in this file).

Two-digit years follow the POSIX rule DuckDB and Python use: 69–99 → 1969–1999,
00–68 → 2000–2068.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache


class ValueKind(StrEnum):
    """What a column holds, as detected (or declared by a layout)."""

    TEXT = "text"
    EMPTY = "empty"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    TIMESTAMP = "timestamp"

    @property
    def is_temporal(self) -> bool:
        return self in (ValueKind.DATE, ValueKind.TIMESTAMP)

    @property
    def is_numeric(self) -> bool:
        return self in (ValueKind.INTEGER, ValueKind.NUMBER)


# Kinds a layout may declare for a column (`[types]`), and what each accepts when detected.
DECLARABLE_KINDS = ("text", "date", "timestamp", "number", "integer", "boolean")

BOOL_TRUE = ("true", "t", "yes", "y", "1")
BOOL_FALSE = ("false", "f", "no", "n", "0")

# strptime directive → (regex over the value, Java DateTimeFormatter letters for Spark)
_DIRECTIVES: dict[str, tuple[str, str]] = {
    "%Y": (r"\d{4}", "yyyy"),
    "%y": (r"\d{2}", "yy"),
    "%m": (r"\d{1,2}", "M"),
    "%d": (r"\d{1,2}", "d"),
    "%H": (r"\d{1,2}", "H"),
    "%I": (r"\d{1,2}", "h"),
    "%M": (r"\d{2}", "mm"),
    "%S": (r"\d{2}", "ss"),
    "%f": (r"\d{1,9}", "SSSSSSSSS"),
    "%p": (r"[AaPp]\.?[Mm]\.?", "a"),
    "%b": (r"[A-Za-z]{3}", "MMM"),
    "%B": (r"[A-Za-z]{3,9}", "MMMM"),
    "%z": (r"(?:Z|[+-]\d{2}:?\d{2})", "XXX"),
}

_DATE_PARTS: tuple[tuple[str, str], ...] = (
    # (pattern, order) — order: which field comes first, used to resolve ambiguity
    ("%Y-%m-%d", "YMD"),
    ("%Y/%m/%d", "YMD"),
    ("%Y.%m.%d", "YMD"),
    ("%Y%m%d", "YMD"),
    ("%m/%d/%Y", "MDY"),
    ("%m-%d-%Y", "MDY"),
    ("%m.%d.%Y", "MDY"),
    ("%m/%d/%y", "MDY"),
    ("%m-%d-%y", "MDY"),
    ("%d/%m/%Y", "DMY"),
    ("%d-%m-%Y", "DMY"),
    ("%d.%m.%Y", "DMY"),
    ("%d/%m/%y", "DMY"),
    ("%d-%m-%y", "DMY"),
    ("%d.%m.%y", "DMY"),
    ("%y/%m/%d", "YMD"),
    ("%y-%m-%d", "YMD"),
    ("%d %b %Y", "DMY"),
    ("%d-%b-%Y", "DMY"),
    ("%d-%b-%y", "DMY"),
    ("%d %B %Y", "DMY"),
    ("%b %d, %Y", "MDY"),
    ("%B %d, %Y", "MDY"),
    ("%b %d %Y", "MDY"),
)
_TIME_PARTS = (
    "%H:%M",
    "%H:%M:%S",
    "%H:%M:%S.%f",
    "%I:%M %p",
    "%I:%M:%S %p",
    "%I:%M%p",
    "%I:%M:%S%p",
)

ISO = "iso"
ISO_TZ = "iso_tz"
EPOCH_S = "epoch_s"
EPOCH_MS = "epoch_ms"
EXCEL_SERIAL = "excel_serial"
BOOL = "bool"
TEXT = "text"
EMPTY = "empty"
PLAIN_NUMBER = "num:.::"

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_ISO_TIME = r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)"
_ISO_RE = re.compile(rf"{_ISO_DATE}{_ISO_TIME}?")
_ISO_TZ_RE = re.compile(rf"{_ISO_DATE}{_ISO_TIME}\s?(?:Z|[+-]\d{{2}}(?::?\d{{2}})?)")
_INTEGER_RE = re.compile(r"[+-]?\d+")
_EXCEL_RE = re.compile(r"\d{5}(?:\.\d+)?")


def _pattern_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        token = pattern[i : i + 2]
        if token in _DIRECTIVES:
            out.append(_DIRECTIVES[token][0])
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


_JAVA_FIXED = {"M": "MM", "d": "dd", "H": "HH", "h": "hh"}


def _java_pattern(pattern: str) -> str:
    """The Java DateTimeFormatter pattern (Spark) for a strptime pattern.

    One-letter fields (`M`, `d`) read one or two digits; a field right next to another
    field (`%Y%m%d`) must have a fixed width, so it gets two letters.
    """
    out, i = [], 0
    while i < len(pattern):
        token = pattern[i : i + 2]
        if token in _DIRECTIVES:
            letters = _DIRECTIVES[token][1]
            if pattern[i + 2 : i + 4] in _DIRECTIVES or pattern[max(0, i - 2) : i] in _DIRECTIVES:
                letters = _JAVA_FIXED.get(letters, letters)
            out.append(letters)
            i += 2
            continue
        char = pattern[i]
        out.append(f"'{char}'" if char.isalpha() else char)
        i += 1
    return "".join(out)


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class ValueFormat:
    """One encoding of values in a text column: its kind and its code (see module doc)."""

    kind: ValueKind
    code: str
    order: str = ""  # dates: YMD / MDY / DMY, for ambiguity between candidates

    @property
    def has_offset(self) -> bool:
        return self.code == ISO_TZ or self.code.endswith("%z")

    @property
    def is_strptime(self) -> bool:
        return "%" in self.code and not self.code.startswith("num:")

    def parse_sql(self, value: str, engine: str = "duckdb") -> str:
        """SQL parsing the text expression `value` with this format; NULL when it does not fit.

        Temporal formats give a TIMESTAMP (UTC when the values carry an offset), numeric
        formats the number as plain text (`-1234.56`, for the caller to cast), `bool` a
        BOOLEAN; `text`/`empty` give NULL (nothing to parse).
        """
        v = f"nullif(trim({value}), '')"
        if self.kind.is_temporal:
            return _temporal_sql(self, v, engine)
        if self.kind.is_numeric:
            return number_sql(self.code, v, engine)
        if self.kind is ValueKind.BOOLEAN:
            return bool_sql(v)
        return "cast(null as varchar)" if engine == "duckdb" else "cast(null as string)"


def _temporal_sql(fmt: ValueFormat, v: str, engine: str) -> str:
    code = fmt.code
    if engine == "spark":
        return _temporal_spark(code, v)
    if code == ISO:
        return f"try_cast({v} as timestamp)"
    if code == ISO_TZ:
        return f"(try_cast({v} as timestamptz) at time zone 'UTC')"
    if code == EPOCH_S:
        return f"try_cast(make_timestamp(try_cast({v} as bigint) * 1000000) as timestamp)"
    if code == EPOCH_MS:
        return f"try_cast(make_timestamp(try_cast({v} as bigint) * 1000) as timestamp)"
    if code == EXCEL_SERIAL:
        return (
            f"try_cast(timestamp '1899-12-30' + to_microseconds(cast(round("
            f"try_cast({v} as double) * 86400000000) as bigint)) as timestamp)"
        )
    pattern = sql_literal(code)
    if fmt.has_offset:
        fixed = f"regexp_replace({v}, 'Z$', '+00:00')"
        return f"(try_strptime({fixed}, {pattern}) at time zone 'UTC')"
    return f"try_strptime({v}, {pattern})"


def _temporal_spark(code: str, v: str) -> str:
    if code in (ISO, ISO_TZ):
        return f"cast({v} as timestamp)"
    if code == EPOCH_S:
        return f"timestamp_seconds(cast({v} as bigint))"
    if code == EPOCH_MS:
        return f"timestamp_millis(cast({v} as bigint))"
    if code == EXCEL_SERIAL:
        return (
            f"timestamp_micros(cast(round((cast({v} as double) - 25569) * 86400000000) as bigint))"
        )
    parsed = f"to_timestamp({v}, {spark_literal(_java_pattern(code))})"
    if "%y" in code:  # Spark reads yy as 2000-2099; DuckDB's POSIX rule gives 1969-1999
        parsed = (
            f"(case when year({parsed}) >= 2069 then {parsed} - interval 100 years "
            f"else {parsed} end)"
        )
    return parsed


def bool_sql(v: str) -> str:
    true = ", ".join(sql_literal(t) for t in BOOL_TRUE)
    false = ", ".join(sql_literal(f) for f in BOOL_FALSE)
    return (
        f"(case when lower({v}) in ({true}) then true when lower({v}) in ({false}) then false end)"
    )


@cache
def _currency_codes() -> str:
    """ISO 4217 codes (babel's list) as a regex alternation: `AWS-00003` is not money."""
    from babel.numbers import list_currencies

    codes = sorted((c for c in list_currencies() if re.fullmatch(r"[A-Z]{3}", c)), reverse=True)
    return "(?:" + "|".join(codes) + ")"


@dataclass(frozen=True)
class NumberStyle:
    """A number format code taken apart."""

    decimal: str
    group: str
    flags: str

    @classmethod
    def parse(cls, code: str) -> NumberStyle:
        _, decimal, group, flags = code.split(":", 3)
        return cls(decimal, group, flags)

    @property
    def code(self) -> str:
        return f"num:{self.decimal}:{self.group}:{self.flags}"

    def regex(self) -> str:
        """A full-match regex for a value in this style (after trimming)."""
        dec = re.escape(self.decimal)
        if self.group:
            grp = re.escape(self.group) if self.group != " " else "[ \u00a0\u202f]"
            digits = rf"\d{{1,3}}(?:{grp}\d{{3}})+|\d+"
        else:
            digits = r"\d+"
        body = rf"(?:(?:{digits})(?:{dec}\d+)?|{dec}\d+)"
        if not self.flags and self.decimal == "." and not self.group:
            body = rf"(?:{body}(?:[eE][+-]?\d+)?)"
        sign = r"[+-]?"
        if "$" in self.flags:
            cur = rf"(?:[$€£¥₹¢₩₽₺₪₫฿₴₦]|{_currency_codes()}|(?:US|CA|AU|NZ|HK|S|R|C|A)\$)"
            body = rf"(?:{cur}\s?)?{sign}\s?(?:{cur}\s?)?{body}(?:\s?{cur})?"
            sign = ""
        if "%" in self.flags:
            body = rf"{body}\s?%?"
        core = rf"{sign}{body}"
        if "-" in self.flags:
            core = rf"(?:{core}|{body}-)"
        if "(" in self.flags:
            core = rf"(?:{core}|\(\s?{body}\s?\))"
        return core


def spark_literal(text: str) -> str:
    """A Spark SQL string literal (Spark processes backslash escapes inside literals)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def number_sql(code: str, v: str, engine: str = "duckdb") -> str:
    """SQL turning text in number style `code` into plain numeric text (`-1234.5`).

    The value must fit the style as a whole (so `1,23,4` is not 1234 in `num:.:,:`); a
    `-` anywhere or parentheses make it negative, everything but digits and the decimal
    separator is dropped, and the decimal separator becomes `.`.
    """
    if code == PLAIN_NUMBER:
        return v
    style = NumberStyle.parse(code)
    keep = "[^0-9" + ("\\." if style.decimal == "." else style.decimal) + "]"
    if engine == "spark":
        match = f"({v} rlike {spark_literal('^(?:' + style.regex() + ')$')})"
        digits = f"regexp_replace({v}, {spark_literal(keep)}, '')"
    else:
        match = f"regexp_full_match({v}, {sql_literal(style.regex())})"
        digits = f"regexp_replace({v}, {sql_literal(keep)}, '', 'g')"
    if style.decimal != ".":
        digits = f"replace({digits}, {sql_literal(style.decimal)}, '.')"
    negative = f"({v} like '%-%' or {v} like '%(%')"
    return (
        f"(case when {match} then concat(case when {negative} then '-' else '' end, {digits}) end)"
    )


# --- which formats fit sample values ---------------------------------------------------------


@cache
def temporal_formats() -> tuple[ValueFormat, ...]:
    """Every strptime-style date/timestamp format revlake recognises (besides ISO/epoch)."""
    found: list[ValueFormat] = []
    for date, order in _DATE_PARTS:
        if date != "%Y-%m-%d":  # plain ISO dates are `iso`
            found.append(ValueFormat(ValueKind.DATE, date, order))
        for time in _TIME_PARTS:
            for sep in (" ", "T") if date.startswith("%Y") else (" ",):
                for zone in ("", "%z", " %z"):
                    if date == "%Y-%m-%d" and time.startswith("%H") and zone != " %z":
                        continue  # ISO 8601 timestamps are `iso` / `iso_tz`
                    code = f"{date}{sep}{time}{zone}"
                    found.append(ValueFormat(ValueKind.TIMESTAMP, code, order))
    return tuple(found)


@cache
def _compiled(code: str) -> re.Pattern[str]:
    return re.compile(_pattern_regex(code))


_LETTERS_OR_SYMBOLS = re.compile(r"[^\d\s.,'\u00a0\u202f+\-]")
_SHAPE = str.maketrans("0123456789", "9999999999")


def shape_of(value: str) -> str:
    """Digits → 9 (letters kept): values of one shape fit the same temporal formats."""
    return value.translate(_SHAPE)


def is_date_hint(column: str) -> bool:
    """Column names that make a numeric encoding (YYYYMMDD, epoch, Excel serial) a date."""
    name = column.lower()
    words = set(re.split(r"[^a-z]+", name))
    return bool(
        words & {"date", "dt", "day", "time", "timestamp", "created", "updated", "modified"}
        or name.endswith(("_at", "_on", "_utc", "date", "_dt", "_ts"))
    )


@cache
def temporal_fits(shape: str, date_hint: bool) -> tuple[ValueFormat, ...]:
    """Temporal formats a value of this shape fits (before checking the calendar)."""
    fits: list[ValueFormat] = []
    if _ISO_TZ_RE.fullmatch(shape):
        fits.append(ValueFormat(ValueKind.TIMESTAMP, ISO_TZ, "YMD"))
    elif _ISO_RE.fullmatch(shape):
        kind = ValueKind.DATE if len(shape) == 10 else ValueKind.TIMESTAMP
        fits.append(ValueFormat(kind, ISO, "YMD"))
    if date_hint and _INTEGER_RE.fullmatch(shape) and shape[0] not in "+-":
        if len(shape) == 8:
            fits.append(ValueFormat(ValueKind.DATE, "%Y%m%d", "YMD"))
        if len(shape) in (9, 10):
            fits.append(ValueFormat(ValueKind.TIMESTAMP, EPOCH_S))
        if len(shape) in (12, 13):
            fits.append(ValueFormat(ValueKind.TIMESTAMP, EPOCH_MS))
    if date_hint and _EXCEL_RE.fullmatch(shape):
        kind = ValueKind.TIMESTAMP if "." in shape else ValueKind.DATE
        fits.append(ValueFormat(kind, EXCEL_SERIAL))
    if len(shape) >= 6 and "9" in shape and not _INTEGER_RE.fullmatch(shape):
        fits.extend(fmt for fmt in temporal_formats() if _compiled(fmt.code).fullmatch(shape))
    return tuple(fits)


def is_bool_token(value: str) -> bool:
    lowered = value.lower()
    return lowered in BOOL_TRUE or lowered in BOOL_FALSE


def is_integer(value: str) -> bool:
    return _INTEGER_RE.fullmatch(value) is not None


_SEPARATOR_PAIRS = (
    (".", ""),
    (".", ","),
    (",", ""),
    (",", "."),
    (",", " "),
    (".", " "),
    (".", "'"),
)


def number_styles(values: list[str]) -> list[tuple[NumberStyle, list[str | None]]]:
    """Number styles (decimal, thousands, decorations) that fit the most sample values,
    each with its reading of every value (None where it does not fit).

    Decorations are exactly those some value uses (a currency sign, parentheses, a percent
    sign, a trailing minus), so a style never claims more than the data shows. Styles that
    read every sample value as the same number as a simpler style are dropped (`1234` is
    the same in every style); what remains differs on some value (`1,234`: 1234 with a
    thousands comma, 1.234 with a decimal comma), and the whole column decides.
    """
    if not any(ch.isdigit() for v in values[:50] for ch in v):
        return []
    flags = ""
    if any(_LETTERS_OR_SYMBOLS.search(v.strip("()%-+")) for v in values):
        flags += "$"
    if any(v.startswith("(") and v.endswith(")") for v in values):
        flags += "("
    if any(v.endswith("%") for v in values):
        flags += "%"
    if any(v.endswith("-") and len(v) > 1 for v in values):
        flags += "-"
    scored: list[tuple[int, NumberStyle, list[str | None]]] = []
    for decimal, group in _SEPARATOR_PAIRS:
        style = NumberStyle(decimal, group, flags)
        readings = [python_number(v, style) for v in values]
        fit = sum(1 for r in readings if r is not None)
        if fit:
            scored.append((fit, style, readings))
    if not scored:
        return []
    best = max(fit for fit, _, _ in scored)
    kept: list[tuple[NumberStyle, list[str | None]]] = []
    for fit, style, readings in scored:  # simplest first: _SEPARATOR_PAIRS is ordered so
        if fit < best or any(readings == other for _, other in kept):
            continue
        kept.append((style, readings))
    return kept


@cache
def _style_regex(code: str) -> re.Pattern[str]:
    return re.compile(NumberStyle.parse(code).regex())


def python_number(value: str, style: NumberStyle) -> str | None:
    """What `number_sql` makes of a value, computed in Python (sample-level agreement)."""
    if not _style_regex(style.code).fullmatch(value):
        return None
    kept = "".join(ch for ch in value if ch.isdigit() or ch == style.decimal)
    kept = kept.replace(style.decimal, ".")
    negative = "-" in value or "(" in value
    return ("-" if negative else "") + kept.lstrip("0")


def python_temporal(value: str, fmt: ValueFormat) -> str | None:
    """A value parsed with a strptime-style format, as ISO text (sample-level agreement)."""
    if not fmt.is_strptime:
        return value
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        return _dt.datetime.strptime(text, fmt.code).isoformat()
    except ValueError:
        return None


def format_from_code(code: str) -> ValueFormat:
    """The ValueFormat a recorded code stands for (kind inferred from the code)."""
    if code in (TEXT, EMPTY):
        return ValueFormat(ValueKind(code), code)
    if code == BOOL:
        return ValueFormat(ValueKind.BOOLEAN, code)
    if code.startswith("num:"):
        return ValueFormat(ValueKind.NUMBER, code)
    if code in (ISO, EPOCH_S, EPOCH_MS, EXCEL_SERIAL, ISO_TZ):
        return ValueFormat(ValueKind.TIMESTAMP, code, "YMD")
    has_time = any(t in code for t in ("%H", "%I"))
    order = next((o for p, o in _DATE_PARTS if code.startswith(p)), "")
    return ValueFormat(ValueKind.TIMESTAMP if has_time else ValueKind.DATE, code, order)


def describe(code: str) -> str:
    """A human description of a format code, for summaries and errors."""
    if code == ISO:
        return "ISO 8601 (YYYY-MM-DD[ hh:mm:ss])"
    if code == ISO_TZ:
        return "ISO 8601 with UTC offset"
    if code == EPOCH_S:
        return "Unix time in seconds"
    if code == EPOCH_MS:
        return "Unix time in milliseconds"
    if code == EXCEL_SERIAL:
        return "Excel serial day number"
    if code.startswith("num:"):
        style = NumberStyle.parse(code)
        parts = [f"decimal '{style.decimal}'"]
        parts.append(f"thousands '{style.group}'" if style.group else "no thousands separator")
        flags = {"$": "currency", "(": "(negatives)", "%": "percent", "-": "trailing minus"}
        parts += [label for flag, label in flags.items() if flag in style.flags]
        return "number, " + ", ".join(parts)
    return code


_KNOWN_CODES = (ISO, ISO_TZ, EPOCH_S, EPOCH_MS, EXCEL_SERIAL, BOOL, TEXT)
_STRPTIME_TOKEN = re.compile(r"%.")


def format_problem(code: str) -> str | None:
    """Why `code` is not a format revlake can parse with (None when it is one)."""
    if code in _KNOWN_CODES:
        return None
    if code.startswith("num:"):
        parts = code.split(":")
        if len(parts) != 4 or parts[1] not in (".", ",") or parts[2] == parts[1]:
            return (
                f"{code!r} is not a number format: use num:<decimal>:<thousands>:<flags>, "
                "e.g. num:.:,: (1,234.56) or num:,:.: (1.234,56)"
            )
        if len(parts[2]) > 1 or set(parts[3]) - set("$(%-"):
            return f"{code!r}: thousands separator is one character; flags are $ ( % -"
        return None
    tokens = _STRPTIME_TOKEN.findall(code)
    unknown = [t for t in tokens if t not in _DIRECTIVES]
    if not tokens or unknown:
        allowed = ", ".join(sorted(_DIRECTIVES))
        return (
            f"{code!r} is not a date format: use strptime directives ({allowed}) or one of "
            + ", ".join(_KNOWN_CODES)
        )
    return None
