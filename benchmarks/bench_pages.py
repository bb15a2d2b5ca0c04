"""Every dashboard page in Chromium: first load after a publish and warm (issue 15, item 6).

Run: python -m benchmarks.bench_pages [--customers N | --workspace PATH] [--runs R]
     [--warm W] [--no-publish]

The server is `revlake serve` in its own process; Chromium (Playwright, the binary the
browser tests use) logs in with an admin key and loads every page of the navigation plus
one deal drill-down. Per page:

- first: the page's first load right after a copy of the scored build was published (a
  new build for every page, so every page is measured cold; median of `--runs`);
- warm: `--warm` reloads of the same page, median.

Each load is read from the browser's Navigation Timing: `server` = requestStart →
responseEnd (the HTML: routing, queries, rendering, transfer over loopback), `page` =
navigation start → load event (scripts and charts included), and for warm loads `dom` =
navigation start → DOMContentLoaded handled (the HTML parsed, before plotly.js is loaded
and the charts drawn: `page − dom` is the charts' share). The same-run baseline is the
login page (`/login`: a template and no build), loaded the same way.
Targets (issue 15): first load ≤ 300 ms and warm ≤ 100 ms at the demo size (2,000
customers); the verdict compares `page`.

Without --workspace a demo-size workspace is generated, ingested, built, trained and
scored in a temporary folder (minutes); --workspace takes one that is (its current build
must carry precomputed answers, as every scored publish writes them; with --no-publish the
scored publish is skipped).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_api import TENANT, free_port, prepare_workspace, start_server
from benchmarks.bench_deal_endpoints import keep_reference, publish_copy, publish_scored
from revlake.api.server import demo_key
from revlake.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
FIRST_TARGET_MS = 300.0
WARM_TARGET_MS = 100.0
TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {server: n.responseEnd - n.requestStart, page: n.loadEventEnd - n.startTime,
          dom: n.domContentLoadedEventEnd - n.startTime};
}"""


def timed_load(tab: Any, url: str, *, reload: bool = False) -> tuple[float, float, float]:
    """(server ms, page ms, dom ms) of one navigation to `url`."""
    if reload:
        tab.reload(wait_until="load")
    else:
        tab.goto(url, wait_until="load")
    if tab.url.split("?")[0] != url.split("?")[0]:
        raise SystemExit(f"{url} answered with a redirect to {tab.url}")
    figures = tab.evaluate(TIMING)
    return float(figures["server"]), float(figures["page"]), float(figures["dom"])


def log_in(tab: Any, base: str, key: str) -> None:
    tab.goto(base + "/login")
    tab.fill("#api_key", key)
    tab.click("button[type=submit]")
    tab.wait_for_load_state("load")


def pages_of(tab: Any, base: str) -> list[str]:
    """The navigation's pages for this key, and the first deal's drill-down."""
    tab.goto(base + "/deals")
    links = tab.locator("header.top nav a").evaluate_all("els => els.map(e => e.pathname)")
    deal = tab.locator("table[data-testid=deals] tbody tr a").first.get_attribute("href")
    return [*links, *([deal] if deal else [])]


def measure(
    tab: Any, workspace: Workspace, base: str, path: str, runs: int, warm: int
) -> dict[str, float]:
    """First loads (each right after a new publish) and warm reloads of one page."""
    firsts: list[tuple[float, float, float]] = []
    for _ in range(runs):
        publish_copy(workspace, answers=True)
        firsts.append(timed_load(tab, base + path))
    warms = [timed_load(tab, base + path, reload=True) for _ in range(warm)]
    return {
        "first_server": statistics.median(f[0] for f in firsts),
        "first_page": statistics.median(f[1] for f in firsts),
        "warm_server": statistics.median(w[0] for w in warms),
        "warm_page": statistics.median(w[1] for w in warms),
        "warm_dom": statistics.median(w[2] for w in warms),
    }


def report(rows: dict[str, dict[str, float]], baseline: dict[str, float]) -> None:
    print(
        f"\n{'page':<34} {'first server':>12} {'first page':>11} {'warm server':>12} "
        f"{'warm dom':>9} {'warm page':>10} {'× login (warm page)':>20}  verdict"
    )
    for path, f in rows.items():
        ok = f["first_page"] <= FIRST_TARGET_MS and f["warm_page"] <= WARM_TARGET_MS
        ratio = f["warm_page"] / baseline["warm_page"] if baseline["warm_page"] else 0.0
        print(
            f"{path[:34]:<34} {f['first_server']:>10.1f}ms {f['first_page']:>9.1f}ms "
            f"{f['warm_server']:>10.1f}ms {f['warm_dom']:>7.1f}ms {f['warm_page']:>8.1f}ms "
            f"{ratio:>19.2f}×  "
            f"{'ok' if ok else 'OVER'}"
        )
    over = [p for p, f in rows.items() if f["first_page"] > FIRST_TARGET_MS]
    slow = [p for p, f in rows.items() if f["warm_page"] > WARM_TARGET_MS]
    print(
        f"\nlogin baseline: first {baseline['first_page']:.1f} ms, warm "
        f"{baseline['warm_page']:.1f} ms (page); targets first ≤ {FIRST_TARGET_MS:.0f} ms, "
        f"warm ≤ {WARM_TARGET_MS:.0f} ms: {len(rows) - len(over)}/{len(rows)} pages meet the "
        f"first-load target, {len(rows) - len(slow)}/{len(rows)} the warm one"
        + (f"\n  first over: {', '.join(over)}" if over else "")
        + (f"\n  warm over: {', '.join(slow)}" if slow else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--workspace", type=Path, default=None, help="trained, scored workspace")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--no-publish", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="revlake-bench-pages-") as tmp:
        if args.workspace is not None:
            workspace = Workspace.open(args.workspace)
        else:
            print(f"building a {args.customers}-customer workspace ...", flush=True)
            workspace = prepare_workspace(Path(tmp), args.customers, models=True)
        if not args.no_publish:
            publish_scored(workspace)
        keep_reference(workspace, Path(tmp))
        key = demo_key(workspace, TENANT, role="admin")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(workspace, port)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            tab = browser.new_page(viewport={"width": 1440, "height": 900})
            try:
                baseline = measure_login(tab, base, args.runs, args.warm)
                log_in(tab, base, key)
                rows = {
                    path: measure(tab, workspace, base, path, args.runs, args.warm)
                    for path in pages_of(tab, base)
                }
                report(rows, baseline)
            finally:
                browser.close()
                server.terminate()
                server.wait(timeout=30)


def measure_login(tab: Any, base: str, runs: int, warm: int) -> dict[str, float]:
    firsts = [timed_load(tab, base + "/login") for _ in range(runs)]
    warms = [timed_load(tab, base + "/login", reload=True) for _ in range(warm)]
    return {
        "first_page": statistics.median(f[1] for f in firsts),
        "warm_page": statistics.median(w[1] for w in warms),
    }


if __name__ == "__main__":
    main()
