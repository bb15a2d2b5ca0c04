"""Regression tests of the abuse findings (issue 18): key checks that stall the server, equal
work for unknown key ids, failure limits (429 + Retry-After) for the API and the login,
request bodies read before the key was checked or without a size limit, and the response
cache answering a request the app refuses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.api.keyguard import FailureLimiter, TooManyFailuresError, presented_key
from revlake.store import keys as key_module
from revlake.store.keys import InvalidApiKeyError, create_key, revoke_key, verify_api_key
from revlake.store.workspace_store import open_store
from tests.api.async_support import run_in_own_loop
from tests.api.conftest import bearer
from tests.serving_support import TENANT, ServedWorkspace


def _wrong_secret(key: str) -> str:
    prefix, key_id, _secret = key.split("_", 2)
    return f"{prefix}_{key_id}_{'x' * 43}"


def test_wrong_secrets_do_not_stall_other_requests(served: ServedWorkspace) -> None:
    """Eight wrong-secret checks (~60-120 ms of scrypt each) run while a verified key's
    requests are answered: before the fix they ran on the event loop, one after another,
    and every other request waited for all of them."""
    app = create_app(served.workspace, limiter=FailureLimiter(10**6, 10**6))
    good = served.key()
    bad = _wrong_secret(served.key(role="sales"))

    async def scenario() -> tuple[float, float]:
        transport = httpx.ASGITransport(app=app, client=("10.0.0.1", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/api/v1/kpis", headers=bearer(good))).status_code == 200
            started = time.perf_counter()
            attacks = [
                asyncio.create_task(client.get("/api/v1/kpis", headers=bearer(bad)))
                for _ in range(8)
            ]
            await asyncio.sleep(0.01)
            legit_started = time.perf_counter()
            legit = await client.get("/api/v1/kpis", headers=bearer(good))
            legit_s = time.perf_counter() - legit_started
            answers = await asyncio.gather(*attacks)
            assert legit.status_code == 200
            assert all(a.status_code in (401, 503) for a in answers)
            return legit_s, time.perf_counter() - started

    with TestClient(app):  # runs the lifespan (closes the verifier pool at the end)
        legit_s, attacks_s = run_in_own_loop(scenario())
    assert attacks_s > 0.2  # the wrong secrets really cost scrypt time
    assert legit_s < attacks_s / 4, (legit_s, attacks_s)


def test_unknown_and_revoked_key_ids_cost_the_same_scrypt(
    served: ServedWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = key_module.key_matches

    def counting(key: str, stored: str) -> bool:
        calls.append(stored)
        return real(key, stored)

    monkeypatch.setattr(key_module, "key_matches", counting)
    store = open_store(served.workspace)
    try:
        with store.write() as session:
            created = create_key(session, tenant_id=TENANT, role="sales", actor="tests")
            revoked = create_key(session, tenant_id=TENANT, role="sales", actor="tests")
            revoke_key(session, revoked.key_id, actor="tests")
        with store.read() as session:
            for key in (
                _wrong_secret(created.key),  # known id, wrong secret
                f"rvl_{'f' * 12}_{'x' * 43}",  # unknown id
                revoked.key,  # revoked id, right secret
            ):
                calls.clear()
                with pytest.raises(InvalidApiKeyError, match="invalid or revoked"):
                    verify_api_key(session, key)
                assert len(calls) == 1, key
            # the unknown and revoked ids are hashed with the same parameters as real keys
            assert calls[0].split("$")[:4] == created_hash_params(store, created.key_id)
    finally:
        store.dispose()


def created_hash_params(store: object, key_id: str) -> list[str]:
    from revlake.store.models import ApiKey

    with store.read() as session:  # type: ignore[attr-defined]
        row = session.get(ApiKey, key_id)
        assert row is not None
        return list(row.secret_hash.split("$")[:4])


@pytest.fixture()
def strict_client(served: ServedWorkspace) -> Iterator[TestClient]:
    limiter = FailureLimiter(client_threshold=4, key_threshold=3, base_backoff_s=30)
    app = create_app(served.workspace, limiter=limiter)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_failed_checks_from_one_client_get_429_but_verified_keys_still_work(
    served: ServedWorkspace, strict_client: TestClient
) -> None:
    good = served.key()
    assert strict_client.get("/api/v1/kpis", headers=bearer(good)).status_code == 200
    unknown = [f"rvl_{i:012x}_{'y' * 43}" for i in range(1, 9)]
    statuses = [strict_client.get("/api/v1/kpis", headers=bearer(k)).status_code for k in unknown]
    assert statuses[:4] == [401] * 4
    assert set(statuses[4:]) == {429}
    refused = strict_client.get("/api/v1/kpis", headers=bearer(unknown[0]))
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("application/problem+json")
    # the key the server has verified is still served from the same address
    assert strict_client.get("/api/v1/customers", headers=bearer(good)).status_code == 200


def test_failed_checks_of_one_key_id_get_429_from_any_client(served: ServedWorkspace) -> None:
    limiter = FailureLimiter(client_threshold=100, key_threshold=3, base_backoff_s=30)
    target = served.key(role="marketing")
    wrong = _wrong_secret(target)
    for n in range(3):
        limiter.failed(f"10.0.0.{n}", wrong.split("_")[1])
    with pytest.raises(TooManyFailuresError) as raised:
        limiter.check("10.9.9.9", wrong.split("_")[1])
    assert raised.value.retry_after_s >= 29
    app = create_app(served.workspace, limiter=limiter)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/kpis", headers=bearer(wrong)).status_code == 429


def test_login_failures_are_limited_too(served: ServedWorkspace, strict_client: TestClient) -> None:
    for n in range(4):
        response = strict_client.post("/login", data={"api_key": f"rvl_{n:012x}_{'z' * 43}"})
        assert response.status_code == 401
    limited = strict_client.post("/login", data={"api_key": "rvl_00000000000a_" + "z" * 43})
    assert limited.status_code == 429
    assert "retry-after" in limited.headers


# --------------------------------------------------------------------------- bodies


def _contract_path() -> str:
    return "/api/v1/revrec/contracts"


def test_unauthenticated_body_is_refused_before_it_is_read(served: ServedWorkspace) -> None:
    app = create_app(served.workspace)
    read: list[int] = []

    async def scenario() -> int:
        chunks = [b"x" * 65536] * 40  # 2.6 MB

        async def body() -> object:
            for chunk in chunks:
                read.append(len(chunk))
                yield chunk

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                _contract_path(), content=body(), headers={"content-type": "application/json"}
            )
            return response.status_code

    with TestClient(app):
        status = run_in_own_loop(scenario())
    assert status == 401
    assert sum(read) <= 65536  # at most the first chunk the transport hands over


def test_authenticated_body_over_the_limit_is_413_problem(served: ServedWorkspace) -> None:
    app = create_app(served.workspace, max_body_bytes=4096)
    with TestClient(app, raise_server_exceptions=False) as client:
        declared = client.post(
            _contract_path(),
            content=b"{" + b" " * 5000 + b"}",
            headers={**bearer(served.key()), "content-type": "application/json"},
        )
        assert declared.status_code == 413
        assert declared.headers["content-type"].startswith("application/problem+json")
        assert "4096" in declared.json()["detail"]

        def chunked() -> Iterator[bytes]:
            yield b"{"
            for _ in range(10):
                yield b" " * 1000
            yield b"}"

        streamed = client.post(
            _contract_path(),
            content=chunked(),
            headers={**bearer(served.key()), "content-type": "application/json"},
        )
        assert streamed.status_code == 413
        assert streamed.headers["content-type"].startswith("application/problem+json")
        # under the limit the request reaches the route (422: not a contract)
        small = client.post(
            _contract_path(),
            json={"bogus": 1},
            headers=bearer(served.key()),
        )
        assert small.status_code == 422


def test_default_body_limit_is_one_mebibyte_and_configurable(served: ServedWorkspace) -> None:
    app = create_app(served.workspace)
    assert app.state.revlake.max_body_bytes == 1_048_576
    with TestClient(app, raise_server_exceptions=False) as client:
        big = client.post(
            _contract_path(),
            content=b"[" + b" " * 1_100_000 + b"]",
            headers={**bearer(served.key()), "content-type": "application/json"},
        )
        assert big.status_code == 413


# --------------------------------------------------------------------------- cache


def test_response_cache_never_answers_what_the_app_refuses(served: ServedWorkspace) -> None:
    app = create_app(served.workspace)
    good = served.key()
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/kpis", headers={"X-API-Key": good}).status_code == 200
        assert client.get("/api/v1/kpis", headers={"X-API-Key": good}).status_code == 200
        mixed = {"X-API-Key": good, "Authorization": "Bearer rvl_000000000000_nope"}
        assert client.get("/api/v1/kpis", headers=mixed).status_code == 401
        reversed_order = {"Authorization": f"Bearer {good}", "X-API-Key": "rvl_0000_nope"}
        assert client.get("/api/v1/kpis", headers=reversed_order).status_code == 401
        same = {"Authorization": f"Bearer {good}", "X-API-Key": good}
        assert client.get("/api/v1/kpis", headers=same).status_code == 200


def test_presented_key_reads_both_headers() -> None:
    assert presented_key([(b"x-api-key", b" k1 ")]) == "k1"
    assert presented_key([(b"authorization", b"Bearer k1")]) == "k1"
    assert presented_key([(b"authorization", b"Basic abc")]) is None
    with pytest.raises(InvalidApiKeyError, match="more than one API key"):
        presented_key([(b"authorization", b"Bearer k1"), (b"x-api-key", b"k2")])


def test_built_workspace_files_are_private(served: ServedWorkspace) -> None:
    """Bronze, snapshots, dbt's files, models and the store of a workspace built through the
    library (no umask set) are 0600 / 0700 (before the fix: 0644 / 0755)."""
    import os
    import stat

    root = served.workspace.root
    checked = [root / "revlake.db", root / "revlake.toml"]
    for folder, dirs, files in os.walk(root / "tenants"):
        checked += [Path(folder) / n for n in dirs + files]
    assert any(p.suffix == ".duckdb" for p in checked)
    loose = [str(p) for p in checked if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/ar/aging?as_of={}",
        "/api/v1/ar/invoices?as_of={}",
        "/api/v1/ar/overdue?as_of={}",
        "/api/v1/ap/aging?as_of={}",
        "/api/v1/revrec/deferred?as_of={}",
        "/api/v1/tax/rates?date={}",
    ],
)
def test_nonsense_dates_are_422(served: ServedWorkspace, client: TestClient, path: str) -> None:
    for value in ("0", "1e10", "2026-02-30", "0001-01-01", "2026-01-01T00:00:00"):
        response = client.get(path.format(value), headers=bearer(served.key()))
        assert response.status_code == 422, (path, value, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_problem_responses_are_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in item.items()
    ]
    assert len(operations) > 30
    for path, method, op in operations:
        codes = {c for c in op["responses"] if c.isdigit() and int(c) >= 400}
        assert {"401", "422", "429"} <= codes or path == "/api/v1/health", (path, method)
        for code in codes:
            content = op["responses"][code]["content"]
            assert list(content) == ["application/problem+json"], (path, method, code)
        if method == "post":
            assert "413" in codes, path
