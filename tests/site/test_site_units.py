"""Pure parts of the researchers' site: printed layout, check → cells, search terms, panel changes."""
import json

import pytest

from normalize.build import _codebook_rows
from normalize.site_tables import check_cells, grams, message_zh, passage_rows, rule_rows, split_prose_and_tables
from ogi.site.layout import draw_report_tables, label_columns, printed_cell
from ogi.site.pages import changes
from ogi.site.search import NOTHING, excerpt, grams_match


@pytest.fixture(scope="module")
def codebook():
    return _codebook_rows()


def _cells(rows):
    return [{"tbl": t, "row_code": r, "col_code": c, "value": v, "raw": str(v), "page": 3} for t, r, c, v in rows]


def test_table3_is_drawn_with_chinese_group_and_column_headers(codebook):
    drawn = draw_report_tables(codebook, _cells([("t3", "denied_state_secret", "commercial", 2)]), [], "2021", "2021")
    t3 = drawn["t3"]
    head = [[c["text"] for c in row] for row in t3["head"]]
    assert head[0][1] == "申请人情况" and t3["head"][0][1]["colspan"] == 7
    assert head[1] == ["自然人", "法人或其他组织", "总计"] and t3["head"][1][1]["colspan"] == 5
    assert head[2] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    labels = [[c["text"] for c in row if c["kind"] == "label"] for row in t3["body"]]
    assert labels[0] == ["一、本年新收政府信息公开申请数量"]
    assert labels[2] == ["三、本年度办理结果", "（一）予以公开"]
    assert labels[4] == ["（三）不予公开", "1.属于国家秘密"]           # 三、 spans from row 2 on
    results = next(c for c in t3["body"][2] if c["text"] == "三、本年度办理结果")
    assert results["rowspan"] == len([r for r in codebook if r["tbl"] == "t3" and r["kind"] == "row"
                                      and r["template"] in ("both", "2021") and r["grp"]])
    denied = next(c for c in t3["body"][4] if c["text"] == "（三）不予公开")
    assert denied["rowspan"] == 8
    value = next(c for c in t3["body"][4] if c.get("ref") == "t3.denied_state_secret.commercial")
    assert value["text"] == "2" and value["page"] == 3 and not value["missing"]
    # 2019 row set: a single （六）其他处理 row
    rows2019 = [[c["text"] for c in row if c["kind"] == "label"] for row in draw_report_tables(codebook, [], [], "2019", "2019")["t3"]["body"]]
    assert ["（六）其他处理"] in rows2019


def test_tables_2_and_4_keep_their_printed_blocks(codebook):
    drawn = draw_report_tables(codebook, _cells([("t4", "suit_direct", "upheld", 1)]), [], "2021", "2021")
    assert [b["title"] for b in drawn["t2"]] == ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]
    assert [c["text"] for c in drawn["t2"][0]["head"][1]] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    t4 = drawn["t4"]
    assert [(c["text"], c["colspan"]) for c in t4["head"][0]] == [("行政复议", 5), ("行政诉讼", 10)]
    assert [c["text"] for c in t4["head"][1]] == ["未经复议直接起诉", "复议后起诉"]
    assert len(t4["body"][0]) == 15 and t4["body"][0][5]["ref"] == "t4.suit_direct.upheld" and t4["body"][0][5]["text"] == "1"


def test_failed_check_marks_its_cells_and_the_printed_one(codebook):
    cells = _cells([("t3", "total_processed", c, 0) for c in ("natural_person", "commercial", "total")])
    chk = {"rule": "3", "scope": "total_processed", "status": "fail", "expected": "4", "found": "0",
           "cells": check_cells("3", "total_processed", "0", "2021", "2021"), "message_zh": "x"}
    drawn = draw_report_tables(codebook, cells, [chk], "2021", "2021")
    row = next(r for r in drawn["t3"]["body"] if any(c.get("ref") == "t3.total_processed.total" for c in r))
    values = [c for c in row if c["kind"] == "value"]
    assert all(c["problems"] == [chk] for c in values)
    assert printed_cell("3", "total_processed") == "t3.total_processed.total" == chk["target"]


def test_label_columns_merge_equal_prefixes():
    cells = label_columns([["a"], ["b", "x"], ["b", "g", "1"], ["b", "g", "2"], ["c"]], 3)
    assert [(c["text"], c["rowspan"], c["colspan"]) for c in cells[1]] == [("b", 3, 1), ("x", 1, 2)]
    assert [(c["text"], c["rowspan"], c["colspan"]) for c in cells[2]] == [("g", 2, 1), ("1", 1, 1)]
    assert [c["text"] for c in cells[3]] == ["2"]
    assert [(c["text"], c["colspan"]) for c in cells[4]] == [("c", 3)]


def test_check_cells_name_the_cells_each_rule_reads():
    assert check_cells("1", "commercial", None, "2021", "2021") == [
        "t3.new_received.commercial", "t3.carried_over.commercial", "t3.total_processed.commercial", "t3.carried_forward.commercial"]
    two = check_cells("2", "total", None, "2021", "2021")
    assert "t3.other_fee_unpaid.total" in two and "t3.other.total" not in two and two[-1] == "t3.total_processed.total"
    assert "t3.other.total" in check_cells("2", "total", None, "2019", "2019")
    assert check_cells("4", "review", None, "2019", None)[-1] == "t4.review.total"
    assert check_cells("5", "t3", json.dumps(["granted.total=-1"]), "2021", "2021") == ["t3.granted.total"]
    assert check_cells("9", "t4.suit_direct.total+t4.suit_after_review.total", None, "2021", "2021") == [
        "t4.suit_direct.total", "t4.suit_after_review.total"]
    assert check_cells("10", "section.other", None, "2021", "2021") == []


def test_rules_cover_every_rule_and_messages_are_chinese():
    rules = {r["id"]: r for r in rule_rows()}
    assert sorted((k for k in rules if k.isdigit()), key=int) == [str(i) for i in range(1, 11)]
    assert sorted(k for k in rules if not k.isdigit()) == ["pre1", "pre2", "pre3", "pre4"]  # pre-2019 (issue 12)
    assert all(r["name_zh"] and r["name_en"] and r["formula"] and r["description_zh"] for r in rules.values())
    msg = message_zh(rules["3"], "fail", "（七）总计", 4, 0)
    assert msg.startswith("表三申请人合计（（七）总计）") and "应为 4，实为 0" in msg
    assert "无法校验" in message_zh(rules["1"], "not_assessable", "总计", None, None)


def test_prose_and_table_text_are_split_and_indexed_apart():
    prose, table = split_prose_and_tables("共收到申请4件。\n信息内容\t本年制发件数\n规章\t0\n下一步将改进。")
    assert prose == "共收到申请4件。\n下一步将改进。" and table == "信息内容\t本年制发件数\n规章\t0"
    rows = passage_rows([{"id": 7, "report_id": "r", "code": "requests", "name_zh": "三", "text": "办结\n表\t1"}])
    assert [(r["id"], r["kind"], r["text"]) for r in rows] == [(7, "prose", "办结"), (1_000_000_007, "table", "表\t1")]
    assert grams("信息 公开\t1") == "信 息 公 开 1"
    # a merged header cell repeated in every grid position is kept once
    assert split_prose_and_tables("行政复议\t行政复议\t行政诉讼\t行政诉讼\n0\t0\t1")[1] == "行政复议\t行政诉讼\n0\t0\t1"


@pytest.mark.parametrize("query,match", [
    ("费", '"费"'), ("复议", '"复 议"'), ("信息处理费", '"信 息 处 理 费"'), ("复议 诉讼", '"复 议" "诉 讼"'),
    ('"复议"', '"复 议"'), ("PDF2023", '"P D F 2 0 2 3"'), ("，。", NOTHING), ("", NOTHING),
])
def test_any_query_becomes_a_phrase_of_characters(query, match):
    assert grams_match(query) == match


def test_excerpt_marks_the_hit_across_line_breaks():
    before, hit, after = excerpt("甲" * 60 + "信息\n处理费" + "乙" * 60, "信息处理费", width=5)
    assert (before, hit, after) == ("…甲甲甲甲甲", "信息\n处理费", "乙乙乙乙乙…")


def test_changes_are_against_the_previous_report_and_never_invent_numbers():
    ind = {"values": {"a": {"value": 3}, "b": {"value": None}, "c": {"value": 5}, "d": {"value": 2.5}}}
    assert changes(ind, ["a", "b", "c", "d"]) == [None, None, None, -2.5]
