"""Check the live tenant, API key and user tables against what the audit chain says.

An intact chain proves the log was not changed; it says nothing about a row changed
directly in `api_keys` (a role raised, a revocation undone, a key inserted). Replaying
the chain's `tenant.*`, `api_key.*` and `user.*` entries gives the state those tables
must be in; every difference is reported with the row and the entry that last set it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revlake.store.audit_read import EntryView
from revlake.store.models import ApiKey, Tenant, User

FINGERPRINT_FIELD = "secret_fingerprint"


def secret_fingerprint(secret_hash: str) -> str:
    """SHA-256 of a key's stored hash: lets verify notice a swapped hash, reveals nothing."""
    return hashlib.sha256(secret_hash.encode("ascii")).hexdigest()


@dataclass
class _Expected:
    fields: dict[str, Any] = field(default_factory=dict)
    tenant_id: str | None = None
    last_seq: int = 0


@dataclass
class TableReplay:
    """The state of tenants, keys and users that the chain's entries describe."""

    rows: dict[tuple[str, str], _Expected] = field(default_factory=dict)

    def apply(self, entry: EntryView) -> None:
        if entry.entity not in {"tenant", "api_key", "user"} or entry.seq is None:
            return
        expected = self.rows.setdefault((entry.entity, entry.entity_id), _Expected())
        for name, change in entry.changes_value.items():
            if isinstance(change, dict):
                expected.fields[name] = change.get("after")
        expected.tenant_id = entry.tenant_id
        expected.last_seq = entry.seq

    def differences(self, session: Session) -> list[str]:
        """Every live row that differs from the replayed state, and every missing one."""
        problems: list[str] = []
        seen: set[tuple[str, str]] = set()
        for row in session.execute(select(Tenant)).scalars():
            seen.add(("tenant", row.id))
            problems += self._compare("tenant", row.id, {"name": row.name}, None)
        for key in session.execute(select(ApiKey)).scalars():
            seen.add(("api_key", key.id))
            live = {
                "tenant_id": key.tenant_id,
                "role": key.role,
                "name": key.name,
                "revoked": key.revoked_at is not None,
                FINGERPRINT_FIELD: secret_fingerprint(key.secret_hash),
            }
            problems += self._compare("api_key", key.id, live, key.tenant_id)
        for user in session.execute(select(User)).scalars():
            seen.add(("user", str(user.id)))
            live = {"email": user.email, "role": user.role, "name": user.name}
            problems += self._compare("user", str(user.id), live, user.tenant_id)
        for (entity, entity_id), expected in sorted(self.rows.items()):
            if (entity, entity_id) not in seen:
                problems.append(
                    f"{entity} {entity_id} is in the audit chain (last entry seq "
                    f"{expected.last_seq}) but missing from its table: it was deleted outside "
                    "revlake"
                )
        return problems

    def _compare(
        self, entity: str, entity_id: str, live: dict[str, Any], tenant_id: str | None
    ) -> Iterable[str]:
        expected = self.rows.get((entity, entity_id))
        if expected is None:
            yield (
                f"{entity} {entity_id} is in its table but no audit entry created it: it was "
                "inserted outside revlake"
            )
            return
        wanted = dict(expected.fields)
        if entity == "api_key":
            wanted["revoked"] = wanted.get("revoked_at") is not None
        if tenant_id is not None and expected.tenant_id not in (None, tenant_id):
            yield (
                f"{entity} {entity_id}: tenant is {tenant_id!r} in its table but "
                f"{expected.tenant_id!r} in the audit chain (entry seq {expected.last_seq})"
            )
        for name, value in live.items():
            if name not in wanted:
                continue  # not recorded by this store's entries (e.g. older ones)
            if wanted[name] == value:
                continue
            where = f"(last entry seq {expected.last_seq}): changed outside revlake"
            if name == FINGERPRINT_FIELD:
                yield (
                    f"{entity} {entity_id}: its stored secret hash is not the one the audit "
                    f"chain recorded {where}"
                )
            else:
                yield (
                    f"{entity} {entity_id}: {name} is {value!r} in its table but "
                    f"{wanted[name]!r} in the audit chain {where}"
                )
