"""`ogi build` from an archive alone: documents, reports, issues; atomic publishing."""
import json
import os
import sqlite3
from pathlib import Path

import pytest

from crawler.archive import Archive
from normalize import build as build_mod
from normalize.build import build

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "ogi" / "portal" / "documents"
SITE = "http://www.example.fixture.gov.cn/zwgk/zfxxgknb/"


def _page(a, url, body, title, run="r1"):
    a.store(body.encode("utf-8"), url=url, kind="report_page", site="ex", run_id=run,
            meta={"role": "report_page", "title": title, "listed_title": title, "listing": SITE})


def _attachment(a, url, data, parent, run="r1"):
    a.store(data, url=url, kind="attachment", site="ex", run_id=run,
            meta={"role": "attachment", "parent_url": parent})


@pytest.fixture()
def archive(tmp_path):
    a = Archive(tmp_path / "archive")
    (a.run_dir("r1")).mkdir(parents=True)
    (a.run_dir("r1") / "sources.json").write_text(json.dumps([{
        "id": "ex", "name": "示例市 年报", "agency": "示例市人民政府", "level": "city", "region": "示例省示例市",
        "family": "trs-wcm", "entry_urls": [SITE], "enabled": True, "expected_min_reports": 1}], ensure_ascii=False))
    a.write_summary("r1", {"run_id": "r1", "started_at": "2026-01-01T00:00:00+00:00",
                           "finished_at": "2026-01-01T00:01:00+00:00", "sites": [{"site": "ex", "status": "ok"}],
                           "errors": [], "blocked_hosts": [], "totals": {"reports": 2}})
    # 1. a real HTML report page (Pingtan 2023, 2021 template)
    a.store((DOCS / "dev-reports" / "pingtan_xzspj_2023.html").read_bytes(), url=SITE + "202401/t20240130_86659.htm",
            kind="report_page", site="ex", run_id="r1",
            meta={"role": "report_page", "title": "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"})
    # 2. a 详见附件 page whose attachment is a seed text dump (title names an abbreviated agency)
    seed_page = SITE + "202101/t20210126_1.html"
    _page(a, seed_page, "<html><body><div class=TRS_Editor><p>详见附件</p></div></body></html>",
          "淄博市大数据局2020年政府信息公开工作年度报告")
    _attachment(a, SITE + "202101/P020210126.txt", (DOCS / "seeds" / "002_30fde63b7d2b0111.txt").read_bytes(), seed_page)
    # 3. broken documents attached to a page: empty, truncated PDF, a DOC that is only an OLE signature
    broken_page = SITE + "202201/t20220126_2.html"
    _page(a, broken_page, "<html><body><div class=TRS_Editor><p>详见附件</p></div></body></html>",
          "示例市交通局2021年政府信息公开工作年度报告")
    _attachment(a, SITE + "202201/P1.pdf", b"", broken_page)
    _attachment(a, SITE + "202201/P2.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", broken_page)
    _attachment(a, SITE + "202201/P3.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, broken_page)
    # 4. something that is not a report page at all (and is not fetched with status 200)
    a.store(b"<html>404</html>", url=SITE + "index_9.html", status=404, kind="listing", site="ex", run_id="r1")
    return a.root


def test_build_from_archive_alone(archive, tmp_path):
    db_path = tmp_path / "ogi.db"
    counts = build(archive, db_path)
    conn = sqlite3.connect(db_path)
    reports = {r[0]: r for r in conn.execute("select agency, year, template, cells, documents from reports")}
    assert reports["平潭综合实验区行政审批局"][1:4] == (2023, "2021", 200)
    assert reports["淄博市大数据局"][1:4] == (2020, "2019", 198)
    assert reports["淄博市大数据局"][4] == 2  # the page and its attachment are one report
    assert conn.execute("select region_code, city from reports where agency = '淄博市大数据局'").fetchone() == ("370300", "淄博市")
    assert conn.execute("select count(*) from documents").fetchone()[0] == 7 == counts["documents"]
    assert conn.execute("select count(*) from sites").fetchone()[0] == 1
    assert conn.execute("select count(*) from crawl_runs").fetchone()[0] == 1
    # every broken attachment keeps its documents row and gets an error issue row
    rows = dict(conn.execute("select d.url, group_concat(i.rule) from documents d join issues i on i.document_id = d.id "
                             "where i.level = 'error' group by d.url"))
    assert "empty_file" in rows[SITE + "202201/P1.pdf"]
    assert "truncated_pdf" in rows[SITE + "202201/P2.pdf"] or "corrupt_pdf" in rows[SITE + "202201/P2.pdf"]
    assert rows[SITE + "202201/P3.doc"]  # conversion_failed (or converter_missing without LibreOffice)
    statuses = dict(conn.execute("select url, parse_status from documents"))
    assert statuses[SITE + "202201/P1.pdf"] == "error"
    # sections, cells and checks are queryable; the FTS index finds Chinese text
    assert conn.execute("select count(*) from sections where report_id in (select id from reports where agency like '淄博%')").fetchone()[0] >= 5
    assert conn.execute("select count(*) from sections_fts where sections_fts match '大数据'").fetchone()[0] >= 1
    assert conn.execute("select count(*) from checks where status = 'fail' and level = 'hard'").fetchone()[0] == 0


def test_build_is_atomic(archive, tmp_path, monkeypatch):
    db_path = tmp_path / "ogi.db"
    build(archive, db_path)
    before = db_path.read_bytes()
    reader = sqlite3.connect(db_path)
    n = reader.execute("select count(*) from reports").fetchone()[0]

    def explode(*a, **k):
        raise RuntimeError("crash in the middle of a build")

    monkeypatch.setattr(build_mod, "_write_reports", explode)
    with pytest.raises(RuntimeError):
        build(archive, db_path)
    assert db_path.read_bytes() == before  # the published file is untouched
    assert reader.execute("select count(*) from reports").fetchone()[0] == n
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ogi.db.tmp")] == []


def _run(a, run_id, site_row):
    a.write_summary(run_id, {"run_id": run_id, "started_at": "2026-01-02T00:00:00+00:00", "sites": [site_row],
                             "errors": [], "blocked_hosts": [], "totals": {}})


def test_removed_only_after_a_fully_successful_run_of_the_site(archive, tmp_path):
    """A report is `removed` when the latest run that saw its site's whole listing did not see it; a
    blocked run or one with failed requests saw only part of the listing and removes nothing."""
    from crawler.archive import Archive

    a = Archive(archive)
    db_path = tmp_path / "ogi.db"

    def statuses():
        build(archive, db_path)
        conn = sqlite3.connect(db_path)
        try:
            return dict(conn.execute("select agency, status from reports"))
        finally:
            conn.close()

    pingtan = SITE + "202401/t20240130_86659.htm"
    _run(a, "r2", {"site": "ex", "status": "blocked", "errors": 1})  # saw nothing
    assert set(statuses().values()) == {"current"}
    _run(a, "r3", {"site": "ex", "status": "ok", "errors": 2})  # a listing page failed
    assert set(statuses().values()) == {"current"}
    a.touch(pingtan, "r4")  # the one report still listed in an incremental run (not re-fetched)
    _run(a, "r4", {"site": "ex", "status": "ok", "errors": 0})
    got = statuses()
    assert got.pop("平潭综合实验区行政审批局") == "current"
    assert set(got.values()) == {"removed"}  # never deleted: still rows, marked removed
    _run(a, "r5", {"site": "ex", "status": "unreachable", "errors": 3})  # a later failed night changes nothing
    assert statuses() == {**got, "平潭综合实验区行政审批局": "current"}


def test_parse_cache_reuses_results_and_a_parser_change_invalidates_them(archive, tmp_path, monkeypatch):
    from normalize import parse_cache

    cache_dir = tmp_path / "parse-cache"
    first = build(archive, tmp_path / "a.db", parse_cache=cache_dir)
    assert first["from_cache"] == 0

    def no_parsing(*a, **k):
        raise AssertionError("a cached document was parsed again")

    monkeypatch.setattr(build_mod, "_parse_one", no_parsing)
    second = build(archive, tmp_path / "b.db", parse_cache=cache_dir)
    assert second["from_cache"] == first["documents"] - 1  # all but the DOC LibreOffice cannot convert
    assert {k: second[k] for k in ("reports", "cells", "checks", "sections")} == \
        {k: first[k] for k in ("reports", "cells", "checks", "sections")}

    key = parse_cache.cache_key("ab" * 32, {"title": "x"})
    monkeypatch.setattr(parse_cache, "parser_version", lambda: "another-parser")
    assert parse_cache.cache_key("ab" * 32, {"title": "x"}) != key


def test_parallel_parsing_gives_the_same_database(archive, tmp_path, monkeypatch):
    build(archive, tmp_path / "serial.db")
    monkeypatch.setattr(build_mod, "PARALLEL_MIN_DOCUMENTS", 1)
    monkeypatch.setenv("OGI_BUILD_WORKERS", "2")
    assert build_mod._workers(7) == min(2, os.cpu_count() or 1)
    build(archive, tmp_path / "parallel.db")

    def dump(path):
        conn = sqlite3.connect(path)
        return {t: conn.execute(f"select * from {t} order by 1").fetchall()
                for t in ("reports", "cells", "checks", "issues", "sections")}

    assert dump(tmp_path / "serial.db") == dump(tmp_path / "parallel.db")
