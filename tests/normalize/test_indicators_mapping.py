"""The pre-2019 ↔ 2019/2021 mapping: consistent with headline_measures.csv, and the indicator_series view."""
import csv
from pathlib import Path

import sqlite_utils

from normalize.indicators import codebook
from normalize.indicators.db import PANEL_SERIES_SQL, mapping_rows, report_rows, write_static
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
    # the panel lists the primary pre-2019 statements next to the cells; through the mapping, one series
    panel = list(db.query(PANEL_SERIES_SQL, {"agency": "A", "measure": "requests_new"}))
    assert [(r["year"], r["value"], r["tbl"]) for r in panel] == [(2012, 4, "pre2019"), (2020, 7, "t3")]

