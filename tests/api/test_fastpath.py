"""The response cache's POST pieces: canonical bodies, body replay, LATEST re-reads, limits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from revlake.api import create_app
from revlake.api.context import ServerContext
from revlake.api.fastpath import SnapshotResponseCache, buffered, canonical_json
from revlake.ml.registry import LATEST_FILE, LatestCache
from revlake.store.keys import Principal
from revlake.store.roles import Role
from tests.api.async_support import run_in_own_loop
from tests.api.conftest import bearer
from tests.serving_support import ServedWorkspace


def test_canonical_json_merges_spellings_of_one_value_only() -> None:
    one = canonical_json(b'{"horizon": 13, "period": "week"}')
    assert one == canonical_json(b' {"period":"week" ,\n"horizon":13}')
    assert one == canonical_json(b'{"horizon": 4, "horizon": 13, "period": "week"}')  # last wins
    assert one != canonical_json(b'{"horizon": 13.0, "period": "week"}')  # 13.0 is not 13
    assert canonical_json(b"") == b""
    assert canonical_json(b'{"horizon": 13') is None
    assert canonical_json(b"\xff\xfe{") is None
    assert canonical_json(b"[" * 100_000) is None  # too deep to parse: the app answers it


def _messages(*items: Message | Exception) -> list[Message | Exception]:
    return list(items)


def _replay_all(items: list[Message | Exception], limit: int) -> tuple[bytes | None, list[str]]:
    async def run() -> tuple[bytes | None, list[str]]:
        queue = list(items)

        async def receive() -> Message:
            item = queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return item

        body, replay = await buffered(receive, limit)
        seen: list[str] = []
        for _ in range(len(items)):
            try:
                message = await replay()
                seen.append(f"{message['type']}:{message.get('body', b'')!r}")
            except ValueError as exc:
                seen.append(f"error:{exc}")
        return body, seen

    return run_in_own_loop(run())


def test_buffered_hands_the_app_every_message_and_the_same_error() -> None:
    parts = _messages(
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.request", "body": b": 1}", "more_body": False},
    )
    body, seen = _replay_all(parts, limit=100)
    assert body == b'{"a": 1}'
    assert seen == ["http.request:b'{\"a\"'", "http.request:b': 1}'"]
    failing = _messages(
        {"type": "http.request", "body": b"{", "more_body": True}, ValueError("413 here")
    )
    body, seen = _replay_all(failing, limit=100)
    assert body is None and seen == ["http.request:b'{'", "error:413 here"]
    big = _messages(
        {"type": "http.request", "body": b"x" * 60, "more_body": True},
        {"type": "http.request", "body": b"x" * 60, "more_body": False},
    )
    body, seen = _replay_all(big, limit=100)  # read up to the limit, the rest left to the app
    assert body is None and len(seen) == 2


def test_latest_cache_sees_a_new_version_at_once(tmp_path: Path) -> None:
    cache = LatestCache()
    assert cache.read(tmp_path) is None
    (tmp_path / LATEST_FILE).write_text("20260101T000000Z\n")
    assert cache.read(tmp_path) == "20260101T000000Z"
    for version in ("20260102T000000Z", "20260103T000000Z"):  # same size, replaced by rename
        tmp = tmp_path / ".LATEST.tmp"
        tmp.write_text(version + "\n")
        tmp.replace(tmp_path / LATEST_FILE)
        assert cache.read(tmp_path) == version


@pytest.fixture
def small_limit(served: ServedWorkspace) -> Iterator[TestClient]:
    with TestClient(
        create_app(served.workspace, max_body_bytes=64), raise_server_exceptions=False
    ) as client:
        yield client


def test_forecast_bodies_over_the_limit_are_still_413(
    served: ServedWorkspace, small_limit: TestClient
) -> None:
    headers = {**bearer(served.key(role="sales")), "content-type": "application/json"}

    def chunked() -> Iterator[bytes]:
        yield b'{"horizon": 13'
        for _ in range(10):
            yield b" " * 20
        yield b"}"

    for content in (b'{"horizon": 13' + b" " * 100 + b"}", chunked()):
        response = small_limit.post("/api/v1/forecast", content=content, headers=headers)
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


class _Inner:
    """An app that answers once released: `/api/v1/x` carries a snapshot, `/health` not."""

    def __init__(self) -> None:
        self.calls = 0
        self.waiting = 0
        self.release = asyncio.Event()
        self.snapshot = b"s1"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        self.waiting += 1
        await self.release.wait()
        self.waiting -= 1
        headers = (
            [(b"x-revlake-snapshot", self.snapshot)] if scope["path"] != "/api/v1/health" else []
        )
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": scope["path"].encode() + self.snapshot})


def test_concurrent_misses_coalesce_only_for_answers_kept_before() -> None:
    inner = _Inner()
    current = {"name": "s1"}
    context = SimpleNamespace(
        cached_principal=lambda _key: Principal("demo", Role.SALES, "k1"),
        snapshots=SimpleNamespace(current_name=lambda _tenant: current["name"]),
    )
    cache = SnapshotResponseCache(inner, cast(ServerContext, context))

    async def get(path: str) -> bytes:
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": [(b"authorization", b"Bearer rvl_k1_secret")],
        }
        body: list[bytes] = []

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body":
                body.append(message["body"])

        await cache(scope, receive, send)
        return b"".join(body)

    async def burst(path: str, n: int) -> tuple[list[bytes], int]:
        tasks = [asyncio.create_task(get(path)) for _ in range(n)]
        for _ in range(50):  # let every request reach the inner app or wait for one
            await asyncio.sleep(0)
        waiting = inner.waiting
        inner.release.set()
        answers = await asyncio.gather(*tasks)
        inner.release = asyncio.Event()
        return list(answers), waiting

    async def run() -> None:
        inner.release.set()
        assert await get("/api/v1/x") == b"/api/v1/xs1"  # kept: known cacheable
        inner.release = asyncio.Event()
        current["name"], inner.snapshot = "s2", b"s2"  # a publish
        before = inner.calls
        answers, inside = await burst("/api/v1/x", 10)
        assert answers == [b"/api/v1/xs2"] * 10 and inner.calls - before == 1 == inside
        before = inner.calls
        answers, inside = await burst("/api/v1/health", 10)  # never kept: nobody waits
        assert answers == [b"/api/v1/healths2"] * 10 and inner.calls - before == 10 == inside

    run_in_own_loop(run())
