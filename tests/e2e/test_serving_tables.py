"""Issue 9 serving shortcuts give the same answers as the slow way, on the demo database.

- the dashboard and `requests_by_year` read build-time sums (dashboard_cube): every chart equals the same
  figure summed from the cells (the queries the charts ran before, kept here as the reference);
- the search page's "filter first" path equals the index's answer; the search count is capped and the
  pages still reach every hit;
- `agency_indicator_series` with its filter inside the view's branches equals the `indicator_series` view;
- table pages: an unfiltered view's count is not taken, other counts still show.
No timings here: benchmarks/serve_load.py prints them.
"""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ogi.serve import free_port, wait_ready
from ogi.site import search
from ogi.site.dashboards import DASHBOARDS

REPO = Path(__file__).resolve().parents[2]
FILTERS = "[[ and r.year = :year ]] [[ and r.level = :level ]] [[ and r.province = :province ]] [[ and r.template = :template ]]"
LEVEL_ZH = ("case r.level when 'national' then '中央' when 'province' then '省级' when 'city' then '地市级' "
            "when 'county' then '县级' when 'township' then '乡镇' when 'department' then '部门' else coalesce(r.level, '?') end")
OUTCOME_GROUPS = """case
      when c.row_code = 'granted' then '1 予以公开'
      when c.row_code = 'partially_granted' then '2 部分公开'
      when c.row_code like 'denied%' then '3 不予公开'
      when c.row_code like 'unavailable%' then '4 无法提供'
      when c.row_code like 'not_processed%' then '5 不予处理'
      when c.row_code like 'other%' then '6 其他处理' end"""
# the charts as they were before issue 9: summed from every cell on each request
FROM_CELLS = {
    "reports": f"select count(*) as n from reports r where 1=1 {FILTERS}",
    "failing_reports": f"select count(*) as n from reports r where r.checks_failed > 0 {FILTERS}",
    "requests_by_level": ("select r.year, " + LEVEL_ZH + " as level, sum(c.value) as requests, count(*) as reports "
                          "from cells c join reports r on r.id = c.report_id where c.tbl = 't3' and c.col_code = 'total' "
                          f"and c.row_code = 'new_received' and c.value is not null {FILTERS} group by r.year, r.level order by r.year"),
    "outcome_mix": (f"select r.year, {OUTCOME_GROUPS} as outcome, sum(c.value) as n from cells c join reports r on r.id = c.report_id "
                    f"where c.tbl = 't3' and c.col_code = 'total' and c.value is not null {FILTERS} "
                    "group by r.year, outcome having outcome is not null order by r.year, outcome"),
    "share_granted": ("select r.year, round(1.0 * sum(g.value) / sum(t.value), 4) as share, count(*) as reports from reports r "
                      "join cells g on g.report_id = r.id and g.tbl = 't3' and g.row_code = 'granted' and g.col_code = 'total' "
                      "join cells t on t.report_id = r.id and t.tbl = 't3' and t.row_code = 'total_processed' and t.col_code = 'total' "
                      f"where g.value is not null and t.value > 0 {FILTERS} group by r.year order by r.year"),
    "reviews_lawsuits": ("select r.year, case c.row_code when 'review' then '行政复议' when 'suit_direct' then '直接起诉'"
                         " else '复议后起诉' end as kind, sum(c.value) as n from cells c join reports r on r.id = c.report_id "
                         f"where c.tbl = 't4' and c.col_code = 'total' and c.value is not null {FILTERS} "
                         "group by r.year, c.row_code order by r.year"),
    "coverage": ("select coalesce(nullif(r.province, ''), '（未定位）') as province, r.year, count(*) as reports "
                 f"from reports r where r.year is not null {FILTERS} group by province, r.year order by province, r.year"),
    "failing_checks": ("select k.rule || ' ' || coalesce(u.name_zh, '') as rule, r.year, count(*) as n "
                       "from checks k join reports r on r.id = k.report_id left join rules u on u.id = k.rule "
                       f"where k.status in ('fail', 'warn') {FILTERS} group by k.rule, r.year order by r.year"),
}


def connect(db) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.create_function("ogi_grams", 1, search.grams_match)
    conn.create_function("ogi_phrase", 2, search.phrase_match)
    return conn


def rows(conn, sql, params=None) -> list:
    return [tuple(r) for r in conn.execute(sql, params or {})]


def test_every_dashboard_chart_equals_the_sum_over_the_cells(built_demo):
    from datasette_dashboards import replace_opts_in_query

    conn = connect(built_demo["db"])
    year, level, province, template = conn.execute(
        "select year, level, province, template from reports where checks_failed > 0 and template = '2021' "
        "order by year desc limit 1").fetchone()
    charts = DASHBOARDS["overview"]["charts"]
    assert set(FROM_CELLS) == {s for s, c in charts.items() if "query" in c}
    compared = 0
    for opts in ({}, {"year": str(year)}, {"level": level, "template": template}, {"province": province, "year": str(year)}):
        for slug, reference in FROM_CELLS.items():
            want = rows(conn, replace_opts_in_query(reference, opts), opts)
            got = rows(conn, replace_opts_in_query(charts[slug]["query"], opts), opts)
            key = (lambda r: tuple(str(v) for v in r))
            assert sorted(got, key=key) == sorted(want, key=key), (slug, opts)
            compared += len(want)
    assert compared > 50  # the demo has data in these charts, not only empty answers
    meta = json.loads((REPO / "metadata.json").read_text("utf-8"))
    by_year = meta["databases"]["ogi"]["queries"]["requests_by_year"]["sql"]
    want = rows(conn, "select r.year, count(*), sum(c.value) from cells c join reports r on r.id = c.report_id "
                      "where c.tbl = 't3' and c.row_code = 'new_received' and c.col_code = 'total' and c.value is not null "
                      "group by r.year order by r.year")
    assert rows(conn, by_year) == want and want


def test_report_totals_of_some_reports_are_refreshed_alone(built_demo, tmp_path):
    """An incremental build rewrites report_totals per report, then the cubes: same rows as a full fill."""
    import shutil

    import sqlite_utils

    from normalize import site_tables

    copy = tmp_path / "copy.db"
    shutil.copy(built_demo["db"], copy)
    db = sqlite_utils.Database(copy)
    before = {t: sorted(map(repr, db.execute(f"select * from {t}").fetchall()))
              for t in ("report_totals", "dashboard_cube", "dashboard_rule_cube")}
    some = [r[0] for r in db.execute("select id from reports order by id limit 7")]
    db.execute(f"update report_totals set new_received = -1 where report_id in ({','.join('?' * len(some))})", some)
    db.execute("delete from dashboard_cube")
    for fill in site_tables.PER_REPORT_TABLES.values():
        fill(db, some)
    site_tables.refresh_aggregates(db)
    after = {t: sorted(map(repr, db.execute(f"select * from {t}").fetchall())) for t in before}
    assert after == before and len(before["report_totals"]) == db["reports"].count


@pytest.mark.parametrize("query", ["诉", "复议", "行政复议", "信息 公开"])
def test_search_filter_first_finds_what_the_index_finds(built_demo, query):
    conn = connect(built_demo["db"])
    conn.row_factory = sqlite3.Row
    choices = conn.execute("select distinct year, level, province from reports where year is not null").fetchall()
    checked = 0
    for year, level, province in choices[:12]:
        for args in ({"year": str(year)}, {"level": level, "province": province or ""}, {"year": str(year), "kind": "prose"}):
            args = {"q": query, "kind": "", "year": "", "level": "", "province": "", **args}
            page = dict(args, limit=100_000, offset=0, upto=100_000)
            by_index = [(r["id"], r["report_id"]) for r in conn.execute(search.search_sql(), page)]
            first = [(r["id"], r["report_id"]) for r in conn.execute(search.filter_first_sql(args), args)]
            assert first == by_index, args  # same hits, same order (prose first, newest passage first)
            ids = [i for i, _ in first[:7]]
            rows = conn.execute(search.rows_by_id_sql(len(ids)), {f"id{i}": v for i, v in enumerate(ids)}).fetchall()
            assert sorted(r["id"] for r in rows) == sorted(ids)
            count = dict(conn.execute(search.search_sql(count=True), args).fetchone())
            assert count["n"] == min(len(first), search.COUNT_CAP + 1)
            checked += len(by_index)
    assert checked > 0


def test_agency_indicator_series_query_equals_the_indicator_series_view(built_demo):
    conn = connect(built_demo["db"])
    meta = json.loads((REPO / "metadata.json").read_text("utf-8"))
    sql = meta["databases"]["ogi"]["queries"]["agency_indicator_series"]["sql"]
    agencies = [a for (a,) in conn.execute("select distinct agency from reports order by agency")]
    measures = [m for (m,) in conn.execute("select distinct measure from indicator_mapping")]
    seen = 0
    for agency in agencies:
        for measure in ["", *measures]:
            want = rows(conn, "select year, template, measure, value, unit, source, raw from indicator_series where "
                              "agency = :agency and measure = coalesce(nullif(:measure, ''), 'requests_new') order by year",
                        {"agency": agency, "measure": measure})
            got = rows(conn, sql, {"agency": agency, "measure": measure})
            assert sorted(got, key=repr) == sorted(want, key=repr), (agency, measure)
            seen += len(want)
    assert seen > 100


@pytest.fixture(scope="module")
def capped_site(built_demo):
    """`ogi serve` with the search count capped at 5 hits."""
    import os

    port = free_port()
    env = dict(os.environ, OGI_SEARCH_COUNT_CAP="5")
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "serve", "--db", str(built_demo["db"]), "--port", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_ready(port, timeout=60), "ogi serve did not come up"
        yield {"url": f"http://127.0.0.1:{port}", **built_demo}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode("utf-8")


def test_capped_search_count_still_pages_through_every_hit(capped_site):
    conn = connect(capped_site["db"])
    query = "复议"
    args = {"q": query, "kind": "", "year": "", "level": "", "province": ""}
    expected = {r[1] for r in conn.execute(search.search_sql(), dict(args, limit=100_000, offset=0, upto=100_000))}
    assert len(expected) > 5
    found, page, first = set(), 1, None
    while True:
        html = get(f"{capped_site['url']}/search?q={urllib.parse.quote(query)}&page={page}")
        first = first or html
        found |= {urllib.parse.unquote(m) for m in re.findall(r'class="ogi-hit-report" href="/report/([^"]+)"', html)}
        if 'class="ogi-next"' not in html:
            break
        page += 1
    assert "超过 5 处命中" in first and "more than 5 passages" in first
    assert found == expected


def test_view_counts_are_not_taken_unfiltered_and_table_counts_still_show(capped_site):
    conn = connect(capped_site["db"])
    panel = get(f"{capped_site['url']}/ogi/panel")
    assert panel.count("<tr") > 10  # rows are shown
    assert not re.search(r"<h3>[\d,]+ rows", panel)  # but no count of the whole view
    n = conn.execute("select count(*) from reports where year = (select max(year) from reports)").fetchone()[0]
    year = conn.execute("select max(year) from reports").fetchone()[0]
    page = get(f"{capped_site['url']}/ogi/reports?year={year}")
    assert re.search(rf"<h3>{n:,} rows?", page), "a cheap filtered count is still shown"
    agency_id = conn.execute("select agency_id from reports where agency_id is not null limit 1").fetchone()[0]
    want = conn.execute("select count(*) from panel where agency_id = ?", (agency_id,)).fetchone()[0]
    page = get(f"{capped_site['url']}/ogi/panel?agency_id={urllib.parse.quote(agency_id)}")
    assert re.search(rf"<h3>{want:,} rows?", page), "a filtered view is counted when it is cheap"


@pytest.mark.parametrize("table", ["sections", "passages"])
def test_search_box_pages_read_only_their_hits_and_still_list_every_hit(capped_site, table):
    """`?_search=` pages with the FTS subquery bounded to the page (ogi/site/fts_pages.py): paging 3 rows at
    a time gives exactly the hits, in id order, that the unbounded query gives."""
    from ogi.site.fts_pages import bounded

    conn = connect(capped_site["db"])
    query = "复议"
    unbounded = (f"select id from {table} where id in (select rowid from passages_grams where passages_grams "
                 f"match ogi_grams(:search)) order by id")
    want = [r[0] for r in conn.execute(unbounded, {"search": query})]
    assert len(want) > 6
    got, nxt = [], None
    while True:
        url = f"{capped_site['url']}/ogi/{table}.json?_search={urllib.parse.quote(query)}&_size=3&_col=id" + \
            (f"&_next={nxt}" if nxt else "")
        page = json.loads(get(url))
        got += [r[0] for r in page["rows"]]
        nxt = page.get("next")
        if not nxt:
            break
    assert got == want
    # the rewrite applies to the page's own shape only
    shaped = (f"select id from {table} where id in (select rowid from passages_grams where passages_grams match "
              f"escape_fts(:search)) order by id limit 51")
    assert bounded(shaped) and "order by rowid limit 51" in bounded(shaped)
    assert bounded(shaped.replace("order by id", "order by id desc")) is None
    assert bounded(shaped.replace(f"from {table}", "from cells")) is None
    assert bounded(shaped.replace(") order", ") and code = :p0 order")) is None
