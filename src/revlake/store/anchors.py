"""Signed checkpoints of the audit chain head, for keeping outside the store.

A chain is only as trustworthy as its newest hash: whoever can rewrite the whole log and
its head consistently (or truncate both) leaves an intact chain. A checkpoint records the
head (seq, hash, time) signed with HMAC-SHA256 under the workspace's audit secret
(`.revlake-audit-secret`, 0600, a file beside revlake.toml and not in the database, so
write access to the store alone cannot forge one). `revlake audit anchor` prints one and
appends it to `audit-anchors.jsonl` in the workspace; `revlake audit verify` checks every
checkpoint there (and any exported to a file): the entry at its seq must still have its
hash. The API serves the current head as a checkpoint (`GET /api/v1/audit/head`) so it
can be recorded by another system.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from revlake.errors import InputError
from revlake.store.canonical import format_timestamp
from revlake.store.types import utc_now
from revlake.workspace import private_secret

AUDIT_SECRET_FILE = ".revlake-audit-secret"
ANCHORS_FILE = "audit-anchors.jsonl"


@dataclass(frozen=True)
class Checkpoint:
    """The chain head at a moment, and the signature that proves revlake made it."""

    seq: int
    hash: str
    at: datetime
    signature: str

    def as_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "at": format_timestamp(self.at),
            "signature": self.signature,
        }

    def line(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))


def audit_secret(root: Path) -> bytes:
    """The workspace's checkpoint signing secret (created on first use, mode 0600)."""
    return private_secret(root / AUDIT_SECRET_FILE)


def _signature(secret: bytes, seq: int, digest: str, at: datetime) -> str:
    message = f"revlake-audit-checkpoint:{seq}:{digest}:{format_timestamp(at)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def head_checkpoint(session: Session, secret: bytes) -> Checkpoint:
    """A signed checkpoint of the current chain head."""
    from revlake.store.audit import _read_head

    head = _read_head(session)
    at = utc_now()
    return Checkpoint(head.seq, head.hash, at, _signature(secret, head.seq, head.hash, at))


def parse_checkpoint(text: str, secret: bytes, where: str) -> Checkpoint:
    """A checkpoint from its JSON line; InputError when malformed or not signed by us."""
    try:
        raw = json.loads(text)
        checkpoint = Checkpoint(
            seq=int(raw["seq"]),
            hash=str(raw["hash"]),
            at=datetime.fromisoformat(str(raw["at"]).replace("Z", "+00:00")),
            signature=str(raw["signature"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{where}: not an audit checkpoint ({exc})") from None
    expected = _signature(secret, checkpoint.seq, checkpoint.hash, checkpoint.at)
    if not hmac.compare_digest(expected, checkpoint.signature):
        raise InputError(
            f"{where}: the checkpoint's signature does not match this workspace's audit "
            "secret: it was altered, or made by another workspace"
        )
    return checkpoint


def record_checkpoint(root: Path, checkpoint: Checkpoint) -> Path:
    """Append `checkpoint` to the workspace's anchors file (created 0600)."""
    path = root / ANCHORS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(checkpoint.line() + "\n")
    return path


def load_checkpoints(
    root: Path, secret: bytes, extra: list[Path] | None = None
) -> list[Checkpoint]:
    """Every checkpoint of the workspace's anchors file and of `extra` files, verified."""
    found: list[Checkpoint] = []
    for path in [root / ANCHORS_FILE, *(extra or [])]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            if path in (extra or []):
                raise InputError(f"{path}: no such checkpoint file") from None
            continue
        for number, line in enumerate(lines, start=1):
            if line.strip():
                found.append(parse_checkpoint(line, secret, f"{path}, line {number}"))
    return found
