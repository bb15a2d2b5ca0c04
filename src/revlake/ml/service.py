"""`revlake train` and `revlake score` as library calls on a tenant's published build.

Training reads the published build (read-only) and writes a new registry version; it
does not take the workspace lock (it writes nothing the lock protects). Scoring takes the
lock, copies the published build to a new snapshot file, writes `gold.ml_deal_scores` and
`gold.ml_deal_explanations` into the copy and publishes it atomically
(revlake.transform.snapshots.publish): readers see the previous build until the scored
one is complete, and the scored build is kept among the "as reported on" snapshots. A
later `revlake build` starts from bronze and drops the ml tables: score again after it.

Opportunities without dates (a win/loss table) train and score the tabular win model
instead (revlake.ml.win_tabular, registry `models/win_tabular/`): a stratified split,
not time-ordered, reported beside a same-run baseline.

Several scorers in a row (the pipeline's score → forecast → churn) share one copy inside
`batched_publish`, so one run publishes one scored snapshot, not one per step.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import duckdb

from revlake.errors import InputError, RevlakeError
from revlake.ml.deals import DealHistory, load_deal_history
from revlake.ml.metrics import plot_reliability
from revlake.ml.registry import RegisteredModel, load_model, read_latest, save_model
from revlake.ml.report import render_markdown
from revlake.ml.scoring import ScoredDeals, score_history
from revlake.ml.tabular import TabularModel, TabularResult, load_tabular, save_tabular
from revlake.ml.training import TrainResult, train_win_model
from revlake.ml.win_tabular import (
    MODEL_FAMILY as TABULAR_FAMILY,
)
from revlake.ml.win_tabular import (
    load_deal_table,
    needs_tabular,
    read_deal_table,
    score_open_deals,
    train_win_tabular,
)
from revlake.reader import open_published, published_path
from revlake.reader.answers import drop_answers
from revlake.transform import snapshots
from revlake.transform.project import GOLD_SCHEMA
from revlake.workspace import Workspace

PUBLISH_MEMORY_LIMIT = "1GB"
"""DuckDB's `memory_limit` on the build copy a scored publish writes and precomputes its
answers on, unless the workspace sets `build_memory_limit` (then that bounds the publish
too: a company too large for 1 GB of working memory raises it in one place). Without a
limit DuckDB may take 80% of RAM besides the Python side: the AR aging's query alone took
0.6 GB at 100k customers on 2026-12-06's code (ten times that at 1M). Past the limit
DuckDB spills to disk; the results are the same (at 100k, 300 MB took the publish's peak
from 1.7 to 1.3 GiB and cost no time: docs/PERFORMANCE.md)."""
SCORES_TABLE = "ml_deal_scores"
EXPLANATIONS_TABLE = "ml_deal_explanations"


@dataclass(frozen=True)
class TrainSummary:
    """What `revlake train` produced."""

    tenant: str
    version_path: Path
    result: TrainResult | TabularResult


@dataclass(frozen=True)
class ScoreSummary:
    """What `revlake score` wrote and published."""

    tenant: str
    snapshot: Path
    model_version: str
    scored: ScoredDeals


def read_oracle(path: Path) -> dict[str, float]:
    """opportunity_id → true_win_probability from a generator truth CSV."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        for column in ("opportunity_id", "true_win_probability"):
            if column not in fields:
                raise InputError(f"{path}: line 1: missing column {column!r}")
        oracle: dict[str, float] = {}
        for line, row in enumerate(reader, start=2):
            try:
                oracle[row["opportunity_id"]] = float(row["true_win_probability"])
            except (TypeError, ValueError):
                raise InputError(
                    f"{path}: line {line}: column 'true_win_probability': not a number "
                    f"({row['true_win_probability']!r})"
                ) from None
    return oracle


def load_tenant_history(workspace: Workspace, tenant: str) -> DealHistory:
    """The deal history of the tenant's published build."""
    with open_published(workspace, tenant) as build, build.cursor() as con:
        return load_deal_history(con)


def train_tenant(
    workspace: Workspace,
    tenant: str,
    *,
    oracle_path: Path | None = None,
    on_step: Callable[[str], None] | None = None,
) -> TrainSummary:
    """Train, evaluate and register a new win-model version for the tenant."""
    tenant = workspace.tenant(tenant).id
    oracle = read_oracle(oracle_path) if oracle_path is not None else None
    history = load_tenant_history(workspace, tenant)
    if needs_tabular(history):
        return _train_tabular(workspace, tenant, on_step)
    result = train_win_model(history, oracle=oracle, on_step=on_step)
    manifest = {
        "tenant": tenant,
        "fingerprint": result.fingerprint,
        "message": result.message,
        "split": result.split,
        "trained_on_build": published_path(workspace, tenant).name,
    }
    with tempfile.TemporaryDirectory(prefix="revlake-train-") as tmp:
        folder = Path(tmp)
        (folder / "evaluation.json").write_text(
            json.dumps(result.evaluation, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        (folder / "evaluation.md").write_text(
            render_markdown(tenant, {**manifest, "kind": result.model.kind}, result.evaluation),
            encoding="utf-8",
        )
        extra = {
            "evaluation.json": folder / "evaluation.json",
            "evaluation.md": folder / "evaluation.md",
        }
        if result.curves:
            plot_reliability(
                result.curves, folder / "reliability.png", title=f"Win model — {tenant} (test)"
            )
            extra["reliability.png"] = folder / "reliability.png"
        path = save_model(workspace, tenant, result.model, result.reference, manifest, extra)
    return TrainSummary(tenant=tenant, version_path=path, result=result)


def tabular_models_dir(workspace: Workspace, tenant: str) -> Path:
    """`tenants/<tenant>/models/win_tabular`: win models of deals without dates."""
    return workspace.tenant_dir(tenant) / "models" / TABULAR_FAMILY


def _train_tabular(
    workspace: Workspace, tenant: str, on_step: Callable[[str], None] | None
) -> TrainSummary:
    """The win model of a build whose closed deals have (almost) no dates."""
    if on_step is not None:
        on_step("fit (stratified split: the deals have no dates)")
    build = published_path(workspace, tenant)
    result = train_win_tabular(read_deal_table(build))
    manifest = {"tenant": tenant, "trained_on_build": build.name}
    path = save_tabular(
        tabular_models_dir(workspace, tenant), result, manifest, f"Win model — tenant `{tenant}`"
    )
    return TrainSummary(tenant=tenant, version_path=path, result=result)


@dataclass(frozen=True)
class _Batch:
    """The open copy that scorers write into while `batched_publish` is active."""

    workspace_root: Path
    tenant: str
    target: Path
    con: duckdb.DuckDBPyConnection


BeforePublish = Callable[[duckdb.DuckDBPyConnection, Path], None]
"""A last step on a finished build copy (open connection, its path) before it is published."""

_BEFORE_PUBLISH: ContextVar[tuple[Path, str, BeforePublish] | None] = ContextVar(
    "revlake_before_publish", default=None
)


@contextmanager
def before_publishing(workspace: Workspace, tenant: str, hook: BeforePublish) -> Iterator[None]:
    """Inside the block, every `batched_publish` of `tenant` runs `hook` on its finished
    copy before publishing it (the caller's scorers keep their own checks and order)."""
    token = _BEFORE_PUBLISH.set((workspace.root, tenant, hook))
    try:
        yield
    finally:
        _BEFORE_PUBLISH.reset(token)


_ACTIVE_BATCH: ContextVar[_Batch | None] = ContextVar("revlake_publish_batch", default=None)


@contextmanager
def batched_publish(
    workspace: Workspace, tenant: str, command: str, wait_s: float = 0.0
) -> Iterator[Path]:
    """One copy of the published build for every `publish_with_tables` call inside.

    Holds the workspace lock throughout; the copy is published once, when the block
    ends without an error, and discarded otherwise (the previous build stays
    published). Yields the path the scored build will have. The copy never keeps the
    copied build's precomputed answers (`revlake.reader.answers`); the hook of an
    enclosing `before_publishing` for this tenant runs on the finished copy, just before
    it is published, to store new ones: if it fails, nothing is published either.
    """
    pending = _BEFORE_PUBLISH.get()
    hook = pending[2] if pending and pending[:2] == (workspace.root, tenant) else None
    with workspace.write_lock(command, timeout_s=wait_s):
        current = published_path(workspace, tenant)
        target = snapshots.new_snapshot_path(current.parent)
        snapshots.copy_snapshot(current, target)
        try:
            limit = workspace.settings.workspace.build_memory_limit or PUBLISH_MEMORY_LIMIT
            con = duckdb.connect(str(target), config={"memory_limit": limit})
            token = _ACTIVE_BATCH.set(_Batch(workspace.root, tenant, target, con))
            try:
                drop_answers(con)
                yield target
                if hook is not None:
                    hook(con, target)
                con.execute("checkpoint")
            finally:
                _ACTIVE_BATCH.reset(token)
                con.close()
        except BaseException:
            snapshots.discard(target)
            raise
        _publish_copy(workspace, tenant, target, command)


def _publish_copy(workspace: Workspace, tenant: str, target: Path, command: str) -> None:
    from revlake.store.publish import publish_audited

    try:
        publish_audited(workspace, tenant, target, command=command)
    except OSError as exc:
        raise RevlakeError(f"cannot publish the scored build {target}: {exc}") from exc


def publish_with_tables(
    workspace: Workspace,
    tenant: str,
    command: str,
    write: Callable[[duckdb.DuckDBPyConnection], None],
    wait_s: float = 0.0,
) -> Path:
    """Copy the published build, let `write` add tables to the copy, publish it atomically.

    Holds the workspace lock throughout; on any failure the copy is discarded and the
    previous build stays published. Used by every scorer (deals, customer churn, LTV).
    Inside `batched_publish` for the same tenant, `write` goes into the batch's copy and
    publishing waits for the batch to end.
    """
    batch = _ACTIVE_BATCH.get()
    if batch is not None and batch.workspace_root == workspace.root and batch.tenant == tenant:
        write(batch.con)
        return batch.target
    with batched_publish(workspace, tenant, command, wait_s) as target:
        write(_active_connection())
    return target


def _active_connection() -> duckdb.DuckDBPyConnection:
    batch = _ACTIVE_BATCH.get()
    assert batch is not None
    return batch.con


def score_tenant(
    workspace: Workspace, tenant: str, *, version: str | None = None, wait_s: float = 0.0
) -> ScoreSummary:
    """Score the open deals into a copy of the published build and publish it."""
    tenant = workspace.tenant(tenant).id
    tabular: TabularModel | None = None
    registered: RegisteredModel | None = None
    tabular_root = tabular_models_dir(workspace, tenant)
    # deals without dates are scored by the tabular model (when one was trained)
    if read_latest(tabular_root) is not None and needs_tabular(
        load_tenant_history(workspace, tenant)
    ):
        tabular, manifest = load_tabular(tabular_root, version)
        model_version = str(manifest["version"])
    else:
        registered = load_model(workspace, tenant, version)
        model_version = registered.version
    box: list[ScoredDeals] = []

    def write(con: duckdb.DuckDBPyConnection) -> None:
        if tabular is not None:
            scored = score_open_deals(tabular, load_deal_table(con), model_version)
        else:
            assert registered is not None
            scored = score_history(registered, load_deal_history(con))
        box.append(scored)
        con.register("_scores", scored.scores)
        con.register("_explanations", scored.explanations)
        con.execute(
            f"create or replace table {GOLD_SCHEMA}.{SCORES_TABLE} as "
            "select * exclude (amount_rc, at_risk_amount_rc), "
            "cast(amount_rc as decimal(18, 2)) as amount_rc, "
            "cast(at_risk_amount_rc as decimal(18, 2)) as at_risk_amount_rc "
            "from _scores order by opportunity_id"
        )
        con.execute(
            f"create or replace table {GOLD_SCHEMA}.{EXPLANATIONS_TABLE} as "
            "select * from _explanations order by opportunity_id, driver_rank"
        )

    target = publish_with_tables(
        workspace, tenant, f"revlake score --tenant {tenant}", write, wait_s
    )
    scored = box[0]
    return ScoreSummary(tenant=tenant, snapshot=target, model_version=model_version, scored=scored)
