"""Answers precomputed at publish (revlake.queries.precompute): they equal the on-demand
answers byte for byte, the first request after the publish computes nothing, a failing
precompute publishes nothing, and a later copy-and-publish never serves stale answers."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.ml.forecast import Period
from revlake.ml.service import score_tenant
from revlake.pipeline import PipelineResult, score_registered_models
from revlake.queries import deals, precompute
from revlake.reader import open_published, published_path
from revlake.reader.answers import answer_key, stored_keys
from revlake.reader.build import Build
from revlake.schemas.deals import DealSummary, ForecastOut, ForecastRequest
from revlake.workspace import Workspace
from tests.api.conftest import bearer, count_calls
from tests.api.test_precompute_pages import page_answers_on_demand
from tests.serving_support import OTHER, TENANT, ServedWorkspace

API = "/api/v1"
COMPUTING = (
    "deals",
    "deal_summary",
    "deal_filters",
    "deal_detail",
    "deal_details",
    "deal_explanation",
    "forecast",
    "registered_win_model",
)
"""The query functions an answer is computed with: none may run for a stored answer."""


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Calls of each computing query function (they still compute)."""
    return count_calls(monkeypatch, [(deals, name) for name in COMPUTING])


@pytest.fixture
def client(published: tuple[Workspace, PipelineResult]) -> Iterator[TestClient]:
    """A fresh server (nothing memoised) on the published workspace."""
    with TestClient(create_app(published[0]), raise_server_exceptions=False) as test_client:
        yield test_client


def sales_key(served: ServedWorkspace) -> dict[str, str]:
    return bearer(served.key(role="sales"))


def test_the_run_summary_says_what_was_precomputed(
    published: tuple[Workspace, PipelineResult],
) -> None:
    _, result = published
    assert result.precomputed is not None and result.precomputed.skipped == []
    summary = result.summary()["precomputed"]
    assert summary["answers"] == len(result.precomputed.answers) > 0


def test_stored_answers_equal_the_on_demand_answers(
    published: tuple[Workspace, PipelineResult],
) -> None:
    workspace, _ = published
    with open_published(workspace, TENANT) as build:
        keys = set(stored_keys(build))
        registered = deals.registered_win_model(build, workspace, TENANT)
        version = registered.version
        details = deals.deal_details(build)
        on_demand: dict[str, Any] = {
            answer_key(precompute.deal_summary_key()): deals.deal_summary(build),
            answer_key(precompute.deal_filters_key()): deals.deal_filters(build),
        }
        for query in precompute.list_queries(deals.deal_filters(build)):
            for page in precompute.LIST_PAGES:
                on_demand[answer_key(precompute.deals_key(query, None, page))] = deals.deals(
                    build, query, None, page
                )
        for detail in details:
            on_demand[answer_key(precompute.deal_key(detail.id))] = detail
            on_demand[answer_key(precompute.explanation_key(detail.id))] = deals.deal_explanation(
                build, workspace, TENANT, detail.id
            )
        for horizon, period in precompute.FORECASTS:
            on_demand[answer_key(precompute.forecast_key(version, horizon, period))] = (
                deals.forecast(build, registered, horizon, period)
            )
        on_demand.update(page_answers_on_demand(build, workspace))
        assert keys == set(on_demand)
        assert len(details) > 10
    # computed again on a fresh reader of the published file (nothing memoised)
    with open_published(workspace, TENANT) as fresh:
        stored = {
            k: fresh.rows("select body from serving.answers where key = ?", [k])[0]["body"]
            for k in keys
        }
    for key, model in on_demand.items():
        assert stored[key] == precompute.json_body(model), key


def test_the_first_request_after_publish_computes_nothing(
    served: ServedWorkspace, client: TestClient, counted: dict[str, int]
) -> None:
    headers = sales_key(served)
    deal_id = client.get(f"{API}/deals", headers=headers).json()["items"][-1]["id"]
    paths = [
        f"{API}/deals",
        f"{API}/deals?limit=25&sort=-risk_score",
        f"{API}/deals?risk_category=high",
        f"{API}/deals/summary",
        f"{API}/deals/filters",
        f"{API}/deals/{deal_id}",
        f"{API}/deals/{deal_id}/explanation",
    ]
    for path in paths:
        assert client.get(path, headers=headers).status_code == 200, path
    for horizon, period in precompute.FORECASTS:
        body = {"horizon": horizon, "period": period}
        response = client.post(f"{API}/forecast", headers=headers, json=body)
        assert response.status_code == 200, response.text
        assert response.json()["horizon"] == horizon
    assert counted == dict.fromkeys(COMPUTING, 0)
    # the counter does see computing: a sort that is not precomputed runs the query
    assert client.get(f"{API}/deals?sort=amount", headers=headers).status_code == 200
    assert counted["deals"] == 1


def test_the_dashboard_reads_the_stored_answers(
    published: tuple[Workspace, PipelineResult], counted: dict[str, int]
) -> None:
    workspace, _ = published
    with open_published(workspace, TENANT) as build:
        key = precompute.forecast_key(_version(workspace), 13, "week")
        fc = precompute.answer(build, key, ForecastOut, lambda: None)
        summary = precompute.answer(build, precompute.deal_summary_key(), DealSummary, lambda: None)
    assert fc is not None and fc.horizon == 13 and summary is not None
    assert counted["forecast"] == 0 and counted["deal_summary"] == 0


def _version(workspace: Workspace) -> str:
    from revlake.ml.registry import registered_win_version

    return registered_win_version(workspace, TENANT)


def test_a_failing_precompute_publishes_nothing(
    published: tuple[Workspace, PipelineResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, _ = published
    before = published_path(workspace, TENANT)
    files = sorted(before.parent.iterdir())

    def broken(*_args: Any) -> Any:
        raise RuntimeError("forecast engine crashed")

    monkeypatch.setattr(deals, "forecast", broken)
    with pytest.raises(RuntimeError, match="crashed"):
        score_registered_models(workspace, PipelineResult(tenant=TENANT, run_id=0))
    assert published_path(workspace, TENANT) == before
    assert sorted(before.parent.iterdir()) == files  # the copy was discarded
    with open_published(workspace, TENANT) as build:  # the last good answers still read
        assert answer_key(precompute.deal_summary_key()) in stored_keys(build)


def test_a_copy_and_publish_without_precompute_drops_the_old_answers(
    published: tuple[Workspace, PipelineResult], served: ServedWorkspace
) -> None:
    workspace, _ = published
    # a second copy of the workspace: this test publishes a build without answers
    root = workspace.root.parent / "no-answers"
    shutil.copytree(workspace.root, root)
    other = Workspace.open(root)
    score_tenant(other, TENANT)  # a scorer outside `publishing_answers`
    with open_published(other, TENANT) as build:
        assert stored_keys(build) == []
    with TestClient(create_app(other), raise_server_exceptions=False) as client:
        response = client.get(f"{API}/deals/summary", headers=sales_key(served))
    assert response.status_code == 200 and response.json()["open_deals"] > 0


def test_the_forecast_presets_are_valid_requests() -> None:
    for horizon, period in precompute.FORECASTS:
        ForecastRequest(horizon=horizon, period=period)
    assert (ForecastRequest().horizon, ForecastRequest().period) in precompute.FORECASTS


def test_memo_computes_a_key_once_for_concurrent_callers(tmp_path: Path) -> None:
    import duckdb

    build = Build.over(duckdb.connect())
    calls: list[int] = []
    started = threading.Event()
    release = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(build.memo("k", slow)))]
    threads[0].start()
    started.wait(5)
    threads += [
        threading.Thread(target=lambda: answers.append(build.memo("k", slow))) for _ in range(8)
    ]
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(5)
    assert answers == [42] * 9 and len(calls) == 1


def test_memo_waiters_retry_when_the_computation_fails() -> None:
    import duckdb

    build = Build.over(duckdb.connect())
    attempts: list[int] = []
    started, release = threading.Event(), threading.Event()

    def flaky() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            started.set()
            release.wait(5)
            raise ValueError("first attempt fails")
        return 7

    errors: list[BaseException] = []
    results: list[int] = []

    def first() -> None:
        try:
            build.memo("k", flaky)
        except ValueError as exc:
            errors.append(exc)

    t1 = threading.Thread(target=first)
    t1.start()
    started.wait(5)
    t2 = threading.Thread(target=lambda: results.append(build.memo("k", flaky)))
    t2.start()
    release.set()
    t1.join(5)
    t2.join(5)
    assert len(errors) == 1 and results == [7] and build.memo("k", flaky) == 7


def test_the_warmer_opens_a_new_build_with_its_answers_in_memory(
    published: tuple[Workspace, PipelineResult],
) -> None:
    from revlake.api.warmer import BuildWarmer
    from revlake.reader import BuildRegistry
    from revlake.reader.answers import ALL

    workspace, _ = published
    registry = BuildRegistry(workspace.snapshots_dir)
    try:
        warmer = BuildWarmer(registry, [OTHER, TENANT])  # OTHER has no published build
        warmer.warm_once()
        with registry.acquire(TENANT) as build:
            loaded = build.cached(ALL)
            assert loaded is not None
            assert set(loaded) == set(stored_keys(build)) and len(loaded) > 10
        for _ in range(2):  # an app's lifespan may run more than once
            warmer.start()  # the thread polls and stops cleanly
            warmer.stop()
    finally:
        registry.close()


def test_an_answer_the_build_cannot_give_is_skipped_not_fatal(
    published: tuple[Workspace, PipelineResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    workspace, _ = published
    root = workspace.root.parent / "partial"
    shutil.copytree(workspace.root, root)
    other = Workspace.open(root)

    def missing(*_args: Any) -> Any:
        raise duckdb.CatalogException("Table with name kpi_revenue_monthly does not exist!")

    monkeypatch.setattr(deals, "deal_summary", missing)
    result = PipelineResult(tenant=TENANT, run_id=0)
    score_registered_models(other, result)
    assert result.precomputed is not None
    assert any("kpi_revenue_monthly" in r for r in result.precomputed.skipped)
    with open_published(other, TENANT) as build:
        keys = stored_keys(build)
    assert answer_key(precompute.deal_summary_key()) not in keys
    assert any(k.startswith("('forecast'") for k in keys)  # the forecasts still stored


def test_a_horizon_outside_the_presets_folds_the_stored_basis(
    served: ServedWorkspace,
    client: TestClient,
    counted: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The publish stored the forecast basis: a horizon it did not precompute fits no
    model and simulates no open deal, and reads the same simulated worlds as the presets
    (its first four weeks of open pipeline are the 4-week preset's)."""

    def refit(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the forecast basis was computed again")

    monkeypatch.setattr(deals, "fit_forecast_models", refit)
    monkeypatch.setattr(deals, "forecast_basis_with", refit)
    assert (5, "week") not in precompute.FORECASTS
    headers = sales_key(served)
    five = client.post(f"{API}/forecast", headers=headers, json={"horizon": 5})
    four = client.post(f"{API}/forecast", headers=headers, json={"horizon": 4})
    assert five.status_code == 200 and four.status_code == 200, five.text
    assert counted["forecast"] == 1  # the 5-week one; the preset was stored
    weeks = [p["open_pipeline_mean"] for p in five.json()["periods"][:4]]
    assert weeks == [p["open_pipeline_mean"] for p in four.json()["periods"]]


def test_the_first_request_reads_the_answers_file_without_opening_the_build(
    published: tuple[Workspace, PipelineResult],
) -> None:
    from revlake.reader import BuildRegistry
    from revlake.reader.answers import answer_file, read_answer_file, stored_answer

    workspace, _ = published
    path = published_path(workspace, TENANT)
    in_file = read_answer_file(path)
    with open_published(workspace, TENANT) as build:
        table = {
            str(r["key"]): bytes(r["body"])
            for r in build.rows("select key, body from serving.answers")
        }
    assert in_file == table and len(table) > 10
    registry = BuildRegistry(workspace.snapshots_dir)
    try:
        with registry.acquire(TENANT) as build:
            body = stored_answer(build, precompute.deal_summary_key())
            assert body == table[answer_key(precompute.deal_summary_key())]
            assert not build.connected  # answered without opening the DuckDB file
            assert build.has_table(deals.SCORES) and build.connected  # a query connects
    finally:
        registry.close()
    # a file that names another build, or is cut short, is ignored (the table answers)
    other = path.with_name("19990101T000000000000Z.duckdb")
    shutil.copyfile(answer_file(path), answer_file(other))
    assert read_answer_file(other) is None
    cut = answer_file(path).read_bytes()[:-1]
    shutil.copyfile(path, other)
    answer_file(other).write_bytes(cut)
    try:
        assert read_answer_file(other) is None
    finally:
        other.unlink()
        answer_file(other).unlink()


# ---------------------------------------------------------------- POST /forecast, cached


def _stored_forecast(workspace: Workspace, horizon: int, period: Period) -> bytes:
    from revlake.reader.answers import read_answer_file

    stored = read_answer_file(published_path(workspace, TENANT))
    assert stored is not None
    key = precompute.forecast_key(_version(workspace), horizon, period)
    return stored[answer_key(key)]


def _route_must_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from revlake.api.routes import deals as deal_routes

    async def refuse(*_args: Any) -> Any:
        raise AssertionError("POST /forecast ran its route instead of the response cache")

    monkeypatch.setattr(deal_routes, "json_from_snapshot", refuse)


def test_a_precomputed_forecast_body_is_replayed_from_the_stored_answer(
    published: tuple[Workspace, PipelineResult],
    served: ServedWorkspace,
    client: TestClient,
    counted: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first POST reads the stored answer (nothing computed); the same body spelled
    differently (key order, spaces, an explicit default) is then answered by the response
    cache without running the route, with the same bytes as the on-demand answer."""
    workspace, _ = published
    with open_published(workspace, TENANT) as build:
        on_demand = precompute.json_body(
            deals.forecast(build, deals.registered_win_model(build, workspace, TENANT), 13, "week")
        )
    counted.update(dict.fromkeys(counted, 0))
    headers = {**sales_key(served), "Content-Type": "application/json"}
    first = client.post(
        f"{API}/forecast", headers=headers, content=b'{"horizon":13,"period":"week"}'
    )
    assert first.status_code == 200, first.text
    assert first.content == _stored_forecast(workspace, 13, "week") == on_demand
    assert counted == dict.fromkeys(COMPUTING, 0)
    _route_must_not_run(monkeypatch)
    for body in (b'{"period": "week", "horizon": 13}', b' {"horizon" : 13 ,"period":"week"}\n'):
        again = client.post(f"{API}/forecast", headers=headers, content=body)
        assert again.status_code == 200 and again.content == on_demand
        assert again.headers["x-revlake-snapshot"] == first.headers["x-revlake-snapshot"]


def test_a_cached_forecast_keeps_authentication_roles_and_tenancy(
    published: tuple[Workspace, PipelineResult],
    served: ServedWorkspace,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = {"horizon": 8, "period": "week"}
    cached = client.post(f"{API}/forecast", headers=sales_key(served), json=body)
    assert cached.status_code == 200 and cached.content == _stored_forecast(published[0], 8, "week")
    _route_must_not_run(monkeypatch)
    assert client.post(f"{API}/forecast", headers=sales_key(served), json=body).content == (
        cached.content
    )
    wrong = sales_key(served)["Authorization"][:-4] + "xxxx"
    refused = {
        "no key": {},
        "wrong secret": {"Authorization": wrong},
        "garbage key": {"X-API-Key": "not-a-key"},
        "two keys": {**sales_key(served), "X-API-Key": served.key(role="admin")},
    }
    for name, headers in refused.items():
        response = client.post(f"{API}/forecast", headers=headers, json=body)
        assert response.status_code == 401, (name, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
    # a role without the pipeline area, and another tenant's key: never the cached answer
    marketing = client.post(
        f"{API}/forecast", headers=bearer(served.key(role="marketing")), json=body
    )
    assert marketing.status_code == 403
    other = client.post(f"{API}/forecast", headers=bearer(served.key(OTHER)), json=body)
    assert other.status_code == 404 and other.content != cached.content  # no build of its own


def test_a_body_that_is_not_precomputed_is_still_validated(
    served: ServedWorkspace, client: TestClient
) -> None:
    headers = sales_key(served)
    assert client.post(f"{API}/forecast", headers=headers, json={"horizon": 4}).status_code == 200
    for _ in range(2):  # a refusal is never kept: the second one is refused by the app again
        for body, field in (({"horizon": 3}, "horizon"), ({"horizon": 4, "x": 1}, "x")):
            response = client.post(f"{API}/forecast", headers=headers, json=body)
            assert response.status_code == 422, response.text
            assert f"body.{field}" in response.json()["detail"]
        bad_json = client.post(
            f"{API}/forecast",
            headers={**headers, "Content-Type": "application/json"},
            content=b'{"horizon": 4',
        )
        assert bad_json.status_code == 422
        assert bad_json.headers["content-type"].startswith("application/problem+json")
        # FastAPI reads a body as JSON by its content type: not JSON, not the cached answer
        as_text = client.post(
            f"{API}/forecast",
            headers={**headers, "Content-Type": "text/plain"},
            content=b'{"horizon": 4}',
        )
        assert as_text.status_code == 422
        unknown = client.post(f"{API}/forecast?horizon=4", headers=headers, json={"horizon": 4})
        assert unknown.status_code == 400 and "'horizon'" in unknown.json()["detail"]


def test_a_newly_registered_model_is_not_answered_from_the_cache(
    published: tuple[Workspace, PipelineResult],
    served: ServedWorkspace,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cached forecast belongs to the model version it was computed with: once LATEST
    names another version, the route runs again (here a stand-in answer)."""
    from fastapi import Response

    from revlake.api.routes import deals as deal_routes
    from revlake.ml.registry import LATEST_FILE, models_dir

    workspace, _ = published
    body = {"horizon": 26, "period": "week"}
    cached = client.post(f"{API}/forecast", headers=sales_key(served), json=body)
    assert cached.status_code == 200
    seen: list[str] = []

    async def stand_in(snapshot: Build, key: tuple[Any, ...], _compute: Any) -> Response:
        seen.append(key[1])
        return Response(b"{}", headers={"X-Revlake-Snapshot": snapshot.name})

    monkeypatch.setattr(deal_routes, "json_from_snapshot", stand_in)
    pointer = models_dir(workspace, TENANT) / LATEST_FILE
    before = pointer.read_text()
    try:
        replaced = pointer.with_name(".LATEST.test")
        replaced.write_text("20990101T000000Z\n")
        replaced.replace(pointer)  # as `write_version` does: a new file renamed over it
        answer = client.post(f"{API}/forecast", headers=sales_key(served), json=body)
        assert answer.content == b"{}" and seen == ["20990101T000000Z"]
    finally:
        restored = pointer.with_name(".LATEST.test")
        restored.write_text(before)
        restored.replace(pointer)
    assert client.post(f"{API}/forecast", headers=sales_key(served), json=body).content == (
        cached.content
    )
