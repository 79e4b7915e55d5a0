#!/usr/bin/env python
"""p50 / p95 of every page a researcher uses, with 1 and with 4 concurrent clients, on a built database.

    .venv/bin/python benchmarks/scale_corpus.py --reports 100000 --out /tmp/ogi-100k.db
    .venv/bin/python benchmarks/serve_load.py --db /tmp/ogi-100k.db [-n 20] [--clients 1,4]

Starts a real `ogi serve` (Datasette, the project's metadata, settings and inspect file) on a free port,
requests every page once to warm up, then, for each client count c, runs c threads that each request
every page n times (pages in turn, each thread starting at a different page) and prints p50 / p95 per
page in milliseconds, and the HTTP status when it was not 200. The pages come from the database itself
(a report with failed checks, its agency, a province, a year). Never a test: figures depend on the machine.
"""
from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ogi.serve import free_port, wait_ready  # noqa: E402



def q(s: str) -> str:
    return urllib.parse.quote(str(s), safe="")


def pages(db: Path) -> list[tuple[str, str]]:
    """(name, path) of every page measured; what exists depends on the database's schema and plugins."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    one = lambda sql, *a: conn.execute(sql, a).fetchone()  # noqa: E731
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    rid = (one("select id from reports where checks_failed > 0 order by year desc limit 1")
           or one("select id from reports order by year desc limit 1"))[0]
    year, province = one("select year, province from reports where id = ?", rid)
    province = province or one("select province from reports where province is not null limit 1")
    province = province[0] if isinstance(province, tuple) else province
    agency_id = one("select agency_id from reports where id = ?", rid)[0] if "agencies" in tables else None
    s = "ogi"  # the database name in URLs (the file is served as ogi.db or under its stem)
    out = [
        ("home", "/"),
        ("database page", f"/{s}"),
        ("reports", f"/{s}/reports"),
        ("reports ?year=&province=", f"/{s}/reports?year={year}&province={q(province or '')}"),
        ("reports.json", f"/{s}/reports.json"),
        ("reports.csv ?year=", f"/{s}/reports.csv?year={year}&_size=max"),
        ("report row", f"/{s}/reports/{q(rid)}"),
        ("report_overview one report", f"/{s}/report_overview?id={q(rid)}"),
        ("cells of a report", f"/{s}/cells?report_id={q(rid)}"),
        ("cells.json of a report", f"/{s}/cells.json?report_id={q(rid)}&_shape=array&_size=max"),
        ("cells unfiltered", f"/{s}/cells"),
        ("t3_wide one report", f"/{s}/t3_wide?report_id={q(rid)}"),
        ("table3 query", f"/{s}/table3?report_id={q(rid)}"),
        ("checks failed", f"/{s}/checks?status=fail"),
        ("sections of a report", f"/{s}/sections?report_id={q(rid)}"),
        ("sections _search 予以公开", f"/{s}/sections?_search={q('予以公开')}"),
        ("search 1 char 诉", f"/{s}/search?q={q('诉')}"),
        ("search 2 chars 复议", f"/{s}/search?q={q('复议')}"),
        ("search 4 chars 行政复议", f"/{s}/search?q={q('行政复议')}"),
        ("failed_checks query", f"/{s}/failed_checks"),
        ("requests_by_year query", f"/{s}/requests_by_year"),
    ]
    if "passages" in tables:  # the researchers' site (ogi/site): its pages and the dashboard
        pair = conn2(db).execute("select id from reports where agency_id = (select agency_id from reports where id = ?) "
                                 "order by year desc limit 2", (rid,)).fetchall()
        out += [
            ("site search 1 char 诉", "/search?q=" + q("诉")),
            ("site search 2 chars 复议", "/search?q=" + q("复议")),
            ("site search 4 chars 行政复议", "/search?q=" + q("行政复议")),
            ("site report page", "/report/" + q(rid)),
            ("site agency page", "/agency?agency_id=" + q(agency_id)),
            ("site compare", f"/compare?a={q(pair[-1][0])}&b={q(pair[0][0])}"),
            ("sections ?_search=费", f"/{s}/sections?_search=" + q("费")),
            ("t3_wide table", f"/{s}/t3_wide"),
            ("panel unfiltered", f"/{s}/panel"),
        ]
        try:
            from datasette_dashboards import replace_opts_in_query

            from ogi.site.dashboards import DASHBOARDS

            charts = [c for c in DASHBOARDS["overview"]["charts"].values() if "query" in c]
            out.append(("dashboard (HTML + every chart)", ["/-/dashboards/overview"] + [
                f"/{s}.json?_shape=objects&sql=" + q(replace_opts_in_query(c["query"], {})) for c in charts]))
        except ImportError:
            pass
    if agency_id:
        out += [
            ("panel of an agency", f"/{s}/panel?agency_id={q(agency_id)}"),
            ("indicators_wide ?year=", f"/{s}/indicators_wide?year={year}"),
            ("agency_series query", f"/{s}/agency_series?agency_id={q(agency_id)}"),
            ("panel_cell_series query", f"/{s}/panel_cell_series?agency_id={q(agency_id)}&tbl=t3"
                                        f"&row_code=new_received&col_code=total"),
        ]
    conn.close()
    return out


def conn2(db: Path):
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def fetch(base: str, path) -> tuple[float, int]:
    """Time one page load: a path, or a list of paths fetched one after the other (a dashboard)."""
    t = time.perf_counter()
    status = 200
    for p in ([path] if isinstance(path, str) else path):
        try:
            with urllib.request.urlopen(base + p, timeout=120) as r:
                r.read()
        except urllib.error.HTTPError as e:
            e.read()
            status = e.code
    return (time.perf_counter() - t) * 1000, status


def run(base: str, plist: list[tuple[str, str]], clients: int, n: int) -> dict:
    times: dict = {name: [] for name, _ in plist}
    bad: dict = {}
    lock = threading.Lock()

    def worker(k: int):
        order = plist[k % len(plist):] + plist[:k % len(plist)]
        for _ in range(n):
            for name, path in order:
                ms, status = fetch(base, path)
                with lock:
                    times[name].append(ms)
                    if status != 200:
                        bad[name] = status

    threads = [threading.Thread(target=worker, args=(k * len(plist) // clients,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {name: (statistics.median(v), _p95(v), bad.get(name)) for name, v in times.items()}


def _p95(v: list[float]) -> float:
    v = sorted(v)
    return v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("-n", type=int, default=10, help="requests of each page per client (default 10)")
    ap.add_argument("--clients", default="1,4", help="client counts, comma-separated (default 1,4)")
    args = ap.parse_args(argv)
    db = args.db.resolve()
    plist = pages(db)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_ready(port, timeout=120):
            print(proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "server did not start")
            return 1
        base = f"http://127.0.0.1:{port}"
        stem = db.stem
        plist = [(name, [p.replace("/ogi", f"/{stem}", 1) if p.startswith("/ogi") else p
                         for p in ([path] if isinstance(path, str) else path)]) for name, path in plist]
        for _, path in plist:  # warm-up
            fetch(base, path)
        results = {c: run(base, plist, c, args.n) for c in map(int, args.clients.split(","))}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    rows = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("select count(*) from reports").fetchone()[0]
    print(f"{db.name}: {rows:,} reports, {db.stat().st_size / 2**30:.2f} GiB; n={args.n} per page and client; ms")
    head = "| page | " + " | ".join(f"{c} client{'s' if c > 1 else ''} p50 | p95" for c in results) + " |"
    print(head)
    print("|" + "---|" * (1 + 2 * len(results)))
    for name, _ in plist:
        cells = []
        for c, res in results.items():
            p50, p95, bad = res[name]
            cells += [f"{p50:,.0f}", f"{p95:,.0f}" + (f" (HTTP {bad})" if bad else "")]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
