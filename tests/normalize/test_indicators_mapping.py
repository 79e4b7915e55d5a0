"""The pre-2019 ↔ 2019/2021 mapping: consistent with headline_measures.csv, and the indicator_series view."""
import csv
from pathlib import Path

import sqlite_utils

from normalize.indicators import codebook
from normalize.indicators.db import mapping_rows, report_rows, write_static
from normalize.schema import migrate

ROOT = Path(__file__).resolve().parents[2]


def test_indicators_mapping_agrees_with_headline_measures():
    with open(ROOT / "normalize" / "headline_measures.csv", encoding="utf-8") as fh:
        headline = {r["measure"]: r for r in csv.DictReader(fh)}
    mine: dict[tuple[str, str], list[str]] = {}
    for r in mapping_rows():
        assert r["pre2019_code"] in codebook.load()
        assert r["measure"] in headline, r["measure"]
        assert headline[r["measure"]]["pre2019"] == r["pre2019_code"]
        if r["tbl"]:
            mine.setdefault((r["measure"], r["layout"]), []).append(f"{r['tbl']}.{r['row_code']}.{r['col_code']}")
    for m, h in headline.items():
        for layout in ("2019", "2021"):
            theirs = h[f"def_{layout}"]
            assert "+".join(mine.get((m, layout), [])) == theirs or not h["pre2019"], (m, layout)


def test_indicator_series_joins_pre2019_indicators_and_later_cells():
    db = sqlite_utils.Database(memory=True)
    migrate(db)
    write_static(db)
    db["reports"].insert_all([{"id": "A-2012", "agency": "A", "year": 2012, "template": "pre2019"},
                              {"id": "A-2020", "agency": "A", "year": 2020, "template": "2019"},
                              {"id": "A-2022", "agency": "A", "year": 2022, "template": "2021"}])
    db["indicators"].insert_all(report_rows("A-2012", "d1", "sha", {"indicators": [
        {"code": "requests_total", "value": 4, "raw": "受理申请4件", "sentence": "共受理申请4件。", "where": "text",
         "unit": "件", "period": "year", "primary": True},
        {"code": "requests_total", "value": 4, "raw": "4", "sentence": "受理申请数 | 件 | 4", "where": "table",
         "unit": "件", "period": "year", "primary": False},
        {"code": "admin_litigation", "value": 1, "raw": "行政诉讼1件", "sentence": "行政诉讼1件。", "where": "text",
         "unit": "件", "period": "year", "primary": True}]}))
    db["cells"].insert_all([
        {"report_id": "A-2020", "tbl": "t3", "row_code": "new_received", "col_code": "total", "value": 7, "raw": "7"},
        {"report_id": "A-2020", "tbl": "t4", "row_code": "suit_direct", "col_code": "total", "value": 1, "raw": "1"},
        {"report_id": "A-2020", "tbl": "t4", "row_code": "suit_after_review", "col_code": "total", "value": 2, "raw": "2"},
        {"report_id": "A-2022", "tbl": "t4", "row_code": "suit_direct", "col_code": "total", "value": 1, "raw": "1"},
        {"report_id": "A-2022", "tbl": "t4", "row_code": "suit_after_review", "col_code": "total", "value": None, "raw": ""},
    ])
    rows = {(r["year"], r["measure"]): (r["value"], r["source"]) for r in db.query("select * from indicator_series")}
    assert rows[(2012, "requests_new")] == (4, "indicators")  # the primary statement only
    assert rows[(2020, "requests_new")] == (7, "cells")
    assert rows[(2012, "admin_litigation")] == (1, "indicators")
    assert rows[(2020, "admin_litigation")] == (3, "cells")  # 直接起诉 + 复议后起诉
    assert rows[(2022, "admin_litigation")] == (None, "cells")  # a blank part: never filled in


def test_indicators_of_a_report_take_the_statistics_table_of_an_attachment():
    from types import SimpleNamespace

    from normalize.indicators.db import for_report
    from normalize.indicators.merge import remerge

    def stmt(code, value, where, raw=None, period="year"):
        return {"code": code, "value": value, "raw": raw or str(value), "sentence": f"… {raw or value} …",
                "where": where, "unit": "件", "period": period, "family": where}

    def doc(i, inds, dup=None):
        res = {"indicators": remerge(inds)}
        if dup:
            res["_duplicate_of"] = dup
        return SimpleNamespace(id=f"d{i}", fetch=SimpleNamespace(sha256=f"s{i}"), result=res)

    page = doc(1, [stmt("requests_total", 5, "text", "共受理政府信息公开申请5件")])
    xls = doc(2, [stmt("requests_total", 6, "table"), stmt("requests_in_person", 6, "table")])
    copy = doc(3, [stmt("requests_in_person", 9, "table")], dup="d2")  # a re-stamped copy adds nothing
    old_checks = [{"rule": "9", "status": "pass"}, {"rule": "pre4", "status": "pass"}]
    rows, checks = for_report("A-2012", [page, xls, copy], page, old_checks)
    got = {(r["code"], r["where"]): (r["value"], r["is_primary"], r["document_id"]) for r in rows}
    assert got == {("requests_total", "text"): (5, 0, "d1"), ("requests_total", "table"): (6, 1, "d2"),
                   ("requests_in_person", "table"): (6, 1, "d2")}
    assert [r["conflict"] for r in rows if r["code"] == "requests_total" and r["is_primary"]] == [
        '{"table": 6, "text": 5}']
    assert {c["rule"] for c in checks} == {"9", "pre1", "pre4"}
    assert next(c for c in checks if c["rule"] == "pre4")["status"] == "warn"
    # a page alone keeps its own rows and checks untouched
    rows, same = for_report("A-2012", [page], page, old_checks)
    assert same is old_checks and [r["is_primary"] for r in rows] == [1]


def test_indicators_wide_reads_the_primary_statement_of_the_report_year():
    from normalize.indicators_wide import fill_indicators_wide

    db = sqlite_utils.Database(memory=True)
    migrate(db)
    db["reports"].insert_all([{"id": "A-2012", "agency": "A", "agency_id": "a", "year": 2012, "template": "pre2019"}])
    db["indicators"].insert_all(report_rows("A-2012", "d1", "sha", {"indicators": [
        {"code": "requests_total", "value": 40, "raw": "累计受理申请40件", "sentence": "累计受理申请40件。",
         "where": "text", "unit": "件", "period": "cumulative", "primary": True},
        {"code": "requests_total", "value": 5, "raw": "受理申请5件", "sentence": "受理申请5件。", "where": "text",
         "unit": "件", "period": "year", "primary": False},
        {"code": "requests_total", "value": 6, "raw": "6", "sentence": "受理申请总数 | 件 | 6", "where": "table",
         "unit": "件", "period": "year", "primary": True, "conflict": {"table": 6, "text": 5}}]}))
    fill_indicators_wide(db)
    assert db["indicators_wide"].get("A-2012")["requests_new"] == 6
