"""The tenant's alert log: one SQLite file, `tenants/<tenant>/alerts/alerts.sqlite`.

Tables: `alerts` (raised, and cleared when a later publish no longer shows the state),
`observations` (the close date each open deal had at the last evaluation), `deliveries`
(one message per channel and batch of new alerts: status, attempts, last error) and
`delivery_alerts` (which alerts a message carries; an alert goes into at most one message
per channel, which is what makes delivery happen once), `evaluations` (one row per
evaluation).

Crash safety: an evaluation records its new alerts, clears, observations and the
messages to send in one transaction (SQLite's journal makes it all-or-nothing); sending
happens after the commit. A message is claimed (`pending`/`failed` → `sending`) by one
process before it is sent, and a claim older than `STALE_CLAIM_S` (a process that died
while sending) is taken over: delivery is at least once, and receivers deduplicate by
the `X-Revlake-Delivery` id (docs/ALERTS.md).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from revlake.alerts.rules import Finding, RuleResult
from revlake.errors import InputError, RevlakeError
from revlake.workspace import make_private

STALE_CLAIM_S = 900.0
DeliveryStatus = Literal["pending", "sending", "delivered", "failed", "expired"]
DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = (
    "pending",
    "sending",
    "delivered",
    "failed",
    "expired",
)

_SCHEMA = """
create table if not exists alerts (
  id integer primary key,
  rule_id text not null, kind text not null,
  subject_type text not null, subject_id text not null, subject_name text not null,
  condition text not null, occurrence integer not null,
  message text not null, details text not null,
  snapshot text not null, raised_at text not null,
  cleared_at text, cleared_snapshot text, event integer not null,
  unique (rule_id, subject_id, condition, occurrence)
);
create index if not exists alerts_open on alerts (rule_id, cleared_at);
create table if not exists observations (
  rule_id text not null, subject_id text not null, value text not null,
  primary key (rule_id, subject_id)
);
create table if not exists deliveries (
  id integer primary key,
  channel text not null, status text not null,
  attempts integer not null default 0, last_error text, response_status integer,
  created_at text not null, updated_at text not null, claimed_at text, delivered_at text
);
create index if not exists deliveries_status on deliveries (status);
create table if not exists delivery_alerts (
  delivery_id integer not null references deliveries (id),
  alert_id integer not null references alerts (id),
  channel text not null,
  unique (alert_id, channel)
);
create table if not exists evaluations (
  id integer primary key, snapshot text not null, evaluated_at text not null,
  raised integer not null, cleared integer not null, skipped text not null
);
"""


def now_text(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).isoformat(timespec="seconds")


@dataclass(frozen=True)
class AlertRecord:
    id: int
    rule_id: str
    kind: str
    subject_type: str
    subject_id: str
    subject_name: str
    condition: str
    occurrence: int
    message: str
    details: dict[str, Any]
    snapshot: str
    raised_at: str
    cleared_at: str | None
    event: bool
    delivered: tuple[str, ...]  # channels whose message carrying it was delivered

    @property
    def status(self) -> str:
        if self.event:
            return "event"
        return "cleared" if self.cleared_at else "active"


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    channel: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    response_status: int | None
    created_at: str
    updated_at: str
    delivered_at: str | None
    alert_ids: tuple[int, ...]


@dataclass(frozen=True)
class Recorded:
    """What one evaluation added to the log."""

    evaluation_id: int
    raised: list[int]
    cleared: int
    deliveries: list[int]


class AlertLog:
    """The alert log of one tenant (opened per use; SQLite in WAL mode)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection; `write` takes the write lock for the whole block (BEGIN IMMEDIATE)."""
        if not write and not self.path.exists():
            con = sqlite3.connect(":memory:")
            con.executescript(_SCHEMA)
        else:
            self.path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
            try:
                con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
                con.execute("pragma journal_mode=wal")
                con.execute("pragma synchronous=full")
                con.executescript(_SCHEMA)
                for suffix in ("", "-wal", "-shm"):  # a tenant's data: private (0600)
                    make_private(Path(f"{self.path}{suffix}"))
            except sqlite3.Error as exc:
                raise RevlakeError(f"alert log {self.path}: {exc}") from exc
        con.row_factory = sqlite3.Row
        with closing(con):
            if not write:
                yield con
                return
            con.execute("begin immediate")
            try:
                yield con
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")

    # ------------------------------------------------------------------ evaluation

    def observations(self, rule_id: str) -> dict[str, str]:
        with self.connect() as con:
            rows = con.execute(
                "select subject_id, value from observations where rule_id = ?", [rule_id]
            ).fetchall()
        return {str(r["subject_id"]): str(r["value"]) for r in rows}

    def record(
        self,
        snapshot: str,
        results: Sequence[RuleResult],
        channels: dict[str, tuple[str, ...]],
        batch_size: int,
        now: datetime | None = None,
    ) -> Recorded:
        """Add new findings, clear states no longer found, store observations and queue
        one message per channel and batch of new alerts, in one transaction.

        `channels`: rule id → the channels its alerts go to.
        """
        stamp = now_text(now)
        raised: list[int] = []
        cleared = 0
        queued: dict[str, list[int]] = {}
        with self.connect(write=True) as con:
            for result in results:
                if result.skipped is not None:
                    continue
                rule_id = result.rule.id
                found = {(f.subject_id, f.condition) for f in result.findings}
                for finding in result.findings:
                    alert_id = _raise(con, finding, snapshot, stamp)
                    if alert_id is not None:
                        raised.append(alert_id)
                        for channel in channels.get(rule_id, ()):
                            queued.setdefault(channel, []).append(alert_id)
                for row in con.execute(
                    "select id, subject_id, condition from alerts "
                    "where rule_id = ? and cleared_at is null and event = 0",
                    [rule_id],
                ).fetchall():
                    if (row["subject_id"], row["condition"]) not in found:
                        con.execute(
                            "update alerts set cleared_at = ?, cleared_snapshot = ? where id = ?",
                            [stamp, snapshot, row["id"]],
                        )
                        cleared += 1
                if result.observations is not None:
                    con.execute("delete from observations where rule_id = ?", [rule_id])
                    con.executemany(
                        "insert into observations values (?, ?, ?)",
                        [(rule_id, k, v) for k, v in result.observations.items()],
                    )
            deliveries: list[int] = []
            for channel, ids in queued.items():
                for start in range(0, len(ids), batch_size):
                    cur = con.execute(
                        "insert into deliveries (channel, status, created_at, updated_at) "
                        "values (?, 'pending', ?, ?)",
                        [channel, stamp, stamp],
                    )
                    delivery = int(cur.lastrowid or 0)
                    deliveries.append(delivery)
                    con.executemany(
                        "insert into delivery_alerts values (?, ?, ?)",
                        [(delivery, a, channel) for a in ids[start : start + batch_size]],
                    )
            skipped = {r.rule.id: r.skipped for r in results if r.skipped is not None}
            cur = con.execute(
                "insert into evaluations (snapshot, evaluated_at, raised, cleared, skipped) "
                "values (?, ?, ?, ?, ?)",
                [snapshot, stamp, len(raised), cleared, json.dumps(skipped)],
            )
            evaluation = int(cur.lastrowid or 0)
        return Recorded(evaluation, raised, cleared, deliveries)

    # ------------------------------------------------------------------ delivery

    def claim(
        self, delivery_id: int, give_up_after: timedelta, now: datetime | None = None
    ) -> bool:
        """Take a message for sending; False when another process has it, it is done,
        or it is older than `give_up_after` (then it is marked `expired`)."""
        moment = now or datetime.now(UTC)
        stale = now_text(moment - timedelta(seconds=STALE_CLAIM_S))
        with self.connect(write=True) as con:
            row = con.execute(
                "select status, created_at, claimed_at from deliveries where id = ?",
                [delivery_id],
            ).fetchone()
            if row is None:
                return False
            status, claimed = row["status"], row["claimed_at"]
            if status == "sending" and (claimed or "") > stale:
                return False
            if status not in ("pending", "failed", "sending"):
                return False
            if datetime.fromisoformat(row["created_at"]) < moment - give_up_after:
                con.execute(
                    "update deliveries set status = 'expired', updated_at = ? where id = ?",
                    [now_text(moment), delivery_id],
                )
                return False
            con.execute(
                "update deliveries set status = 'sending', claimed_at = ?, updated_at = ? "
                "where id = ?",
                [now_text(moment), now_text(moment), delivery_id],
            )
        return True

    def finish(
        self,
        delivery_id: int,
        *,
        delivered: bool,
        attempts: int,
        error: str | None,
        response_status: int | None,
        deferred: bool = False,
    ) -> None:
        """Record the outcome of a round of attempts (`deferred`: not tried, stays pending)."""
        stamp = now_text()
        status = "delivered" if delivered else ("pending" if deferred else "failed")
        with self.connect(write=True) as con:
            con.execute(
                "update deliveries set status = ?, attempts = attempts + ?, last_error = ?, "
                "response_status = coalesce(?, response_status), updated_at = ?, "
                "delivered_at = ?, claimed_at = null where id = ?",
                [
                    status,
                    attempts,
                    error,
                    response_status,
                    stamp,
                    stamp if delivered else None,
                    delivery_id,
                ],
            )

    def undelivered(self) -> list[int]:
        """Messages not yet delivered (pending, failed, or claimed by a dead process)."""
        with self.connect() as con:
            rows = con.execute(
                "select id from deliveries where status in ('pending', 'failed', 'sending') "
                "order by id"
            ).fetchall()
        return [int(r["id"]) for r in rows]

    # ------------------------------------------------------------------ reading

    def alerts(
        self,
        *,
        ids: Sequence[int] | None = None,
        status: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[AlertRecord], int]:
        """Alerts newest first (filtered), and how many match."""
        conditions: list[str] = []
        params: list[Any] = []
        if ids is not None:
            conditions.append(f"a.id in ({', '.join('?' for _ in ids) or 'null'})")
            params += list(ids)
        if status == "active":
            conditions.append("a.cleared_at is null and a.event = 0")
        elif status == "cleared":
            conditions.append("a.cleared_at is not null")
        elif status == "event":
            conditions.append("a.event = 1")
        elif status is not None:
            raise InputError(f"unknown alert status {status!r}; statuses: active, cleared, event")
        if kind is not None:
            conditions.append("a.kind = ?")
            params.append(kind)
        where = ("where " + " and ".join(conditions)) if conditions else ""
        with self.connect() as con:
            total = int(con.execute(f"select count(*) from alerts a {where}", params).fetchone()[0])
            rows = con.execute(
                "select a.*, (select group_concat(d.channel) from delivery_alerts da "
                "join deliveries d on d.id = da.delivery_id "
                "where da.alert_id = a.id and d.status = 'delivered') as delivered "
                f"from alerts a {where} order by a.id desc limit ? offset ?",
                [*params, limit, offset],
            ).fetchall()
        return [_alert(r) for r in rows], total

    def deliveries(
        self,
        *,
        status: str | None = None,
        channel: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[DeliveryRecord], int]:
        """Delivery messages newest first (filtered), and how many match."""
        conditions: list[str] = []
        params: list[Any] = []
        if status is not None:
            if status not in DELIVERY_STATUSES:
                raise InputError(
                    f"unknown delivery status {status!r}; statuses: {', '.join(DELIVERY_STATUSES)}"
                )
            conditions.append("d.status = ?")
            params.append(status)
        if channel is not None:
            conditions.append("d.channel = ?")
            params.append(channel)
        where = ("where " + " and ".join(conditions)) if conditions else ""
        with self.connect() as con:
            total = int(
                con.execute(f"select count(*) from deliveries d {where}", params).fetchone()[0]
            )
            rows = con.execute(
                "select d.*, (select group_concat(alert_id) from delivery_alerts "
                "where delivery_id = d.id) as alert_ids "
                f"from deliveries d {where} order by d.id desc limit ? offset ?",
                [*params, limit, offset],
            ).fetchall()
        return [_delivery(r) for r in rows], total

    def delivery(self, delivery_id: int) -> DeliveryRecord:
        with self.connect() as con:
            row = con.execute(
                "select d.*, (select group_concat(alert_id) from delivery_alerts "
                "where delivery_id = d.id) as alert_ids from deliveries d where d.id = ?",
                [delivery_id],
            ).fetchone()
        if row is None:
            raise RevlakeError(f"alert log {self.path}: no delivery {delivery_id}")
        return _delivery(row)

    def counts(self) -> dict[str, int]:
        """Alerts per status (active, cleared, event) and messages per delivery status."""
        with self.connect() as con:
            alerts = con.execute(
                "select case when event = 1 then 'event' when cleared_at is null then 'active' "
                "else 'cleared' end as s, count(*) as n from alerts group by s"
            ).fetchall()
            sent = con.execute(
                "select status as s, count(*) as n from deliveries group by status"
            ).fetchall()
        counts = {f"alerts_{r['s']}": int(r["n"]) for r in alerts}
        counts.update({f"deliveries_{r['s']}": int(r["n"]) for r in sent})
        return counts

    def last_evaluation(self) -> dict[str, Any] | None:
        with self.connect() as con:
            row = con.execute("select * from evaluations order by id desc limit 1").fetchone()
        if row is None:
            return None
        return {**dict(row), "skipped": json.loads(row["skipped"])}


def _raise(con: sqlite3.Connection, finding: Finding, snapshot: str, stamp: str) -> int | None:
    """Insert the finding unless the same alert is open (or, for an event, ever raised);
    returns the new alert's id, None when it is not new."""
    rows = con.execute(
        "select max(occurrence) as last, sum(cleared_at is null) as open, max(event) as event "
        "from alerts where rule_id = ? and subject_id = ? and condition = ?",
        [finding.rule_id, finding.subject_id, finding.condition],
    ).fetchone()
    last = rows["last"]
    if last is not None and (rows["open"] or rows["event"]):
        return None
    cur = con.execute(
        "insert into alerts (rule_id, kind, subject_type, subject_id, subject_name, condition, "
        "occurrence, message, details, snapshot, raised_at, event) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            finding.rule_id,
            finding.kind,
            finding.subject_type,
            finding.subject_id,
            finding.subject_name,
            finding.condition,
            (last or 0) + 1,
            finding.message,
            json.dumps(finding.details, sort_keys=True, default=str),
            snapshot,
            stamp,
            int(finding.event),
        ],
    )
    return int(cur.lastrowid or 0)


def _alert(row: sqlite3.Row) -> AlertRecord:
    return AlertRecord(
        id=int(row["id"]),
        rule_id=row["rule_id"],
        kind=row["kind"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        subject_name=row["subject_name"],
        condition=row["condition"],
        occurrence=int(row["occurrence"]),
        message=row["message"],
        details=json.loads(row["details"]),
        snapshot=row["snapshot"],
        raised_at=row["raised_at"],
        cleared_at=row["cleared_at"],
        event=bool(row["event"]),
        delivered=tuple(sorted(set((row["delivered"] or "").split(",")) - {""})),
    )


def _delivery(row: sqlite3.Row) -> DeliveryRecord:
    return DeliveryRecord(
        id=int(row["id"]),
        channel=row["channel"],
        status=row["status"],
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        response_status=row["response_status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        delivered_at=row["delivered_at"],
        alert_ids=tuple(sorted(int(a) for a in (row["alert_ids"] or "").split(",") if a)),
    )
