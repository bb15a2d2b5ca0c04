"""Text encodings: detect a file's encoding and transcode it to UTF-8 for DuckDB.

DuckDB's CSV reader reads UTF-8 (and skips a UTF-8 BOM) at full speed, so those files are
read in place. UTF-16 (by BOM or by its NUL-byte pattern) and single-byte legacy encodings
(cp1252, falling back to Latin-1, which decodes any byte) are transcoded into a temporary
UTF-8 file in streaming chunks: memory stays flat whatever the file size.

A file whose sample is mostly valid UTF-8 stays UTF-8 even if some bytes are not: those rows
then reach the rejects table (reason: invalid encoding) instead of being silently mangled.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

SAMPLE_BYTES = 1 << 16
CHUNK_BYTES = 1 << 20
_SINGLE_BYTE_FALLBACK = "latin-1"
_MULTIBYTE_LEGACY = frozenset(
    {"shift_jis", "cp932", "euc_jp", "gb2312", "gbk", "gb18030", "big5", "euc_kr", "cp949"}
)


@dataclass(frozen=True)
class Encoding:
    """A detected encoding; `native` when DuckDB can read the file as it is."""

    name: str
    native: bool


def _looks_utf16(sample: bytes) -> str | None:
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _mostly_utf8(sample: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(sample, final=False)
    bad = text.count("\ufffd")
    if bad == 0:
        return True
    good_multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    # Valid multi-byte sequences almost never occur by chance in a single-byte file.
    return good_multibyte > 0 and good_multibyte * 4 >= bad


def detect_encoding(path: Path) -> Encoding:
    """The encoding of a text file: BOM first, then UTF-16 pattern, UTF-8, else a guess."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig", native=True)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Encoding("utf-16", native=False)
    utf16 = _looks_utf16(sample)
    if utf16:
        return Encoding(utf16, native=False)
    if _mostly_utf8(sample):
        return Encoding("utf-8", native=True)
    # Small samples make single-byte code pages hard to tell apart; Western exports are
    # almost always cp1252/Latin-1, so only a confident multi-byte (CJK) guess overrides it.
    best = from_bytes(sample).best()
    guess = codecs.lookup(str(best.encoding)).name if best is not None else ""
    return Encoding(guess if guess in _MULTIBYTE_LEGACY else "cp1252", native=False)


def transcode_to_utf8(source: Path, target: Path, encoding: str) -> str:
    """Write `source` decoded from `encoding` as UTF-8 into `target`, chunk by chunk.

    Returns the encoding actually used: a single-byte guess that meets an undefined byte
    (cp1252 has five) falls back to Latin-1, which maps every byte.
    """
    try:
        _transcode(source, target, encoding)
        return encoding
    except UnicodeDecodeError:
        if codecs.lookup(encoding).name.startswith("utf"):
            _transcode(source, target, encoding, errors="replace")
            return f"{encoding} (undecodable bytes replaced)"
        _transcode(source, target, _SINGLE_BYTE_FALLBACK)
        return _SINGLE_BYTE_FALLBACK


def _transcode(source: Path, target: Path, encoding: str, errors: str = "strict") -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK_BYTES):
            dst.write(decoder.decode(chunk).encode("utf-8"))
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))
