"""Issue 9 (finish speed): the fast finish and panel export give exactly the rows of their definitions.

`site_tables.finish` memoises the pure parts of `_check_update`, inserts passages with plain executemany
and fills t3_wide a chunk of reports at a time; `exports.panel_sql` answers the panel view's code-book
and hard-check look-ups from temporary tables. Here the demo build (real documents, cells with pages)
is finished again and every derived row is compared with the straightforward definitions:
`_check_update` per check over every cell's page, `passage_rows` with one token per non-space
character, `T3_WIDE_SELECT` in one statement, and `select * from panel` (rows; the download's order and bytes:
the csv module over the view a report at a time, normalize/export_panel.py).
"""
from __future__ import annotations

import csv
import hashlib
import io
import shutil
import sqlite3

import pyarrow.parquet as pq
import pytest
import sqlite_utils

from normalize import export_panel, export_parts, exports, site_tables

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


def test_panel_export_reads_the_views_rows_in_its_order(built_demo, tmp_path, monkeypatch):
    db_file = tmp_path / "ogi.db"
    shutil.copy(built_demo["db"], db_file)
    conn = sqlite3.connect(db_file)
    try:
        sql, _ = exports.panel_sql(conn)
        assert "_panel_labels" in sql and "_panel_hard" in sql  # the fast path is the one compared
        fast = conn.execute(sql)
        view = conn.execute("select * from panel")
        names = [d[0] for d in view.description]
        assert [d[0] for d in fast.description] == names
        rows = fast.fetchall()
        assert rows == view.fetchall() and len(rows) > 100
        assert {r[19] for r in rows} >= {"pass", "fail"}  # check_status from the hard-check table
        assert any(r[12] is not None for r in rows) and any(r[14] is not None for r in rows)  # labels
        assert any(r[9] == "pre2019" for r in rows)  # both branches of the view
        # the download's order: agencies by id, their reports by (year, id), each report's rows of the view
        assert export_panel.assembler(conn) is not None  # the demo's view is the one the assembler was written from
        order = [r[0] for r in conn.execute("select id from reports order by coalesce(agency_id, ''), year, id")]
        want = [row for rid in order for row in conn.execute("select * from panel where report_id = ?", (rid,))]
    finally:
        conn.close()
    assert sorted(want, key=repr) == sorted(rows, key=repr)
    out = {r["format"]: r for r in exports.write_downloads(db_file, tmp_path / "downloads")}
    data = _download(tmp_path / "downloads", out["csv"]["file"])
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([names] + want)
    assert data == buf.getvalue().encode("utf-8-sig")  # the csv module's bytes
    assert (out["csv"]["rows"], out["csv"]["bytes"], out["csv"]["sha256"]) == (len(want), len(data), hashlib.sha256(data).hexdigest())
    table = pq.read_table(tmp_path / "downloads" / out["parquet"]["file"])
    assert table.column_names == names and table.num_rows == out["parquet"]["rows"] == len(want)
    value = names.index("value")
    assert [tuple(r.values()) for r in table.to_pylist()] == [
        r[:value] + (None if r[value] is None else float(r[value]),) + r[value + 1:] for r in want]
    # the view read a report at a time (used for any other panel view) writes the same bytes
    monkeypatch.setattr(export_panel, "assembler", lambda conn: None)
    again = {r["format"]: r for r in exports.write_downloads(db_file, tmp_path / "generic")}
    assert {f: r["sha256"] for f, r in again.items()} == {f: r["sha256"] for f, r in out.items()}


def _download(folder, file) -> bytes:
    """The bytes the site sends for a downloads row: a file, or a manifest's head + parts."""
    if not file.endswith(export_parts.MANIFEST_SUFFIX):
        return (folder / file).read_bytes()
    manifest = export_parts.read_manifest(folder / file)
    return manifest["head"].encode("utf-8") + b"".join((folder / p["csv"]).read_bytes() for p in manifest["parts"])


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
