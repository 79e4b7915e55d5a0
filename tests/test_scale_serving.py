"""The synthetic scale corpus is written through the build's write path, and the pages' queries use indexes.

No timings here (benchmarks/serve_load.py prints them): the plans are checked instead, on a small corpus
made by benchmarks/scale_corpus.py (the same code that makes the 100,000-report one).
"""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import scale_corpus  # noqa: E402

from normalize.schema import MIGRATIONS  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale") / "scale.db"
    assert scale_corpus.main(["--reports", "60", "--out", str(out), "--pool", "44", "--batch", "25"]) == 0
    # the SQLite library Datasette serves with (pysqlite3 when installed: its planner is newer than the
    # standard library's and chose another plan for failed_checks)
    from datasette.utils.sqlite import sqlite3 as served_sqlite3

    conn = served_sqlite3.connect(out)
    from ogi.site.search import grams_match, phrase_match
    conn.create_function("ogi_grams", 1, grams_match)
    conn.create_function("ogi_phrase", 2, phrase_match)
    yield conn
    conn.close()


def plan(conn, sql: str, *args) -> list[str]:
    params = args[0] if args and isinstance(args[0], dict) else args
    return [r[3] for r in conn.execute("explain query plan " + sql, params)]


def test_corpus_has_the_real_schema_and_rows(corpus):
    assert corpus.execute("select count(*) from _migrations").fetchone()[0] == len(MIGRATIONS)
    assert corpus.execute("select count(*) from reports").fetchone()[0] == 60
    # every report has its agency, cells of tables 2-4 (2019 and 2021 layouts), sections and checks
    assert corpus.execute("select count(*) from reports where agency_id is null").fetchone()[0] == 0
    years = {y for (y,) in corpus.execute("select distinct year from reports")}
    assert len(years) >= 3
    n_cells, n_with = corpus.execute("select count(*), count(distinct report_id) from cells").fetchone()
    assert n_cells > 60 * 50 and n_with == corpus.execute("select count(*) from reports where year >= 2019").fetchone()[0]
    assert corpus.execute("select count(*) from indicators_wide").fetchone()[0] == 60
    # the search index was built: a word of the generated prose is found through FTS
    hits = corpus.execute("select count(*) from sections_fts where sections_fts match '\"政府信息公开\"'").fetchone()[0]
    assert hits > 0
    # the planner's statistics were gathered (ANALYZE at the end of the build)
    assert corpus.execute("select count(*) from sqlite_stat1 where tbl = 'cells'").fetchone()[0] > 0
    # printed numbers were multiplied by a whole factor: the hard identities that held still hold
    checks = corpus.execute("select status, count(*) from checks where level = 'hard' group by status")
    assert dict(checks.fetchall()).get("pass", 0) > 0


def test_pages_of_one_report_read_its_rows_by_index(corpus):
    rid = corpus.execute("select id from reports where year >= 2021 limit 1").fetchone()[0]
    for sql in ("select * from report_overview where id = ?", "select * from t3_wide where report_id = ?",
                "select * from cells where report_id = ? order by id limit 51",
                "select * from panel where report_id = ?"):
        steps = plan(corpus, sql, rid)
        assert not any(s.startswith("SCAN c") or s.startswith("SCAN cells") for s in steps), (sql, steps)
    steps = plan(corpus, "select * from report_overview where id = ?", rid)
    assert any("idx_cells_report_id_tbl_row_code_col_code" in s for s in steps), steps


def test_failed_checks_query_walks_failing_reports_in_order(corpus):
    meta = json.loads((ROOT / "metadata.json").read_text("utf-8"))
    sql = meta["databases"]["ogi"]["queries"]["failed_checks"]["sql"]
    steps = plan(corpus, sql)
    assert steps[0] == "SCAN r USING INDEX idx_reports_failing", steps
    assert not any("TEMP B-TREE" in s for s in steps), steps


def test_search_walks_its_index_in_order_and_stops(corpus):
    """The search page and the canned query read hits in the index's order (no sort over every hit)."""
    from ogi.site import search

    for sql in (search.search_sql(), search.search_sql(count=True)):
        steps = plan(corpus, sql, {"q": "复议", "kind": "", "year": "", "level": "", "province": "",
                                   "limit": 21, "offset": 0, "upto": 21})
        assert any("VIRTUAL TABLE" in s for s in steps), steps
        assert not any("TEMP B-TREE FOR ORDER BY" in s for s in steps), steps  # rowid DESC: the index order
    meta = json.loads((ROOT / "metadata.json").read_text("utf-8"))
    steps = plan(corpus, meta["databases"]["ogi"]["queries"]["search"]["sql"],
                 {"q": "复议", "kind": "", "year": "", "level": "", "province": ""})
    assert not any("TEMP B-TREE FOR ORDER BY" in s for s in steps), steps


def test_dashboard_and_requests_by_year_never_read_cells(corpus):
    from datasette_dashboards import replace_opts_in_query

    from ogi.site.dashboards import DASHBOARDS

    meta = json.loads((ROOT / "metadata.json").read_text("utf-8"))
    sqls = [replace_opts_in_query(c["query"], {}) for c in DASHBOARDS["overview"]["charts"].values() if "query" in c]
    sqls += [f["query"] for f in DASHBOARDS["overview"]["filters"].values()]
    sqls.append(meta["databases"]["ogi"]["queries"]["requests_by_year"]["sql"])
    import re

    for sql in sqls:
        assert not re.search(r"\b(from|join)\s+(cells|reports|checks)\b", sql, re.I), sql
        assert plan(corpus, sql)  # and it compiles against the real schema
    assert corpus.execute("select sum(reports) from dashboard_cube").fetchone()[0] == 60


def _db_path(conn) -> Path:
    return Path(conn.execute("pragma database_list").fetchone()[2])


def _pages(db: Path, paths: list[str], template_dir=None) -> dict:
    """HTML of each path from the Datasette `ogi serve` runs, made in this process."""
    import asyncio

    from ogi.serve import datasette_app

    async def go():
        ds = datasette_app(db, template_dir=template_dir)
        await ds.invoke_startup()
        out = {}
        for p in paths:
            r = await ds.client.get(p.replace("/ogi/", f"/{db.stem}/", 1))
            assert r.status_code == 200, (p, r.text[:300])
            out[p] = r.text
        return out

    return asyncio.run(go())


def test_table_rows_written_in_python_equal_datasettes_template(corpus, tmp_path):
    """ogi/site/templates/_table.html writes its rows with table_html.rows_html: the page equals the one
    Datasette's own _table.html gives (a --template-dir comes first), up to whitespace between tags."""
    import re

    import datasette

    stock = tmp_path / "stock"
    stock.mkdir()
    (stock / "_table.html").write_text(
        (Path(datasette.__file__).parent / "templates" / "_table.html").read_text("utf-8"), "utf-8")
    db = _db_path(corpus)
    rid = corpus.execute("select id from reports where year >= 2021 limit 1").fetchone()[0]
    paths = ["/ogi/reports", "/ogi/reports?_sort=agency", f"/ogi/cells?report_id={rid}", "/ogi/checks?status=fail",
             "/ogi/sections", "/ogi/documents", "/ogi/t3_wide", f"/ogi/reports/{rid}"]
    ours, theirs = _pages(db, paths), _pages(db, paths, template_dir=stock)
    def squeeze(h):  # whitespace between tags, and the page's own timing ("queries took 13.1ms")
        return re.sub(r"took [0-9.]+ms", "took ms", re.sub(r">\s+<", "><", h)).strip()

    for p in paths:
        assert ours[p].count("<td ") > 0, p
        assert squeeze(ours[p]) == squeeze(theirs[p]), p
        assert len(ours[p]) < len(theirs[p]), p  # and it is the short version that was served


def test_plugin_config_is_looked_up_once_and_stays_right(corpus):
    """page_speed.remember_plugin_config: the same answers as Datasette's own look-up, copies handed out."""
    import asyncio

    from datasette.app import Datasette

    from ogi.serve import datasette_app

    ds = datasette_app(_db_path(corpus))
    asyncio.run(ds.invoke_startup())
    name = _db_path(corpus).stem
    for plugin in ("datasette-dashboards", "datasette-render-markdown", "nope"):
        for table in (None, "reports", "cells"):
            want = Datasette.plugin_config(ds, plugin, database=name, table=table)
            assert ds.plugin_config(plugin, database=name, table=table) == want
    assert ds.plugin_config("datasette-dashboards") is not None
    ds.plugin_config("datasette-dashboards")["overview"] = "changed by a caller"
    assert ds.plugin_config("datasette-dashboards")["overview"] != "changed by a caller"
    assert len(ds._ogi_plugin_config) >= 7


def test_table_permissions_are_worked_out_once_and_still_deny(corpus, tmp_path):
    """page_speed.remember_table_permissions: the same answers as Datasette's own look-up, and an `allow`
    block in the metadata still keeps visitors out of that table on every request (not only the first)."""
    import asyncio

    from datasette.app import Datasette

    from ogi.serve import METADATA, datasette_app

    db = _db_path(corpus)
    meta = json.loads(METADATA.read_text("utf-8"))
    meta["databases"]["ogi"]["tables"]["cells"]["allow"] = {"id": "nobody-logs-in"}
    locked = tmp_path / "metadata.json"
    locked.write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    async def go():
        ds = datasette_app(db, metadata=locked)
        await ds.invoke_startup()
        tables = await ds.databases[db.stem].table_names()
        for t in tables:
            assert ds._table_permission_allows(db.stem, t) == Datasette._table_permission_allows(ds, db.stem, t), t
        assert ds._table_permission_allows(db.stem, "cells") == [{"id": "nobody-logs-in"}]
        statuses = []
        for _ in range(2):
            for path in (f"/{db.stem}/cells", f"/{db.stem}/reports", f"/{db.stem}/cells.json"):
                statuses.append((await ds.client.get(path)).status_code)
        home = (await ds.client.get(f"/{db.stem}")).text
        assert len(ds._ogi_table_allows) >= len(tables)
        return statuses, home

    statuses, home = asyncio.run(go())
    assert statuses == [403, 200, 403] * 2
    assert f"/{db.stem}/reports" in home and f'href="/{db.stem}/cells"' not in home


def _facets(db: Path, path: str) -> dict:
    """{column: [(value, count), …]} of a table page's facets, as the served JSON gives them."""
    import asyncio

    from ogi.serve import datasette_app

    async def go():
        ds = datasette_app(db)
        await ds.invoke_startup()
        r = await ds.client.get(path.replace("/ogi/", f"/{db.stem}/", 1))
        assert r.status_code == 200, r.text[:300]
        return r.json()

    data = asyncio.run(go())
    assert not data.get("facets_timed_out"), data.get("facets_timed_out")
    return {name: [(v["value"], v["count"]) for v in f["results"]] for name, f in data["facet_results"].items()}


def _live(conn, tbl: str, col: str, where: str = "", args=(), limit: int = 31) -> list:
    """Datasette's facet query, run on the rows."""
    return [tuple(r) for r in conn.execute(
        f"select [{col}] as value, count(*) as count from (select * from [{tbl}] {where}) where [{col}] is not null "
        f"group by [{col}] order by count desc, value limit {limit}", args)][:limit - 1]


def test_facet_counts_equal_the_group_by_over_the_rows(corpus):
    from normalize.site_tables import FACETED

    meta = json.loads((ROOT / "metadata.json").read_text("utf-8"))["databases"]["ogi"]["tables"]
    stored = 0
    for tbl, cols in FACETED.items():
        assert meta[tbl]["facets"] == list(cols)  # the metadata's default facets are the ones counted
        have = {r[1] for r in corpus.execute(f"pragma table_info([{tbl}])")}
        for col in cols:
            assert col in have, (tbl, col)
            want = sorted(map(tuple, corpus.execute(
                f"select [{col}], count(*) from [{tbl}] where [{col}] is not null group by [{col}]")), key=repr)
            got = sorted(map(tuple, corpus.execute(
                "select value, n from facet_counts where tbl = ? and col = ?", (tbl, col))), key=repr)
            assert got == want, (tbl, col)
            stored += len(got)
    assert stored > 30
    # values keep their type (year is an integer, as in the table)
    assert {type(v) for (v,) in corpus.execute("select value from facet_counts where tbl = 'reports' and col = 'year'")} == {int}


def test_unfiltered_pages_show_the_live_facets_from_the_build_counts(corpus, tmp_path):
    """The unfiltered page's facets equal Datasette's live GROUP BY (values, counts, order); they come from
    `facet_counts` (a copy whose counts are changed shows the change), a filtered page counts its rows."""
    import shutil

    from normalize.site_tables import FACETED

    db = _db_path(corpus)
    for tbl, cols in FACETED.items():
        shown = _facets(db, f"/ogi/{tbl}.json")
        assert set(shown) == set(cols), tbl
        for col in cols:
            assert shown[col] == _live(corpus, tbl, col), (tbl, col)
    assert _facets(db, "/ogi/reports.json?_facet_size=3")["province"] == _live(corpus, "reports", "province", limit=4)
    year = corpus.execute("select year from reports group by year order by count(*) desc limit 1").fetchone()[0]

    tampered = tmp_path / db.name
    shutil.copy(db, tampered)
    conn = sqlite3.connect(tampered)
    conn.execute("update facet_counts set n = n + 1000")
    conn.commit()
    conn.close()
    shown = _facets(tampered, "/ogi/reports.json")
    assert shown["year"] == [(v, n + 1000) for v, n in _live(corpus, "reports", "year")]
    filtered = _facets(tampered, f"/ogi/reports.json?year={year}")
    assert filtered["level"] == _live(corpus, "reports", "level", "where year = ?", (year,))


def test_facets_of_failing_checks_read_an_index_only(corpus):
    """checks?status=fail: each default facet is counted from an index (the level facet read every failing
    check's row: past the facet time limit at 100,000 reports, so the page waited for it, then dropped it)."""
    inner = "select * from checks where status = :p0"
    for col in ("status", "rule", "level"):
        steps = plan(corpus, f"select {col} as value, count(*) as count from ({inner}) where {col} is not null "
                             f"group by {col} order by count desc, value limit 31", {"p0": "fail"})
        assert any("COVERING INDEX" in s for s in steps), (col, steps)


# the agency page's cells of a measure as its template wrote them before table_html.year_cells
YEAR_CELLS_LOOP = (
    "{% for r in reports %}{% set v = ind['values'].get(r.id) %}<td class=\"ogi-value\">{{ v.raw if v and v.raw is "
    "not none else '' }}</td>{% if not loop.first %}{% set d = ind.changes[loop.index0] %}<td class=\"ogi-delta"
    "{% if d is not none and d > 0 %} ogi-up{% elif d is not none and d < 0 %} ogi-down{% endif %}\">"
    "{% if d is not none %}{{ '%+g'|format(d) }}{% endif %}</td>{% endif %}{% endfor %}")


def test_agency_page_year_cells_equal_the_template_loop(corpus, tmp_path):
    from ogi.site.plugin import TEMPLATES

    ours = (TEMPLATES / "ogi_agency.html").read_text("utf-8")
    assert ours.count("{{ ogi_year_cells(ind, reports) }}") == 2
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "ogi_agency.html").write_text(ours.replace("{{ ogi_year_cells(ind, reports) }}", YEAR_CELLS_LOOP), "utf-8")
    db = _db_path(corpus)
    agencies = [r[0] for r in corpus.execute(
        "select agency_id from reports group by agency_id order by count(*) desc, agency_id limit 3")]
    paths = [f"/agency?agency_id={a}" for a in agencies]
    got, want = _pages(db, paths), _pages(db, paths, template_dir=loop)
    for p in paths:
        assert got[p] == want[p], p
        assert got[p].count('class="ogi-delta') > 0 and got[p].count('class="ogi-value"') > 10, p
    assert any('<td class="ogi-delta ogi-up">+' in got[p] or '<td class="ogi-delta ogi-down">-' in got[p] for p in paths)


@pytest.mark.parametrize("table", ["sections", "passages"])
def test_search_page_count_from_the_index_equals_datasettes_count(corpus, table):
    """fts_pages.bounded_count: the count of a search page, from the index's rowids, equals Datasette's."""
    from ogi.site import fts_pages
    from ogi.site.search import grams_match

    corpus.create_function("escape_fts", 1, grams_match)
    theirs = (f"select count(*) from {table} where id in (select rowid from passages_grams where passages_grams "
              "match escape_fts(:search)) ")
    ours = fts_pages.bounded_count(theirs)
    assert ours and "count(*) from passages_grams" in ours
    counted = []
    for word in ("诉", "复议", "政府信息", "行政复议", "信息 公开", "。", "龘"):
        want = corpus.execute(theirs, {"search": word}).fetchone()[0]
        assert corpus.execute(ours, {"search": word}).fetchone()[0] == want, word
        counted.append(want)
    assert max(counted) > 10 and 0 in counted
    # another filter or shape: left as Datasette wrote it
    assert fts_pages.bounded_count(theirs.strip() + ' and "code" = :p0') is None
    assert fts_pages.bounded_count(theirs.replace(table, "cells", 1)) is None
    shown = _served_count(_db_path(corpus), f"/ogi/{table}.json?_search=" + urllib_quote("复议"))
    assert shown == corpus.execute(theirs, {"search": "复议"}).fetchone()[0] > 0


def urllib_quote(s: str) -> str:
    import urllib.parse

    return urllib.parse.quote(s)


def _served_count(db: Path, path: str) -> int:
    import asyncio

    from ogi.serve import datasette_app

    async def go():
        ds = datasette_app(db)
        await ds.invoke_startup()
        return (await ds.client.get(path.replace("/ogi/", f"/{db.stem}/", 1))).json()["filtered_table_rows_count"]

    return asyncio.run(go())
