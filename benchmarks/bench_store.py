"""Operational store: audit append and verify speed, API key verification with and without cache.

Run: python -m benchmarks.bench_store [--entries N]. Prints medians of several runs and
writes nothing to the repo (databases live in a temporary folder, or in a throw-away
PostgreSQL schema that is dropped at the end). Baselines measured in the same run:
- append: a one-row INSERT in its own transaction on the same engine, without the chain
  (what the audit entry costs on top of a plain write);
- verify: reading every audit row without hashing (what the hashing costs on top);
- key verification: scrypt on every call vs. the KeyCache hit path the API uses.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from revlake.store.audit import append_audit, verify_chain
from revlake.store.db import Store
from revlake.store.keys import KeyCache, create_key, verify_api_key
from revlake.store.models import AuditEntry, PipelineRun
from revlake.store.tenants import add_tenant
from revlake.store.types import utc_now

REPEATS = 5
POSTGRES_URL = os.environ.get(
    "REVLAKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/revlake_test"
)


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_url() -> Iterator[str | None]:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    schema = f"revlake_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError:
        admin.dispose()
        yield None
        return
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench_backend(name: str, url: str, entries: int) -> None:
    store = Store.connect(url)
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="bench")
    batch = 200

    def append_batch() -> None:
        for i in range(batch):
            with store.write() as session:
                append_audit(session, actor="bench", action="x", entity="e", entity_id=str(i))

    def plain_batch() -> None:
        for _ in range(batch):
            with store.write_connection() as connection, connection.begin():
                connection.execute(
                    insert(PipelineRun.__table__).values(
                        tenant_id="acme",
                        kind="bench",
                        status="ok",
                        started_at=utc_now(),
                        summary={},
                    )
                )

    audit_s = median_seconds(append_batch) / batch
    plain_s = median_seconds(plain_batch) / batch

    # Grow the chain to `entries`, then time verification against a plain read.
    with store.read() as session:
        current = verify_chain(session).entries
    for start in range(current, entries, 500):
        with store.write() as session:  # one transaction, many entries: fast setup
            for i in range(start, min(start + 500, entries)):
                append_audit(session, actor="bench", action="x", entity="e", entity_id=str(i))

    def verify() -> None:
        with store.read() as session:
            report = verify_chain(session)
            assert report.ok and report.entries == entries

    def read_all() -> None:
        with store.read() as session:
            rows = session.execute(select(AuditEntry)).scalars().all()
            assert len(rows) == entries

    verify_s = median_seconds(verify, 3)
    read_s = median_seconds(read_all, 3)

    threads, per_thread = 4, 50

    def concurrent() -> None:
        def writer() -> None:
            for i in range(per_thread):
                with store.write() as session:
                    append_audit(session, actor="t", action="x", entity="e", entity_id=str(i))

        workers = [threading.Thread(target=writer) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    concurrent_s = median_seconds(concurrent, 3)
    with store.read() as session:
        assert verify_chain(session).ok

    with store.write() as session:
        key = create_key(session, tenant_id="acme", role="executive", actor="bench").key
    cache = KeyCache()
    with store.read() as session:
        verify_api_key(session, key, cache=cache)

    def cold() -> None:
        with store.read() as session:
            verify_api_key(session, key)

    def warm() -> None:
        with store.read() as session:
            verify_api_key(session, key, cache=cache)

    cold_s = median_seconds(cold, 7)
    warm_s = median_seconds(warm, 51)
    store.dispose()

    print(f"\n[{name}]")
    print(
        f"  append one audit entry (own transaction): {audit_s * 1e3:7.2f} ms   "
        f"plain one-row insert: {plain_s * 1e3:6.2f} ms   ratio {audit_s / plain_s:4.1f}x"
    )
    print(
        f"  verify {entries} entries: {verify_s:6.3f} s ({entries / verify_s:8.0f} entries/s)   "
        f"plain read: {read_s:6.3f} s   ratio {verify_s / read_s:4.1f}x"
    )
    total = threads * per_thread
    print(
        f"  {threads} threads x {per_thread} appends: {concurrent_s:6.3f} s "
        f"({total / concurrent_s:6.0f} entries/s), chain intact"
    )
    print(
        f"  verify_api_key: scrypt {cold_s * 1e3:6.2f} ms   cached {warm_s * 1e3:6.3f} ms   "
        f"ratio {cold_s / warm_s:5.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=5000, help="chain length to verify")
    args = parser.parse_args()
    print(f"operational store benchmark (medians; append batches of 200, {REPEATS} runs)")
    with sqlite_url() as url:
        bench_backend("sqlite", url, args.entries)
    with postgres_url() as pg:
        if pg is None:
            print(f"\n[postgresql] skipped: no server at {POSTGRES_URL}")
        else:
            bench_backend("postgresql", pg, args.entries)


if __name__ == "__main__":
    main()
