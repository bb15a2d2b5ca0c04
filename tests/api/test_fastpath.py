"""The response cache's POST pieces: canonical bodies, body replay, LATEST re-reads, limits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from revlake.api import create_app
from revlake.api.fastpath import buffered, canonical_json
from revlake.ml.registry import LATEST_FILE, LatestCache
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

    return asyncio.run(run())


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
