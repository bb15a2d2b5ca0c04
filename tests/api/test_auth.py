"""Keys and sessions: revocation, the verified-key cache and the response cache, signed
dashboard sessions, and the `revlake serve` command's checks."""

from __future__ import annotations

import socket
import time

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from revlake.api import create_app
from revlake.api.server import check_port
from revlake.cli.app import app as cli_app
from revlake.errors import InputError
from revlake.store.keys import create_key, revoke_key
from revlake.store.workspace_store import open_store
from revlake.web.session import COOKIE_NAME, make_token, read_token
from tests.api.conftest import bearer
from tests.serving_support import TENANT, ServedWorkspace

TTL_S = 0.3


def _new_key(served: ServedWorkspace, role: str) -> tuple[str, str]:
    store = open_store(served.workspace)
    try:
        with store.write() as session:
            created = create_key(session, tenant_id=TENANT, role=role, actor="tests")
        return created.key_id, created.key
    finally:
        store.dispose()


def _revoke(served: ServedWorkspace, key_id: str) -> None:
    store = open_store(served.workspace)
    try:
        with store.write() as session:
            revoke_key(session, key_id, actor="tests")
    finally:
        store.dispose()


def test_revoked_key_is_refused_within_the_cache_lifetime(served: ServedWorkspace) -> None:
    key_id, key = _new_key(served, "admin")
    app = create_app(served.workspace, principal_ttl_s=TTL_S)
    with TestClient(app) as client:
        assert client.get("/api/v1/kpis", headers=bearer(key)).status_code == 200
        # the answer is now in the response cache too; revoke and wait out the key cache
        _revoke(served, key_id)
        time.sleep(TTL_S + 0.05)
        for path in ("/api/v1/kpis", "/api/v1/customers"):
            response = client.get(path, headers=bearer(key))
            assert response.status_code == 401, path


def test_an_app_serves_again_after_its_lifespan_ended(served: ServedWorkspace) -> None:
    """A second lifespan on one app (a restarted server, one TestClient after another)
    checks keys again: shutting down stopped the key-check pool for good before."""
    app = create_app(served.workspace, principal_ttl_s=0)
    for _ in range(2):
        _, key = _new_key(served, "executive")  # never checked yet: needs the pool
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.get("/api/v1/kpis", headers=bearer(key)).status_code == 200
            wrong = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
            assert client.get("/api/v1/kpis", headers=bearer(wrong)).status_code == 401


def test_with_no_key_cache_revocation_is_immediate(served: ServedWorkspace) -> None:
    key_id, key = _new_key(served, "executive")
    app = create_app(served.workspace, principal_ttl_s=0)
    with TestClient(app) as client:
        assert client.get("/api/v1/kpis", headers=bearer(key)).status_code == 200
        _revoke(served, key_id)
        assert client.get("/api/v1/kpis", headers=bearer(key)).status_code == 401


def test_cached_answers_are_not_shared_across_roles(served: ServedWorkspace) -> None:
    app = create_app(served.workspace)
    with TestClient(app) as client:
        admin = client.get("/api/v1/customers?limit=3", headers=bearer(served.key()))
        assert admin.status_code == 200
        again = client.get("/api/v1/customers?limit=3", headers=bearer(served.key()))
        assert again.content == admin.content  # replayed from the cache
        for _ in range(2):  # the marketing key is verified and cached, still refused
            refused = client.get(
                "/api/v1/customers?limit=3", headers=bearer(served.key(role="marketing"))
            )
            assert refused.status_code == 403


def test_session_tokens_are_signed_and_expire() -> None:
    secret = b"s" * 32
    token = make_token(secret, "abc123", now=1000.0)
    assert read_token(secret, token, now=1001.0) == "abc123"
    assert read_token(b"t" * 32, token, now=1001.0) is None
    assert read_token(secret, token.replace("abc123", "abc124"), now=1001.0) is None
    assert read_token(secret, token, now=1000.0 + 13 * 3600) is None
    assert read_token(secret, "garbage", now=1001.0) is None


def test_dashboard_refuses_forged_cookie_and_revoked_session(served: ServedWorkspace) -> None:
    key_id, key = _new_key(served, "admin")
    app = create_app(served.workspace)
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set(COOKIE_NAME, f"{key_id}.9999999999.{'0' * 64}")
        assert client.get("/").status_code == 303
        client.cookies.clear()
        assert client.post("/login", data={"api_key": key}).status_code == 303
        assert client.get("/").status_code == 200
        _revoke(served, key_id)
        response = client.get("/")
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_login_never_redirects_off_site(served: ServedWorkspace) -> None:
    app = create_app(served.workspace)
    with TestClient(app, follow_redirects=False) as client:
        response = client.post("/login", data={"api_key": served.key(), "next": "//evil.example/x"})
        assert response.headers["location"] == "/"


def test_serve_refuses_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        try:
            check_port("127.0.0.1", port)
        except InputError as exc:
            assert str(port) in str(exc)
        else:
            raise AssertionError("a busy port was accepted")


def test_serve_command_is_registered() -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--workspace" in result.output
