#!/usr/bin/env python
"""p50 / p95 of every page a researcher uses, with 1 and with 4 concurrent clients, on a built database.

    .venv/bin/python benchmarks/scale_corpus.py --reports 100000 --out /tmp/ogi-100k.db
    .venv/bin/python benchmarks/serve_load.py --db /tmp/ogi-100k.db [-n 20] [--clients 1,4]

Starts a real `ogi serve` (Datasette, the project's metadata, settings and inspect file) on a free port,
requests every page once to warm up, then, for each client count c, runs c threads that each request
every page n times (pages in turn, each thread starting at a different page) and prints p50 / p95 per
page in milliseconds, and the HTTP status when it was not 200. Each request of a page takes the next of its
variants (40 report ids, agencies, year/province pairs spread over the database; 12 search words of each
length; the dashboard unfiltered and by year), so repeated requests are distinct URLs, not answers
remembered from the previous request. Every canned query of metadata.json is measured. Never a test:
figures depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import re
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


# words of every length the search pages are asked for (one per request, in turn: no two requests in a
# row ask the same thing)
WORDS = {
    1: ["诉", "费", "申", "复", "政", "信", "息", "开", "理", "法", "收", "决"],
    2: ["复议", "公开", "申请", "信息", "诉讼", "收费", "行政", "政府", "办理", "答复", "工作", "年度"],
    4: ["行政复议", "予以公开", "政府信息", "行政诉讼", "信息公开", "申请公开", "主动公开", "不予公开",
        "办理结果", "工作报告", "年度报告", "公开工作"],
}
VARIANTS = 40  # distinct report ids / agencies / years-provinces cycled through


def pages(db: Path) -> list[tuple[str, list]]:
    """(name, variants) of every page measured: each variant is a path or a list of paths fetched one after
    the other (a dashboard). Requests take the variants in turn, so the same URL comes back only after
    VARIANTS (or len(WORDS[n])) other requests of that page; a page that is one URL by nature (home,
    unfiltered tables) has one variant. The server has no response cache: only SQLite's and the OS's page
    caches are warm, as on any server."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    one = lambda sql, *a: conn.execute(sql, a).fetchone()  # noqa: E731
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    n = one("select count(*) from reports")[0]
    step = max(1, n // VARIANTS)
    reports = conn.execute(f"select id, year, province, agency_id, agency from reports where rowid % {step} = 0 "
                           f"order by rowid limit {VARIANTS}").fetchall()
    rids = [r[0] for r in reports]
    yp = [(r[1], r[2] or "") for r in reports]
    agency_ids = [r[3] for r in reports if r[3]]
    agencies = [r[4] for r in reports]
    s = "ogi"  # the database name in URLs (the file is served as ogi.db or under its stem)
    out = [
        ("home", ["/"]),
        ("database page", [f"/{s}"]),
        ("reports", [f"/{s}/reports"]),
        ("reports ?year=&province=", [f"/{s}/reports?year={y}&province={q(p)}" for y, p in yp]),
        ("reports ?_facet=province&year=", [f"/{s}/reports?_facet=province&year={y}" for y, _ in yp]),
        ("reports.json ?year=&province=", [f"/{s}/reports.json?year={y}&province={q(p)}" for y, p in yp]),
        ("reports.csv ?year=&province=", [f"/{s}/reports.csv?year={y}&province={q(p)}&_size=max" for y, p in yp]),
        ("report row", [f"/{s}/reports/{q(r)}" for r in rids]),
        ("report_overview one report", [f"/{s}/report_overview?id={q(r)}" for r in rids]),
        ("cells of a report", [f"/{s}/cells?report_id={q(r)}" for r in rids]),
        ("cells.json of a report", [f"/{s}/cells.json?report_id={q(r)}&_shape=array&_size=max" for r in rids]),
        ("cells.csv of a report", [f"/{s}/cells.csv?report_id={q(r)}&_size=max" for r in rids]),
        ("cells unfiltered", [f"/{s}/cells"]),
        ("cells ?tbl=t3&row_code=granted", [f"/{s}/cells?tbl=t3&row_code=granted"]),
        ("t3_wide one report", [f"/{s}/t3_wide?report_id={q(r)}" for r in rids]),
        ("t3_wide unfiltered", [f"/{s}/t3_wide"]),
        ("checks unfiltered", [f"/{s}/checks"]),
        ("checks ?status=fail", [f"/{s}/checks?status=fail"]),
        ("checks of a report", [f"/{s}/checks?report_id={q(r)}" for r in rids]),
        ("sections of a report", [f"/{s}/sections?report_id={q(r)}" for r in rids]),
        ("documents unfiltered", [f"/{s}/documents"]),
    ]
    for k, words in WORDS.items():
        out.append((f"sections ?_search= {k} char", [f"/{s}/sections?_search={q(w)}" for w in words]))
    if "passages" in tables:
        for k, words in WORDS.items():
            out.append((f"passages ?_search= {k} char", [f"/{s}/passages?_search={q(w)}" for w in words]))
            out.append((f"site /search {k} char", [f"/search?q={q(w)}" for w in words]))
        out.append(("site /search 2 char +year+province", [f"/search?q={q(w)}&year={y}&province={q(p)}"
                                                           for w, (y, p) in zip(WORDS[2] * 4, yp)]))
        out += [
            ("site report page", ["/report/" + q(r) for r in rids]),
            ("site agency page", ["/agency?agency_id=" + q(a) for a in agency_ids]),
            ("site compare", [f"/compare?a={q(a)}&b={q(b)}" for a, b in zip(rids, rids[1:])]),
        ]
    if "agencies" in tables:
        out += [
            ("panel unfiltered", [f"/{s}/panel"]),
            ("panel of an agency", [f"/{s}/panel?agency_id={q(a)}" for a in agency_ids]),
            ("indicators_wide unfiltered", [f"/{s}/indicators_wide"]),
            ("indicators_wide ?year=", [f"/{s}/indicators_wide?year={y}" for y, _ in yp]),
            ("agencies ?province=", [f"/{s}/agencies?province={q(p)}" for _, p in yp]),
        ]
    # every canned query of metadata.json, its parameters from the pools above
    meta = json.loads((REPO / "metadata.json").read_text("utf-8"))
    pools = {"report_id": rids, "agency_id": agency_ids, "agency": agencies, "tbl": ["t3"], "row_code": ["new_received"],
             "col_code": ["total"], "measure": ["requests_new"]}
    for name, query in meta["databases"]["ogi"]["queries"].items():
        params = sorted(set(re.findall(r":(\w+)", query["sql"])))
        if name == "search":
            for k, words in WORDS.items():
                out.append((f"query search {k} char", [f"/{s}/search?" + urllib.parse.urlencode(
                    {"q": w, "kind": "", "year": "", "level": "", "province": ""}) for w in words]))
            continue
        variants = []
        for i in range(VARIANTS if params else 1):
            args = {p: (pools[p][i % len(pools[p])] if pools.get(p) else "") for p in params}
            variants.append(f"/{s}/{name}" + ("?" + urllib.parse.urlencode(args) if args else ""))
        out.append((f"query {name}", variants))
    try:  # the dashboard as a browser loads it: its HTML, then every chart's query at once; unfiltered and by year
        from datasette_dashboards import replace_opts_in_query

        from ogi.site.dashboards import DASHBOARDS

        charts = [c for c in DASHBOARDS["overview"]["charts"].values() if "query" in c]
        years = sorted({y for y, _ in yp if y})
        variants = []
        for opts in [{}] + [{"year": str(y)} for y in years]:
            qs = "?" + urllib.parse.urlencode(opts) if opts else ""
            variants.append([f"/-/dashboards/overview{qs}"] + [
                f"/{s}.json?_shape=objects&" + urllib.parse.urlencode({"sql": replace_opts_in_query(c["query"], opts), **opts})
                for c in charts])
        out.append(("dashboard (HTML + every chart)", variants))
    except ImportError:
        pass
    conn.close()
    return out


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code


def fetch(base: str, path) -> tuple[float, int]:
    """Time one page load: a path, or a list of paths (a dashboard): the first (its HTML), then the others
    at once, 6 at a time, as a browser fetches a page's chart queries."""
    t = time.perf_counter()
    paths = [path] if isinstance(path, str) else path
    statuses = [_get(base + paths[0])]
    if len(paths) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses += list(pool.map(lambda p: _get(base + p), paths[1:]))
    bad = [s for s in statuses if s != 200]
    return (time.perf_counter() - t) * 1000, (bad[0] if bad else 200)


def run(base: str, plist: list, clients: int, n: int) -> dict:
    times: dict = {name: [] for name, _ in plist}
    bad: dict = {}
    lock = threading.Lock()
    turn = {name: 0 for name, _ in plist}  # next variant of each page, shared by the clients

    def worker(k: int):
        order = plist[k % len(plist):] + plist[:k % len(plist)]
        for _ in range(n):
            for name, variants in order:
                with lock:
                    path = variants[turn[name] % len(variants)]
                    turn[name] += 1
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
    ap.add_argument("--only", default="", help="measure only pages whose name contains this text")
    args = ap.parse_args(argv)
    db = args.db.resolve()
    plist = [(name, v) for name, v in pages(db) if args.only in name]
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not wait_ready(port, timeout=120):
            print(proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "server did not start")
            return 1
        base = f"http://127.0.0.1:{port}"
        stem = db.stem
        def rename(p: str) -> str:
            p = p.replace("/ogi", f"/{stem}", 1) if p.startswith("/ogi") else p
            return p.replace("/ogi.json?", f"/{stem}.json?", 1)

        plist = [(name, [rename(v) if isinstance(v, str) else [rename(p) for p in v] for v in variants])
                 for name, variants in plist]
        for _, variants in plist:  # warm-up: the first variant of each page (the others stay cold)
            fetch(base, variants[0])
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
