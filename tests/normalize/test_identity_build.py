"""`ogi build` and report identity: one report per (agency_id, year) across sites and spellings, document
roles, a primary chosen without timestamps, crawler-rejected pages kept out of `reports`, stable ids,
and the panel / indicators_wide queries researchers run."""
import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from crawler.archive import Archive
from normalize.build import build
from normalize.indicators_wide import fill_indicators_wide
from normalize.schema import migrate
from ogi.metadata_source import QUERIES

REPO = Path(__file__).resolve().parents[2]
REAL = (REPO / "ogi" / "portal" / "documents" / "dev-reports" / "pingtan_xzspj_2023.html").read_bytes()
A = "http://www.a.fixture.gov.cn/ndbg/"
B = "http://www.b.fixture.gov.cn/ndbg/"
TITLE_A = "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"


def _sources(a, run):
    a.run_dir(run).mkdir(parents=True, exist_ok=True)
    (a.run_dir(run) / "sources.json").write_text(json.dumps([
        {"id": "a", "agency": "平潭综合实验区党工委管委会", "level": "city", "region": "福建省平潭综合实验区", "family": "trs-wcm",
         "entry_urls": [A]},
        {"id": "b", "agency": "平潭综合实验区管理委员会", "level": "city", "region": "福建省平潭综合实验区", "family": "trs-wcm",
         "entry_urls": [B]}], ensure_ascii=False), "utf-8")
    a.write_summary(run, {"run_id": run, "sites": [{"site": "a", "status": "ok"}, {"site": "b", "status": "ok"}],
                          "errors": [], "blocked_hosts": [], "totals": {}})


def _page(a, url, data, title, site, run="r1", at="2026-01-01T00:00:00+00:00", **meta):
    a.store(data, url=url, kind="report_page", site=site, run_id=run, fetched_at=at,
            meta={"role": "report_page", "title": title, "listed_title": title, "verdict": "report", **meta})


@pytest.fixture()
def archive(tmp_path):
    a = Archive(tmp_path / "archive")
    _sources(a, "r1")
    # the same report on two sites under two spellings (the real 2023 page, retitled on site b)
    _page(a, A + "t1.htm", REAL, TITLE_A, "a")
    _page(a, B + "t9.htm", REAL.replace(TITLE_A.encode(), "区行政审批局2023年政府信息公开工作年度报告".encode()),
          "区行政审批局2023年政府信息公开工作年度报告", "b")
    # a page revised at the same URL: both versions are documents, the newer one supersedes
    old = REAL.replace("2023年".encode(), "2022年".encode()).replace(TITLE_A.encode(), b"X")
    _page(a, A + "t2.htm", old, "平潭综合实验区行政审批局2022年政府信息公开工作年度报告", "a")
    new = old.replace("本报告全文由".encode(), "更正说明：更正了第一部分。本报告全文由".encode())
    _page(a, A + "t2.htm", new, "平潭综合实验区行政审批局2022年政府信息公开工作年度报告", "a", at="2026-02-01T00:00:00+00:00")
    # the crawler read these and rejected them: evidence in the archive, never reports
    _page(a, B + "t5.htm", "<html><body><p>平潭综合实验区事业单位法人2023年度报告书公示</p><p>开办资金：50万元</p></body></html>".encode(),
          "平潭综合实验区事业单位法人2023年度报告书公示", "b", verdict="negative", verdict_reason="no_body_markers")
    _page(a, B + "t6.htm", b"<html><body>404</body></html>", "平潭综合实验区2021年度政府信息公开工作年度报告", "b",
          verdict="noise", verdict_reason="soft404")
    return a


def _rows(db, sql, *args):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def test_one_report_per_agency_and_year_with_roles_and_rejections(archive, tmp_path):
    db = tmp_path / "ogi.db"
    build(archive.root, db)
    reports = _rows(db, "select id, agency, agency_id, year, documents, primary_document, scope from reports order by year")
    assert [(r["agency"], r["year"], r["documents"]) for r in reports] == \
        [("平潭综合实验区行政审批局", 2022, 2), ("平潭综合实验区行政审批局", 2023, 2)]
    assert reports[0]["agency_id"] == reports[1]["agency_id"] and reports[1]["id"] == f"{reports[1]['agency_id']}-2023"
    docs = {(d["url"], d["report_role"]): d for d in _rows(db, "select * from documents")}
    assert set(docs) == {(A + "t1.htm", "page"), (B + "t9.htm", "copy"), (A + "t2.htm", "revision"), (A + "t2.htm", "page")}
    newer = docs[(A + "t2.htm", "page")]
    assert docs[(A + "t2.htm", "revision")]["superseded_by"] == newer["id"] and newer["is_primary"] == 1
    # the two copies print the same cells and sections: the primary is the smaller document id (no timestamps)
    pair = [docs[(A + "t1.htm", "page")], docs[(B + "t9.htm", "copy")]]
    assert pair[0]["cells"] == pair[1]["cells"] == 200
    assert reports[1]["primary_document"] == min(d["id"] for d in pair) == pair[0]["id"]
    assert _rows(db, "select agency_as_printed from reports where year = 2023") == [
        {"agency_as_printed": "平潭综合实验区行政审批局"}]
    assert {(r["alias"], r["rule"]) for r in _rows(db, "select alias, rule from agency_aliases where site_id = 'b'")} >= {
        ("区行政审批局", "relative_to_site_region")}
    # rejected pages: not documents, not reports, listed as evidence
    assert not _rows(db, "select 1 from documents where url in (?, ?)", B + "t5.htm", B + "t6.htm")
    assert not _rows(db, "select 1 from reports where agency like '%事业单位%'")
    assert {(r["url"], r["verdict"], r["reason"]) for r in _rows(db, "select * from rejected_pages")} == {
        (B + "t5.htm", "negative", "no_body_markers"), (B + "t6.htm", "noise", "soft404")}
    # the agency: one row, every spelling seen with its site and document
    (ag,) = _rows(db, "select * from agencies where agency_id = ?", reports[0]["agency_id"])
    assert (ag["kind"], ag["reports"], ag["first_year"], ag["last_year"]) == ("department", 2, 2022, 2023)
    parent = _rows(db, "select name, kind from agencies where agency_id = ?", ag["parent_id"])
    assert parent == [{"name": "平潭综合实验区党工委管委会", "kind": "development_zone"}]
    assert {r["site_id"] for r in _rows(db, "select site_id from agency_aliases where agency_id = ?", ag["agency_id"])} == {"a", "b"}


def test_ids_and_primaries_are_stable_across_builds(archive, tmp_path):
    build(archive.root, tmp_path / "one.db")
    # a later crawl adds another spelling of the same agency on site b; ids of what existed do not move
    _sources(archive, "r2")
    _page(archive, B + "t11.htm", REAL.replace("2023".encode(), "2024".encode()),
          "区行政审批局2024年政府信息公开工作年度报告", "b", run="r2")
    build(archive.root, tmp_path / "two.db", parse_cache=tmp_path / "cache")
    q = "select id, agency_id, primary_document from reports where year < 2024 order by id"
    assert _rows(tmp_path / "one.db", q) == _rows(tmp_path / "two.db", q)
    ids = {r["agency_id"] for r in _rows(tmp_path / "two.db", "select agency_id from reports")}
    assert len(ids) == 1  # 区行政审批局 on a 平潭综合实验区 site is the same agency (relative name qualified)
    rules = {r["rule"] for r in _rows(tmp_path / "two.db", "select rule from agency_aliases")}
    assert "relative_to_site_region" in rules


def test_panel_and_indicators_queries(archive, tmp_path):
    db = tmp_path / "ogi.db"
    build(archive.root, db)
    (agency_id,) = {r["agency_id"] for r in _rows(db, "select agency_id from reports")}
    series = _rows(db, QUERIES["agency_series"]["sql"].replace(":agency_id", "?"), agency_id)
    assert [(r["year"], r["requests_new"], r["replies_partial"], r["admin_review"], r["admin_litigation"], r["source"])
            for r in series] == [(2022, 7, 1, 1, 1, "cells"), (2023, 7, 1, 1, 1, "cells")]
    sql = QUERIES["panel_cell_series"]["sql"]
    for p in ("agency_id", "tbl", "row_code", "col_code"):
        sql = sql.replace(f":{p}", "?")
    cell = _rows(db, sql, agency_id, "t3", "new_received", "total")
    assert [(r["year"], r["value"], r["raw"], r["label_zh"], r["col_label_zh"]) for r in cell] == [
        (2022, 7, "7", "一、本年新收政府信息公开申请数量", "总计"), (2023, 7, "7", "一、本年新收政府信息公开申请数量", "总计")]
    panel = _rows(db, "select * from panel where year = 2023 and tbl = 't4' and row_code = 'suit_after_review'")
    assert {(r["col_code"], r["value"]) for r in panel} >= {("other", 1), ("total", 1)}
    assert {r["check_status"] for r in panel} <= {"pass", "fail", "not_assessable"} and panel[0]["kind"] == "department"


def test_indicators_wide_takes_pre2019_measures_from_the_indicators_table(tmp_path):
    db = sqlite_utils.Database(tmp_path / "x.db")
    migrate(db)
    db["reports"].insert_all([
        {"id": "a-2015", "agency": "某县人民政府", "agency_id": "a", "year": 2015, "template": "pre2019", "scope": "own"},
        {"id": "a-2021", "agency": "某县人民政府", "agency_id": "a", "year": 2021, "template": "2021", "scope": "own"}])
    db["cells"].insert_all([
        {"report_id": "a-2021", "tbl": "t3", "row_code": "new_received", "col_code": "total", "value": 30},
        {"report_id": "a-2021", "tbl": "t4", "row_code": "suit_direct", "col_code": "total", "value": 2}])
    # issue 12's long table, by hand: (report_id, code, value, ...)
    db["indicators"].insert_all([
        {"report_id": "a-2015", "code": "requests_total", "value": 12, "unit": "件", "raw": "12件"},
        {"report_id": "a-2015", "code": "fee_amount", "value": 0, "unit": "元", "raw": "未收取费用"},
        {"report_id": "a-2015", "code": "replies_granted", "value": 5, "unit": "件", "raw": "5件"},
        {"report_id": "a-2021", "code": "requests_total", "value": 999, "unit": "件", "raw": "999"}])
    assert fill_indicators_wide(db) == 2
    rows = {r["report_id"]: r for r in db["indicators_wide"].rows}
    assert (rows["a-2015"]["requests_new"], rows["a-2015"]["replies_granted"], rows["a-2015"]["fee_amount"],
            rows["a-2015"]["admin_review"], rows["a-2015"]["source"]) == (12, 5, 0, None, "indicators")
    # a 2019/2021 report reads its tables; a sum with a blank term stays blank (never completed)
    assert (rows["a-2021"]["requests_new"], rows["a-2021"]["admin_litigation"], rows["a-2021"]["source"]) == \
        (30, None, "cells")
    db["indicators"].drop()
    fill_indicators_wide(db)  # without issue 12's table the pre-2019 measures are simply empty
    assert db["indicators_wide"].get("a-2015")["requests_new"] is None


def test_an_archive_crawled_before_verdicts_were_recorded_is_judged_by_its_run_items(tmp_path):
    a = Archive(tmp_path / "archive")
    _sources(a, "r1")
    _page(a, A + "t1.htm", REAL, TITLE_A, "a")
    neg_url = B + "t5.htm"
    a.store("<html><body><p>平潭综合实验区事业单位法人2023年度报告书公示</p></body></html>".encode(), url=neg_url,
            kind="report_page", site="b", run_id="r1",
            meta={"role": "report_page", "title": "平潭综合实验区事业单位法人2023年度报告书公示"})  # no verdict
    (a.run_dir("r1") / "items.jsonl").write_text(
        json.dumps({"type": "negative", "site": "b", "url": neg_url, "reason": "no_body_markers"}) + "\n", "utf-8")
    db = tmp_path / "ogi.db"
    build(a.root, db)
    assert [r["agency"] for r in _rows(db, "select agency from reports")] == ["平潭综合实验区行政审批局"]
    assert _rows(db, "select url, verdict, reason from rejected_pages") == [
        {"url": neg_url, "verdict": "negative", "reason": "no_body_markers"}]
