"""Identities 1–5 (pass / fail / not assessable), soft checks 9, 10 and cross-year 6–8."""
from __future__ import annotations

from normalize import codebook
from normalize.checks import cross_year_checks, fee_statement_check, hard_checks, narrative_checks


def c(table, row, col, value, raw=None):
    return {"table": table, "row": row, "col": col, "value": value,
            "raw": raw if raw is not None else ("" if value is None else str(value))}


def t3_cells(t3_rows="2019", values=None):
    values = values or {}
    out = []
    for r in codebook.row_codes("t3", t3_rows):
        for col, v in zip(codebook.column_codes("t3", t3_rows), values.get(r, [0] * 7)):
            out.append(c("t3", r, col, v))
    return out


def t4_cells(values=None):
    values = values or [0] * 15
    keys = [(g, col) for g in ("review", "suit_direct", "suit_after_review")
            for col in ("upheld", "corrected", "other", "pending", "total")]
    return [c("t4", g, col, v) for (g, col), v in zip(keys, values)]


def by(checks, rule):
    return {x["scope"]: x for x in checks if x["rule"] == rule}


def test_parse_checks_all_pass_counts():
    ch = hard_checks(t3_cells() + t4_cells(), "2019")
    assert len(by(ch, "1")) == 7 and len(by(ch, "2")) == 7 and len(by(ch, "3")) == 23 and len(by(ch, "4")) == 3
    assert all(x["status"] == "pass" for x in ch if x["rule"] != "5" or x["scope"] != "t2")
    ch21 = hard_checks(t3_cells("2021") + t4_cells(), "2021")
    assert len([x for x in ch21 if x["rule"] in "1234"]) == 7 + 7 + 25 + 3


def test_parse_checks_seeded_t4_failure_printed_total_zero():
    # printed 总计 0 where the parts add to 11: fail, and the printed 0 is not repaired
    vals = [5, 3, 2, 1, 0] + [0] * 10
    cells = t3_cells() + t4_cells(vals)
    ch = by(hard_checks(cells, "2019"), "4")
    assert ch["review"]["status"] == "fail"
    assert (ch["review"]["expected"], ch["review"]["found"]) == (11, 0)
    assert ch["suit_direct"]["status"] == "pass"
    assert [x["value"] for x in cells if (x["row"], x["col"]) == ("review", "total")] == [0]


def test_parse_checks_seeded_t3_total_21_rows_27():
    vals = {"new_received": [27, 0, 0, 0, 0, 0, 27], "granted": [20, 0, 0, 0, 0, 0, 20],
            "partially_granted": [7, 0, 0, 0, 0, 0, 7], "total_processed": [21, 0, 0, 0, 0, 0, 21]}
    ch = hard_checks(t3_cells(values=vals) + t4_cells(), "2019")
    r2 = by(ch, "2")
    assert r2["natural_person"]["status"] == "fail" and r2["natural_person"]["expected"] == 27
    assert r2["natural_person"]["found"] == 21
    assert by(ch, "1")["total"]["status"] == "fail"  # 27 + 0 != 21 + 0
    assert by(ch, "3")["total_processed"]["status"] == "pass"


def test_parse_checks_blank_is_not_assessable_never_zero():
    vals = {"denied_third_party": [0, 0, 0, 0, 0, None, 0]}
    ch = hard_checks(t3_cells(values=vals) + t4_cells(), "2019")
    assert by(ch, "3")["denied_third_party"]["status"] == "not_assessable"
    assert by(ch, "2")["other_org"]["status"] == "not_assessable"
    assert "blank" in by(ch, "2")["other_org"]["message"]
    assert by(ch, "2")["natural_person"]["status"] == "pass"


def test_parse_checks_placeholder_and_missing_cells_not_assessable():
    cells = [x for x in t3_cells() if not (x["row"] == "carried_over" and x["col"] == "total")]
    for x in cells:
        if (x["row"], x["col"]) == ("new_received", "total"):
            x.update(value=None, raw="/")
    ch = hard_checks(cells + t4_cells(), "2019")
    assert by(ch, "1")["total"]["status"] == "not_assessable"
    assert "missing" in by(ch, "1")["total"]["message"] and "'/'" in by(ch, "1")["total"]["message"]
    assert by(ch, "4")["review"]["status"] == "pass"


def test_parse_checks_rule5_non_negative_integers():
    cells = t3_cells(values={"granted": [-1, 0, 0, 0, 0, 0, -1]}) + t4_cells()
    cells += [c("t2", "licensing", "change", -18), c("t2", "licensing", "prev_items", 40),
              c("t2", "procurement", "amount", 2823.12)]
    r5 = by(hard_checks(cells, "2019"), "5")
    assert r5["t3"]["status"] == "fail" and "granted.natural_person=-1" in r5["t3"]["message"]
    assert r5["t2"]["status"] == "pass"  # signed 本年增/减 and money are exempt
    assert r5["t4"]["status"] == "pass"


def test_parse_checks_no_cells_for_pre2019():
    assert hard_checks([], "pre2019") == []
    ch = hard_checks([], "2021")
    assert ch and all(x["status"] == "not_assessable" for x in ch)


def test_parse_checks_narrative_soft():
    cells = t3_cells(values={"new_received": [7, 0, 0, 0, 0, 0, 7], "total_processed": [7, 0, 0, 0, 0, 0, 7],
                             "granted": [7, 0, 0, 0, 0, 0, 7]}) + t4_cells([1, 0, 0, 0, 1] + [0] * 10)
    text = "收到公民、法人和其他组织政府信息公开申请9件，及时规范答复7件。因依申请公开引发行政复议1起、行政诉讼2起。"
    ch = {x["scope"]: x for x in narrative_checks(text, cells, "2021")}
    assert ch["t3.new_received.total"]["status"] == "warn"
    assert (ch["t3.new_received.total"]["expected"], ch["t3.new_received.total"]["found"]) == (9, 7)
    assert ch["t3.total_processed.total"]["status"] == "pass"
    assert ch["t4.review.total"]["status"] == "pass"
    assert ch["t4.suit_direct.total+t4.suit_after_review.total"]["status"] == "warn"
    assert all(x["level"] == "soft" and x["rule"] == "9" for x in ch.values())
    zero = narrative_checks("2020年我局未收到政府信息公开申请。", cells, "2019")
    assert zero[0]["expected"] == 0 and zero[0]["status"] == "warn"


def test_parse_checks_fee_statement():
    assert fee_statement_check("本年度没有产生信息公开处理费。", "2021")[0]["status"] == "pass"
    assert fee_statement_check("无。", "2021")[0]["status"] == "warn"
    assert fee_statement_check(None, "2021")[0]["found"] == "section 六 missing"
    assert fee_statement_check("无。", "2019") == []


def test_parse_cross_year_checks():
    def report(year, template, t3=None, t2=()):
        return {"year": year, "template": template, "cells": t3_cells(values=t3 or {}) + list(t2)}
    r2019 = report(2019, "2019", {"carried_forward": [2, 0, 0, 0, 0, 0, 2]},
                   [c("t2", "licensing", "prev_items", 40), c("t2", "licensing", "change", -18)])
    r2020 = report(2020, "2019", {"carried_over": [2, 0, 0, 0, 0, 0, 3]},
                   [c("t2", "licensing", "prev_items", 22), c("t2", "licensing", "change", 1)])
    r2021 = report(2021, "2021", {}, [c("t2", "normative_documents", "in_force", 10)])
    r2022 = report(2022, "2021", {}, [c("t2", "normative_documents", "in_force", 12),
                                      c("t2", "normative_documents", "issued", 4),
                                      c("t2", "normative_documents", "repealed", 1)])
    ch = cross_year_checks([r2022, r2019, r2021, r2020])
    six = {(x["year"], x["scope"]): x for x in ch if x["rule"] == "6"}
    assert six[(2020, "natural_person")]["status"] == "pass"
    assert six[(2020, "total")]["status"] == "warn" and six[(2020, "total")]["found"] == 3
    seven = {(x["year"], x["scope"]): x for x in ch if x["rule"] == "7"}
    assert seven[(2020, "licensing")]["status"] == "pass"  # 22 = 40 + (-18)
    assert seven[(2020, "penalties")]["status"] == "not_assessable"
    eight = {(x["year"], x["scope"]): x for x in ch if x["rule"] == "8"}
    assert eight[(2022, "normative_documents")]["status"] == "warn"  # 12 != 10 + 4 - 1
    assert eight[(2022, "normative_documents")]["expected"] == 13
    assert all(x["level"] == "soft" for x in ch)
    assert not [x for x in ch if x["rule"] == "7" and x["year"] == 2022]
