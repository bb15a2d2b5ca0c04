"""API keys: created once, stored hashed, verified, revoked, re-roled, all audited."""

from __future__ import annotations

import json

import pytest

from revlake.errors import InputError
from revlake.store.audit import list_entries, verify_chain
from revlake.store.db import Store
from revlake.store.keys import (
    InvalidApiKeyError,
    KeyCache,
    Principal,
    create_key,
    hash_key,
    key_matches,
    list_keys,
    parse_key_id,
    revoke_key,
    set_key_role,
    verify_api_key,
)
from revlake.store.models import ApiKey
from revlake.store.roles import Role
from revlake.store.tenants import add_tenant


@pytest.fixture
def tenants(store: Store) -> Store:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="test")
        add_tenant(session, "globex", "Globex", actor="test")
    return store


def _create(store: Store, tenant: str = "acme", role: str = "finance") -> str:
    with store.write() as session:
        return create_key(session, tenant_id=tenant, role=role, actor="cli:ann", name="laptop").key


def test_created_key_verifies_to_its_tenant_and_role(tenants: Store) -> None:
    key = _create(tenants)
    key_id = parse_key_id(key)
    assert key.startswith(f"rvl_{key_id}_") and len(key) > 50
    with tenants.read() as session:
        assert verify_api_key(session, key) == Principal("acme", Role.FINANCE, str(key_id))


def test_only_a_salted_hash_is_stored(tenants: Store) -> None:
    key = _create(tenants)
    with tenants.read() as session:
        row = session.get(ApiKey, parse_key_id(key))
        assert row is not None
        secret = key.split("_", 2)[2]
        assert secret not in row.secret_hash and key not in row.secret_hash
        assert row.secret_hash.startswith("scrypt$16384$8$1$")
        entries = list_entries(session)
    # The audit log records the key's creation but never its secret.
    assert entries[0].action == "api_key.created"
    assert secret not in entries[0].changes
    assert json.loads(entries[0].changes)["role"] == {"before": None, "after": "finance"}
    assert hash_key(key) != hash_key(key)  # fresh salt each time
    assert key_matches(key, hash_key(key))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # wrong secret
        lambda k: k.replace("rvl_", "xyz_"),  # wrong scheme
        lambda k: "rvl_000000000000_" + k.split("_", 2)[2],  # unknown id
        lambda k: "",  # empty
        lambda k: "rvl_" + k.split("_", 2)[1],  # no secret
    ],
    ids=["wrong-secret", "wrong-prefix", "unknown-id", "empty", "no-secret"],
)
def test_wrong_keys_are_refused(tenants: Store, mangle: object) -> None:
    key = _create(tenants)
    bad = mangle(key)  # type: ignore[operator]
    with tenants.read() as session, pytest.raises(InvalidApiKeyError, match="invalid or revoked"):
        verify_api_key(session, bad)


def test_revoked_key_stops_working_even_when_cached(tenants: Store) -> None:
    key = _create(tenants)
    cache = KeyCache()
    with tenants.read() as session:
        verify_api_key(session, key, cache=cache)
    with tenants.write() as session:
        revoke_key(session, str(parse_key_id(key)), actor="cli:ann")
    with tenants.read() as session, pytest.raises(InvalidApiKeyError):
        verify_api_key(session, key, cache=cache)
    with tenants.write() as session, pytest.raises(InputError, match="already revoked"):
        revoke_key(session, str(parse_key_id(key)), actor="cli:ann")


def test_cache_does_not_accept_a_wrong_secret(tenants: Store) -> None:
    key = _create(tenants)
    other = _create(tenants)
    cache = KeyCache()
    with tenants.read() as session:
        verify_api_key(session, other, cache=cache)
        forged = f"rvl_{parse_key_id(key)}_{other.split('_', 2)[2]}"
        with pytest.raises(InvalidApiKeyError):
            verify_api_key(session, forged, cache=cache)
        assert verify_api_key(session, key, cache=cache).key_id == parse_key_id(key)


def test_role_change_applies_on_next_verify(tenants: Store) -> None:
    key = _create(tenants, role="sales")
    key_id = str(parse_key_id(key))
    cache = KeyCache()
    with tenants.read() as session:
        assert verify_api_key(session, key, cache=cache).role is Role.SALES
    with tenants.write() as session:
        set_key_role(session, key_id, "Marketing", actor="cli:ann")
    with tenants.read() as session:
        assert verify_api_key(session, key, cache=cache).role is Role.MARKETING
        entry = list_entries(session, limit=1)[0]
        assert entry.action == "api_key.role_changed"
        assert json.loads(entry.changes) == {"role": {"before": "sales", "after": "marketing"}}
        assert verify_chain(session).ok


def test_keys_are_listed_per_tenant(tenants: Store) -> None:
    first = parse_key_id(_create(tenants, "acme"))
    second = parse_key_id(_create(tenants, "globex"))
    with tenants.write() as session:
        revoke_key(session, str(first), actor="t")
    with tenants.read() as session:
        assert [k.id for k in list_keys(session, tenant_id="globex")] == [second]
        assert {k.id for k in list_keys(session)} == {first, second}
        assert [k.id for k in list_keys(session, include_revoked=False)] == [second]


def test_bad_role_or_tenant_is_an_input_error(tenants: Store) -> None:
    with tenants.write() as session, pytest.raises(InputError, match="roles: admin, executive"):
        create_key(session, tenant_id="acme", role="ceo", actor="t")
    with tenants.write() as session, pytest.raises(InputError, match="unknown tenant 'initech'"):
        create_key(session, tenant_id="initech", role="admin", actor="t")
    with tenants.read() as session:
        assert list_keys(session) == []
