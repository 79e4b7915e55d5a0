"""Speed of the researchers' site: p50 / p95 time of each page of the click paths, on a built database.

    .venv/bin/python benchmarks/site_speed.py [--db data/ogi.db] [-n 30]

Starts a real `ogi serve` on a free port, requests every page once to warm up, then n times in turn, and
prints a table (milliseconds). The dashboard is timed as a whole load: its HTML plus every chart query
it fetches (one after the other: an upper bound of what a browser, fetching them in parallel, waits).
Never a test: figures depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ogi.serve import free_port, wait_ready  # noqa: E402
from ogi.site.dashboards import DASHBOARDS  # noqa: E402



def q(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def pages(db: Path) -> list[tuple[str, str, list[str]]]:
    """(click path, name, URLs fetched for one load of the page)."""
    conn = sqlite3.connect(db)
    one = lambda sql: conn.execute(sql).fetchone()  # noqa: E731
    failing = one("select id from reports where checks_failed > 0 order by year desc limit 1") or \
        one("select id from reports order by year desc limit 1")
    cols = {r[1] for r in conn.execute("pragma table_info(reports)")}
    key = "agency_id" if "agency_id" in cols and one("select count(agency_id) from reports")[0] else "agency"
    agency = one(f"select {key}, count(*) n from reports group by {key} order by n desc, {key} limit 1")[0]
    pair = conn.execute(f"select id from reports where {key} = ? order by year desc limit 2", (agency,)).fetchall()
    pdf = one("select sha256 from documents where format = 'pdf' limit 1") or one("select sha256 from documents limit 1")
    conn.close()
    charts = [c for c in DASHBOARDS["overview"]["charts"].values() if "query" in c]
    from datasette_dashboards import replace_opts_in_query
    chart_urls = ["/ogi.json?_shape=objects&sql=" + q(replace_opts_in_query(c["query"], {})) for c in charts]
    return [
        ("home", "home", ["/"]),
        ("home → search (1 char)", "search 诉", ["/search?q=" + q("诉")]),
        ("home → search (2 chars)", "search 复议", ["/search?q=" + q("复议")]),
        ("home → search (4 chars)", "search 行政复议", ["/search?q=" + q("行政复议")]),
        ("home → search → report", "report page", ["/report/" + q(failing[0])]),
        ("home → reports", "reports table", ["/ogi/reports"]),
        ("report → archived original", "archived original", ["/archive/" + pdf[0]]),
        ("report → agency across years", "agency page", [f"/agency?{key}=" + q(agency)]),
        ("report → side by side", "compare page", [f"/compare?a={q(pair[-1][0])}&b={q(pair[0][0])}"]),
        ("home → dashboard", "dashboard (HTML + charts)", ["/-/dashboards/overview"] + chart_urls),
        ("home → panel.csv", "download panel.csv", ["/downloads/panel.csv"]),
        ("home → panel.parquet", "download panel.parquet", ["/downloads/panel.parquet"]),
        ("sections search box", "sections ?_search=费", ["/ogi/sections?_search=" + q("费")]),
        ("t3_wide table", "t3_wide", ["/ogi/t3_wide"]),
    ]


def fetch(url: str) -> None:
    with urllib.request.urlopen(url, timeout=60) as r:
        r.read()
        if r.status != 200:
            raise RuntimeError(f"{url}: {r.status}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=str(REPO / "data" / "ogi.db"))
    ap.add_argument("-n", type=int, default=30, help="timed loads per page")
    args = ap.parse_args()
    db = Path(args.db)
    if not db.exists():
        sys.exit(f"{db} does not exist: run `make demo` or `ogi demo --no-serve` first")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(db), "--port", str(port)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_ready(port, timeout=60):
            sys.exit("ogi serve did not come up")
        base = f"http://127.0.0.1:{port}"
        rows = []
        plan = pages(db)
        for _, _, urls in plan:  # warm up
            for u in urls:
                fetch(base + u)
        for path, name, urls in plan:
            times = []
            for _ in range(args.n):
                t0 = time.perf_counter()
                for u in urls:
                    fetch(base + u)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            rows.append((path, name, statistics.median(times), p95, len(urls)))
        print(f"site speed on {db} ({args.n} loads per page, sequential, one client)")
        print(f"{'click path':32} {'page':28} {'p50 ms':>8} {'p95 ms':>8} {'requests':>8}")
        for path, name, p50, p95, n in rows:
            print(f"{path:32} {name:28} {p50:8.1f} {p95:8.1f} {n:8d}")
        print(json.dumps({name: round(p95, 1) for _, name, _, p95, _ in rows}, ensure_ascii=False))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
