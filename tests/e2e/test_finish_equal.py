"""Issue 9 (finish speed): the fast finish and panel export give exactly the rows of their definitions.

`site_tables.finish` memoises the pure parts of `_check_update`, inserts passages with plain executemany
and fills t3_wide a chunk of reports at a time; `exports.panel_sql` answers the panel view's code-book
and hard-check look-ups from temporary tables. Here the demo build (real documents, cells with pages)
is finished again and every derived row is compared with the straightforward definitions:
`_check_update` per check over every cell's page, `passage_rows` with one token per non-space
character, `T3_WIDE_SELECT` in one statement, and `select * from panel` (rows, order and file bytes).
"""
from __future__ import annotations

import shutil
import sqlite3

import pytest
import sqlite_utils

from normalize import exports, site_tables

DERIVED = ("passages", "t3_wide", "report_totals", "dashboard_cube", "dashboard_rule_cube", "rules")


@pytest.fixture(scope="module")
def refinished(built_demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("finish") / "ogi.db"
    shutil.copy(built_demo["db"], path)
    db = sqlite_utils.Database(path)
    for t in DERIVED:
        db.execute(f"delete from {t}")
    for fts in ("passages_fts", "passages_grams"):
        db.execute(f"INSERT INTO {fts}({fts}) VALUES('delete-all')")
    db.execute("update checks set cells = NULL, page = NULL, message_zh = NULL")
    db.conn.commit()
    site_tables.finish(db, chunk=3)  # several chunks even on the demo
    for fts in ("passages_fts", "passages_grams"):  # as finish_database does after it
        db.execute(f"INSERT INTO {fts}({fts}) VALUES('rebuild')")
    yield db
    db.close()


def _reference_inputs(db):
    rules = {r["id"]: r for r in site_tables.rule_rows()}
    reports = {r["id"]: r for r in db.query("select id, template, t3_rows from reports")}
    pages = {}
    for rid in sorted(reports):  # as the first finish read them: report by report, the last cell of a key wins
        for tbl, row, col, page in db.execute("select tbl, row_code, col_code, page from cells where report_id in (?)", [rid]):
            pages[(rid, f"{tbl}.{row}.{col}")] = page
    return rules, reports, pages


def test_checks_get_the_cells_page_and_message_check_update_defines(refinished):
    db = refinished
    rules, reports, pages = _reference_inputs(db)
    checks = list(db.query("select id, report_id, rule, status, scope, expected, found from checks order by id"))
    want = [site_tables._check_update(c, reports if c["report_id"] in reports else {},
                                      pages if c["report_id"] in reports else {}, rules) for c in checks]
    got = [tuple(r) for r in db.execute("select cells, page, message_zh, id from checks order by id")]
    assert len(got) == len(checks) > 100
    assert got == want
    # the comparison covers pages, failing messages (found/expected in the text) and several rules
    assert sum(p is not None for _, p, _, _ in got) > 10
    assert any("应为" in (m or "") for _, _, m, _ in got)
    assert len({c["rule"] for c in checks}) >= 4


def test_memo_limit_clears_without_changing_a_row(refinished):
    db = refinished
    rules, reports, pages = _reference_inputs(db)
    explain = site_tables._CheckExplainer(rules, limit=3)  # cleared again and again
    for c in db.query("select id, report_id, rule, status, scope, expected, found from checks order by id"):
        rep, pg = (reports, pages) if c["report_id"] in reports else ({}, {})
        assert explain(tuple(c.values()), rep, pg) == site_tables._check_update(c, rep, pg, rules)


def test_passages_are_passage_rows_of_every_section(refinished):
    db = refinished
    sections = list(db.query("select id, report_id, code, name_zh, text from sections order by id"))
    want = sorted((tuple(p[k] for k in site_tables.PASSAGE_COLUMNS) for p in site_tables.passage_rows(sections)))
    got = [tuple(r) for r in db.execute(f"select {', '.join(site_tables.PASSAGE_COLUMNS)} from passages order by id")]
    assert len(got) > 50 and got == want
    # one token per non-space character, as the character-by-character definition
    for text in [r[6] for r in got] + ["予以\u3000公开\xa0 第\t六\n部分\u2028一\x1c二"]:
        assert site_tables.grams(text) == " ".join(ch for ch in text if not ch.isspace())
    hits = db.execute("select count(*) from passages_grams where passages_grams match '\"公 开\"'").fetchone()[0]
    assert hits > 0


def test_t3_wide_is_the_single_statement(refinished):
    db = refinished
    got = db.execute("select * from t3_wide order by rowid").fetchall()
    want = db.execute(site_tables.T3_WIDE_SELECT).fetchall()
    assert len(got) > 20 and got == want


def test_panel_export_reads_the_views_rows_in_its_order(built_demo, tmp_path):
    db_file = tmp_path / "ogi.db"
    shutil.copy(built_demo["db"], db_file)
    conn = sqlite3.connect(db_file)
    try:
        sql, _ = exports.panel_sql(conn)
        assert "_panel_labels" in sql and "_panel_hard" in sql  # the fast path is the one compared
        fast = conn.execute(sql)
        view = conn.execute("select * from panel")
        assert [d[0] for d in fast.description] == [d[0] for d in view.description]
        rows = fast.fetchall()
        assert rows == view.fetchall() and len(rows) > 100
        assert {r[19] for r in rows} >= {"pass", "fail"}  # check_status from the hard-check table
        assert any(r[12] is not None for r in rows) and any(r[14] is not None for r in rows)  # labels
        # the files: write_downloads (fast query) and the view written the same way are the same bytes
        ref = exports.write_csv_and_parquet(conn.execute("select * from panel"), tmp_path / "ref.csv", tmp_path / "ref.parquet")
    finally:
        conn.close()
    out = {r["format"]: r for r in exports.write_downloads(db_file, tmp_path / "downloads")}
    assert out["csv"]["rows"] == ref == len(rows)
    assert (tmp_path / "downloads" / out["csv"]["file"]).read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert (tmp_path / "downloads" / out["parquet"]["file"]).read_bytes() == (tmp_path / "ref.parquet").read_bytes()


def test_indicators_wide_reads_every_measure_from_all_of_a_reports_cells(refinished):
    from normalize.indicators_wide import fill_indicators_wide, load_measures, value_of

    db = refinished
    assert fill_indicators_wide(db, chunk=3) == db["reports"].count
    cells: dict = {}
    for rid, tbl, row, col, value in db.execute("select report_id, tbl, row_code, col_code, value from cells "
                                                "where value is not null order by report_id, rowid"):
        cells.setdefault(rid, {})[(tbl, row, col)] = value
    measures = load_measures()
    rows = list(db.query("select w.*, r.template as tpl from indicators_wide w join reports r on r.id = w.report_id"))
    compared = 0
    for row in rows:
        if row["tpl"] in ("2019", "2021"):
            for m in measures:
                want = value_of(m[f"def_{row['tpl']}"], cells.get(row["report_id"], {}))
                if want is not None or row["source"] != "indicators":
                    assert row[m["measure"]] == want, (row["report_id"], m["measure"])
                    compared += want is not None
    assert compared > 20
