"""Landing hygiene: root files, links, files still being written, temporary and editor files."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from revlake.ingest import FileStatus, IngestSummary, run_ingest
from revlake.workspace import Workspace, init_workspace

from .conftest import SUBS_HEADER, TENANT

ROWS = f"{SUBS_HEADER}\ns1,c1,2024-01-01,10\ns2,c2,2024-02-01,20\n".encode()


def _status(summary: IngestSummary) -> dict[str, FileStatus]:
    return {f.path: f.status for f in summary.files}


def test_a_file_at_the_landing_root_goes_to_the_only_tenant(
    workspace: Workspace,
    ingest: Callable[..., IngestSummary],
    query: Callable[..., list[tuple[Any, ...]]],
) -> None:
    (workspace.landing_dir(TENANT).parent / "subs.csv").write_bytes(ROWS)
    summary = ingest()
    assert _status(summary) == {"../subs.csv": FileStatus.LOADED}
    assert query("SELECT count(*), min(_source_file) FROM generic_subscriptions") == [
        (2, "../subs.csv")
    ]
    assert ingest().files == []  # exactly once


def test_a_root_file_with_several_tenants_is_named_not_guessed(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", ["acme", "globex"])
    (workspace.landing_dir("acme").parent / "subs.csv").write_bytes(ROWS)
    summary = run_ingest(workspace, "acme")
    [result] = summary.files
    assert result.status is FileStatus.REFUSED
    assert "landing root" in result.message
    assert "landing/acme/" in result.message and "landing/globex/" in result.message
    assert summary.rows_loaded == 0
    assert run_ingest(workspace, "acme", strict=True).exit_code == 1


def test_symbolic_links_are_refused_in_and_out(tmp_path: Path) -> None:
    workspace = init_workspace(tmp_path / "ws", ["acme", "globex"])
    other = workspace.landing_dir("globex") / "subs.csv"
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_bytes(ROWS)
    landing = workspace.landing_dir("acme")
    landing.mkdir(parents=True, exist_ok=True)
    (landing / "stolen.csv").symlink_to(other)  # a link to another tenant's export
    (landing / "passwd.csv").symlink_to("/etc/passwd")  # a link to a system file
    (landing / "linked_dir").symlink_to(other.parent, target_is_directory=True)
    (landing / "own.csv").write_bytes(ROWS)
    (landing / "alias.csv").symlink_to(landing / "own.csv")  # even a link inside
    summary = run_ingest(workspace, "acme")
    status = _status(summary)
    assert status == {
        "own.csv": FileStatus.LOADED,
        "stolen.csv": FileStatus.REFUSED,
        "passwd.csv": FileStatus.REFUSED,
        "linked_dir": FileStatus.REFUSED,
        "alias.csv": FileStatus.REFUSED,
    }
    assert all("symbolic link" in f.message for f in summary.problems)
    assert summary.rows_loaded == 2  # only its own file


def test_a_file_still_being_written_is_deferred_not_loaded_in_part(
    workspace: Workspace, query: Callable[..., list[tuple[Any, ...]]]
) -> None:
    path = workspace.landing_dir(TENANT) / "growing.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()

    def writer() -> None:
        with path.open("w", encoding="utf-8") as handle:
            handle.write(SUBS_HEADER + "\n")
            number = 0
            while not stop.is_set():
                handle.write(f"s{number},c{number},2024-01-01,{number}\n")
                handle.flush()
                number += 1
                time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        summary = run_ingest(workspace, TENANT, settle_s=0.5)
    finally:
        stop.set()
        thread.join()
    [result] = summary.files
    assert result.status is FileStatus.DEFERRED
    assert "still changing" in result.message or "being written" in result.message
    assert query("SELECT count(*) FROM _manifest") == [(0,)]
    # once the writer is done and the file has settled, it loads whole
    finished_rows = len(path.read_text(encoding="utf-8").splitlines()) - 1
    later = run_ingest(workspace, TENANT, settle_s=0.1)
    assert [f.status for f in later.files] == [FileStatus.LOADED]
    assert later.rows_loaded == finished_rows


def test_a_just_copied_file_is_waited_for_then_loaded(workspace: Workspace) -> None:
    path = workspace.landing_dir(TENANT) / "fresh.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ROWS)
    started = time.perf_counter()
    summary = run_ingest(workspace, TENANT, settle_s=0.5)
    assert _status(summary) == {"fresh.csv": FileStatus.LOADED}
    assert time.perf_counter() - started >= 0.4  # it waited for the settle time


def test_temporary_names_are_deferred_and_editor_files_ignored(
    workspace: Workspace,
    drop: Callable[[str, bytes], Path],
    ingest: Callable[..., IngestSummary],
) -> None:
    drop("download.csv.crdownload", ROWS)
    drop("copy.csv.part", ROWS)
    drop("~$report.xlsx", b"lock")
    drop(".~lock.subs.csv#", b"lock")
    drop("subs.csv~", ROWS)
    drop(".hidden.csv", ROWS)
    drop("subs.csv", ROWS)
    summary = ingest()
    assert _status(summary) == {
        "subs.csv": FileStatus.LOADED,
        "download.csv.crdownload": FileStatus.DEFERRED,
        "copy.csv.part": FileStatus.DEFERRED,
    }
    assert summary.files_ignored == 4
    assert summary.exit_code == 0
    os.rename(
        workspace.landing_dir(TENANT) / "copy.csv.part", workspace.landing_dir(TENANT) / "copy.csv"
    )
    assert _status(ingest())["copy.csv"] is FileStatus.DUPLICATE  # same content as subs.csv
