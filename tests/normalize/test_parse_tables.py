"""Table mapping: label variants, ragged rows, grids, page breaks, values, money, remarks."""
from __future__ import annotations

import pytest

from normalize import codebook
from normalize.document import Document, Paragraph, Table
from normalize.extract.textdump import read_textdump
from normalize.parse import parse_document
from normalize.tables import align, money, split_row

T3_2019_LABELS = [
    ("一、本年新收政府信息公开申请数量",), ("二、上年结转政府信息公开申请数量",),
    ("三、本年度办理结果", "（一）予以公开"), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）",),
    ("（三）不予公开", "1.属于国家秘密"), ("2.其他法律行政法规禁止公开",), ("3.危及“三安全一稳定”",),
    ("4.保护第三方合法权益",), ("5.属于三类内部事务信息",), ("6.属于四类过程性信息",), ("7.属于行政执法案卷",),
    ("8.属于行政查询事项",), ("（四）无法提供", "1.本机关不掌握相关政府信息"), ("2.没有现成信息需要另行制作",),
    ("3.补正后申请内容仍不明确",), ("（五）不予处理", "1.信访举报投诉类申请"), ("2.重复申请",), ("3.要求提供公开出版物",),
    ("4.无正当理由大量反复申请",), ("5.要求行政机关确认或重新出具已获取信息",), ("（六）其他处理",), ("（七）总计",),
    ("四、结转下年度继续办理",),
]
T3_HEADER = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
             ["", "自然人", "法人或其他组织", "总计"],
             ["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]]
T2_2019 = [["第二十条第（一）项"], ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
           ["规章", "1", "1", "9"], ["规范性文件", "2", "2", "30"],
           ["第二十条第（五）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
           ["行政许可", "40", "-18", "1200"], ["其他对外管理服务事项", "3", "0", "5"],
           ["第二十条第（六）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
           ["行政处罚", "10", "2", "300"], ["行政强制", "1", "0", "4"],
           ["第二十条第（八）项"], ["信息内容", "上一年项目数量", "本年增/减"], ["行政事业性收费", "0", "0"],
           ["第二十条第（九）项"], ["信息内容", "采购项目数量", "采购总金额"], ["政府集中采购", "3", "251000元"]]
T4_HEADER = [["行政复议", "行政诉讼"],
             ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
             ["", "", "", "", "", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "结果维持", "结果纠正", "其他结果",
              "尚未审结", "总计"]]
T4_ZERO = [["0"] * 15]


def ragged_2019(labels=None, values=None, t2=None, t4=None) -> Document:
    """A 2019 report as a cell-per-line text dump would give it (ragged rows)."""
    labels = labels or T3_2019_LABELS
    values = values or {}
    t3 = [list(r) for r in T3_HEADER]
    for i, lab in enumerate(labels):
        lead = [""] * (0 if i < 3 or i == len(labels) - 1 else (1 if len(lab) == 1 and not lab[0][0].isdigit() else 2 - len(lab) + 1))
        t3.append(lead + list(lab) + list(values.get(i, ["0"] * 7)))
    return Document(blocks=[
        Paragraph("某某市某某局2020年政府信息公开工作年度报告"),
        Paragraph("一、总体情况"), Paragraph("正文。"),
        Paragraph("二、主动公开政府信息情况"), Table(rows=t2 or T2_2019, index=0, ragged=True),
        Paragraph("三、收到和处理政府信息公开申请情况"), Table(rows=t3, index=1, ragged=True),
        Paragraph("四、政府信息公开行政复议、行政诉讼情况"), Table(rows=T4_HEADER + (t4 or T4_ZERO), index=2, ragged=True),
        Paragraph("五、存在的主要问题及改进情况"), Paragraph("问题。"),
        Paragraph("六、其他需要报告的事项"), Paragraph("无。"),
    ], format="text")


def cellmap(res, table=None):
    return {(c["table"], c["row"], c["col"]): c for c in res["cells"] if table in (None, c["table"])}


def issues(res, rule):
    return [i for i in res["issues"] if i["rule"] == rule]


# ---------------------------------------------------------------------------------------------


def test_parse_synthetic_2019_baseline():
    res = parse_document(ragged_2019())
    assert res["template"] == "2019" and res["t3_rows"] == "2019"
    cm = cellmap(res)
    assert len([c for c in res["cells"] if c["table"] == "t3"]) == 23 * 7
    assert cm[("t2", "licensing", "change")]["value"] == -18
    assert cm[("t2", "normative_documents", "published_total")]["value"] == 30
    amount = cm[("t2", "procurement", "amount")]
    assert amount["value"] == 25.1 and amount["raw"] == "251000元" and amount["unit"] == "万元"
    assert not [i for i in res["issues"] if i["level"] != "info"], res["issues"]
    assert all(c["status"] == "pass" for c in res["checks"] if c["level"] == "hard")


@pytest.mark.parametrize("variant,code", [
    ("2.其他法律行政止公开", "denied_prohibited"),            # typo
    ("2、其他法律行政法规禁止公开", "denied_prohibited"),        # 1、 numbering
    ("2．其他法律行政法规禁止公开", "denied_prohibited"),        # full-width dot
    ("2. 其他法律行政法规 禁止公开", "denied_prohibited"),      # spacing
    ("其他法律行政法规禁止公开", "denied_prohibited"),          # number lost
    ("2.其他法律\n行政法规\n禁止公开", "denied_prohibited"),   # split over lines
])
def test_parse_t3_label_variants(variant, code):
    labels = list(T3_2019_LABELS)
    labels[5] = (variant,)
    vals = {5: ["1", "0", "0", "0", "0", "0", "1"]}
    res = parse_document(ragged_2019(labels, vals))
    assert cellmap(res)[("t3", code, "natural_person")]["value"] == 1
    assert not issues(res, "unknown_row") and not issues(res, "missing_row")


@pytest.mark.parametrize("variant", ["(一) 予以公开", "(一)予以公开", "（一） 予以公开", "(一)、予以公开"])
def test_parse_t3_paren_numbering_variants(variant):
    labels = list(T3_2019_LABELS)
    labels[2] = ("三、本年度办理结果", variant)
    res = parse_document(ragged_2019(labels, {2: ["3", "0", "0", "0", "0", "0", "3"]}))
    assert cellmap(res)[("t3", "granted", "total")]["value"] == 3
    assert not issues(res, "missing_row")


def test_parse_t3_abbreviated_six_2019():
    labels = list(T3_2019_LABELS)
    labels[20] = ("(六) 其他",)
    res = parse_document(ragged_2019(labels, {20: ["0", "0", "0", "0", "0", "0", "0"]}))
    assert ("t3", "other", "total") in cellmap(res)
    assert not issues(res, "missing_row") and not issues(res, "unknown_row")


def test_parse_t3_damaged_label_placed_by_order():
    labels = list(T3_2019_LABELS)
    labels[8] = ("5.▇▇▇▇▇",)  # unreadable label between 4. and 6.
    res = parse_document(ragged_2019(labels, {8: ["4", "0", "0", "0", "0", "0", "4"]}))
    assert cellmap(res)[("t3", "denied_internal_affairs", "natural_person")]["value"] == 4
    placed = issues(res, "row_placed_by_order")
    assert placed and placed[0]["row"] == "denied_internal_affairs" and placed[0]["level"] == "warning"


def test_parse_t3_unrecognised_row_not_guessed_when_ambiguous():
    labels = list(T3_2019_LABELS)
    labels[8] = ("▇▇▇",)
    labels[9] = ("▇▇▇▇",)  # two damaged rows in a row: order cannot place them with confidence
    res = parse_document(ragged_2019(labels, {8: ["4"] + ["0"] * 5 + ["4"], 9: ["5"] + ["0"] * 5 + ["5"]}))
    cm = cellmap(res)
    assert ("t3", "denied_internal_affairs", "total") not in cm
    assert ("t3", "denied_process_info", "total") not in cm
    assert len(issues(res, "unknown_row")) == 2
    assert {i["row"] for i in issues(res, "missing_row")} == {"denied_internal_affairs", "denied_process_info"}


def test_parse_extra_cells_disagreeing_are_not_placed():
    vals = {0: ["9", "5", "0", "0", "0", "0", "0", "5"]}  # 8 cells for 7 columns, alignments disagree
    res = parse_document(ragged_2019(values=vals))
    cm = cellmap(res)
    row = {col: cm.get(("t3", "new_received", col)) for col in codebook.column_codes("t3", "2019")}
    # offsets 0 and 1 agree only where both windows show the same printed text
    assert row["natural_person"] is None and row["commercial"] is None
    assert row["research"]["value"] == 0 and row["legal_services"]["value"] == 0
    assert row["total"] is None  # 0 vs 5
    extra = issues(res, "extra_cells")
    assert extra and "disagree" in extra[0]["message"]
    assert {i["col"] for i in issues(res, "cell_not_placed")} == {"natural_person", "commercial", "total"}
    # identities that need the unplaced cells are not assessable, never guessed
    chk = {(c["rule"], c["scope"]): c["status"] for c in res["checks"]}
    assert chk[("3", "new_received")] == "not_assessable"


def test_parse_fewer_cells_placed_left_and_flagged():
    res = parse_document(ragged_2019(values={1: ["0", "0", "0", "0", "0"]}))
    cm = cellmap(res)
    assert cm[("t3", "carried_over", "natural_person")]["value"] == 0
    assert ("t3", "carried_over", "other_org") not in cm and ("t3", "carried_over", "total") not in cm
    assert issues(res, "missing_cells")[0]["row"] == "carried_over"


def test_parse_padding_empty_cells_are_trimmed():
    res = parse_document(ragged_2019(values={0: ["", "1", "0", "0", "0", "0", "0", "1", ""]}))
    cm = cellmap(res)
    assert cm[("t3", "new_received", "natural_person")]["value"] == 1
    assert cm[("t3", "new_received", "total")]["value"] == 1
    assert not issues(res, "extra_cells")


def test_parse_placeholders_kept_raw_value_null():
    res = parse_document(ragged_2019(values={1: ["/", "—", "无", "-", "", "0", "0"]}))
    cm = cellmap(res)
    got = [(cm[("t3", "carried_over", c)]["raw"], cm[("t3", "carried_over", c)]["value"])
           for c in ("natural_person", "commercial", "research", "social_welfare", "legal_services")]
    assert got == [("/", None), ("—", None), ("无", None), ("-", None), ("", None)]


def test_parse_unreadable_value_is_not_invented():
    res = parse_document(ragged_2019(values={0: ["约5", "0", "0", "0", "0", "0", "5"]}))
    c = cellmap(res)[("t3", "new_received", "natural_person")]
    assert c["value"] is None and c["raw"] == "约5"
    assert issues(res, "unreadable_value")


def test_parse_broken_row_label_then_values():
    rows = [list(r) for r in T3_HEADER]
    for i, lab in enumerate(T3_2019_LABELS):
        if i == 10:  # 7.属于行政执法案卷 on its own line, values on the next
            rows.append(["7.属于行政执法案卷"])
            rows.append(["2", "0", "0", "0", "0", "0", "2"])
        else:
            rows.append(list(lab) + ["0"] * 7)
    doc = ragged_2019()
    doc.blocks[6] = Table(rows=rows, index=1, ragged=True)
    res = parse_document(doc)
    assert cellmap(res)[("t3", "denied_enforcement_file", "total")]["value"] == 2
    assert issues(res, "row_joined")


def test_parse_t2_other_rows_and_explanations():
    t2 = [list(r) for r in T2_2019]
    t2[2] = ["规章（设区的市、自治州人民政府应提供相关数据）", "1", "1", "9"]
    t2.insert(4, ["其他主动公开文件", "7", "7", "7"])
    res = parse_document(ragged_2019(t2=t2))
    cm = cellmap(res)
    assert cm[("t2", "regulations", "published_total")]["value"] == 9
    unk = issues(res, "unknown_row")
    assert unk and unk[0]["level"] == "info" and "其他主动公开文件" in unk[0]["message"]


@pytest.mark.parametrize("raw,template,value,problem", [
    ("4844万元", "2019", 4844, None),
    ("0万元", "2019", 0, None),
    ("2823.12万", "2019", 2823.12, None),
    ("0", "2019", 0, None),
    ("5728300（单位：元）", "2019", 572.83, None),
    ("251000元", "2019", 25.1, None),
    ("75394432.52元", "2019", 7539.443252, None),
    ("150", "2019", None, "amount_unit_unknown"),   # no unit prescribed in 2019: not guessed
    ("0.000000", "2021", 0, None),
    ("1.234567", "2021", 1.234567, None),          # 2021 header prescribes 万元
    ("/", "2019", None, None),
])
def test_parse_money_units(raw, template, value, problem):
    from normalize.labels import dec_to_py
    wan, remark, prob = money(raw, "万元" if template == "2021" else None)
    assert dec_to_py(wan) == value
    assert prob == problem


def test_parse_money_cell_keeps_raw_and_converts():
    t2 = [list(r) for r in T2_2019]
    t2[-1] = ["政府集中采购", "10", "5728300（单位：元）"]
    c = cellmap(parse_document(ragged_2019(t2=t2)))[("t2", "procurement", "amount")]
    assert c["value"] == 572.83 and c["raw"] == "5728300（单位：元）" and c["unit"] == "万元"
    assert "元" in c["remark"]


def test_parse_money_header_unit_in_yuan():
    t2 = [list(r) for r in T2_2019]
    t2[-2] = ["信息内容", "采购项目数量", "采购总金额（元）"]
    t2[-1] = ["政府集中采购", "2", "300000"]
    c = cellmap(parse_document(ragged_2019(t2=t2)))[("t2", "procurement", "amount")]
    assert c["value"] == 30 and c["raw"] == "300000"


# ---------------------------------------------------------------------------------------------
# 2021 grids (spans repeated), as HTML / DOCX extraction gives them

T3_2021_LABELS = [lab for lab in codebook.rows("t3", "2021")]


def grid_2021(t3_values=None, t2_rows=None, six_single=False, split_at=None) -> Document:
    t3_values = t3_values or {}
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    head = [[note] * 3 + ["申请人情况"] * 7,
            [note] * 3 + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"],
            [note] * 3 + ["自然人", "商业\n企业", "科研\n机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    rows = []
    entries = codebook.rows("t3", "2019" if six_single else "2021")
    for e in entries:
        vals = t3_values.get(e.code, ["0"] * 7)
        if e.group == "":
            lab = [e.label_zh] * 3
        elif e.group == "三、本年度办理结果":
            lab = [e.group, e.label_zh, e.label_zh]
        else:
            lab = ["三、本年度办理结果", e.group, e.label_zh]
        rows.append(lab + list(vals))
    t2 = t2_rows or [
        ["第二十条第（一）项"] * 4, ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "0"], ["行政规范性文件", "22（其中修订16件）", "4", "55（含自然失效29件）"],
        ["第二十条第（五）项"] * 4, ["信息内容"] + ["本年处理决定数量"] * 3, ["行政许可", "3", "3", "3"],
        ["第二十条第（六）项"] * 4, ["信息内容"] + ["本年处理决定数量"] * 3, ["行政处罚", "0", "0", "0"],
        ["行政强制", "0", "0", "0"],
        ["第二十条第（八）项"] * 4, ["信息内容"] + ["本年收费金额（单位：万元）"] * 3, ["行政事业性收费"] + ["0.012300"] * 3,
    ]
    t4 = [["行政复议"] * 5 + ["行政诉讼"] * 10,
          ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
          ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3,
          ["1", "0", "0", "0", "1"] + ["0"] * 5 + ["0", "0", "1", "0", "1"]]
    blocks = [Paragraph("某某区某某局2022年政府信息公开工作年度报告"), Paragraph("一、总体情况"),
              Paragraph("2022年，收到政府信息公开申请0件。"),
              Paragraph("二、主动公开政府信息情况"), Table(rows=t2, index=0)]
    blocks.append(Paragraph("三、收到和处理政府信息公开申请情况"))
    if split_at is None:
        blocks.append(Table(rows=head + rows, index=1))
        t4i = 2
    else:
        # page break in the middle of a group, header repeated, a different grid width on page 2
        second = [r[1:] for r in head] + [r[1:] for r in rows[split_at:]]
        blocks += [Table(rows=head + rows[:split_at], index=1, page=1),
                   Paragraph("- 3 -"), Table(rows=second, index=2, page=2)]
        t4i = 3
    blocks += [Paragraph("四、政府信息公开行政复议、行政诉讼情况"), Table(rows=t4, index=t4i),
               Paragraph("五、存在的主要问题及改进情况"), Paragraph("问题。"),
               Paragraph("六、其他需要报告的事项"), Paragraph("本年度未收取信息处理费。")]
    return Document(blocks=blocks, format="html")


def test_parse_grid_2021_spans_and_remarks():
    res = parse_document(grid_2021())
    assert res["template"] == "2021" and res["t3_rows"] == "2021"
    cm = cellmap(res)
    nd = cm[("t2", "normative_documents", "issued")]
    assert (nd["value"], nd["remark"], nd["raw"]) == (22, "其中修订16件", "22（其中修订16件）")
    assert cm[("t2", "normative_documents", "in_force")]["remark"] == "含自然失效29件"
    lic = cm[("t2", "licensing", "decisions")]
    assert lic["value"] == 3 and lic["grid_col"] == 1  # merged cell read once
    fee = cm[("t2", "fees", "amount")]
    assert fee["value"] == 0.0123 and fee["unit"] == "万元" and fee["raw"] == "0.012300"
    assert len([c for c in res["cells"] if c["table"] == "t3"]) == 25 * 7
    assert cm[("t3", "other_misc", "total")]["grid_col"] == 9
    assert cm[("t4", "suit_after_review", "other")]["value"] == 1
    assert not [i for i in res["issues"] if i["level"] != "info"], res["issues"]
    assert all(c["status"] == "pass" for c in res["checks"])


def test_parse_mixture_2021_table2_with_2019_single_six():
    res = parse_document(grid_2021(six_single=True))
    assert res["template"] == "2021" and res["t3_rows"] == "2019"
    cm = cellmap(res)
    assert ("t3", "other", "total") in cm and ("t3", "other_misc", "total") not in cm
    assert ("t2", "normative_documents", "in_force") in cm
    assert issues(res, "template_mixture")
    assert len([c for c in res["checks"] if c["rule"] == "3"]) == 23


def test_parse_grid_table_broken_across_pages():
    vals = {"denied_internal_affairs": ["2", "0", "0", "0", "0", "0", "2"],
            "new_received": ["2", "0", "0", "0", "0", "0", "2"],
            "total_processed": ["2", "0", "0", "0", "0", "0", "2"]}
    res = parse_document(grid_2021(t3_values=vals, split_at=7))  # after 3.危及…, inside （三）不予公开
    cm = cellmap(res)
    c = cm[("t3", "denied_internal_affairs", "total")]
    assert c["value"] == 2 and c["page"] == 2 and c["table_index"] == 2 and c["grid_col"] == 8
    assert len([c for c in res["cells"] if c["table"] == "t3"]) == 25 * 7
    assert not issues(res, "missing_row") and not issues(res, "duplicate_row")
    assert all(c["status"] == "pass" for c in res["checks"] if c["level"] == "hard")


def test_parse_2021_t2_label_variants():
    t2 = [["第二十条 第（一）项"] * 4, ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
          ["规章（设区的市、自治州人民政府应提供相关数据）", "0", "0", "0"], ["规范性文件", "1", "0", "7"],
          ["第二十条 第（五）项"] * 4, ["信息内容"] + ["本年处理决定数量"] * 3, ["行政许可", "3", "3", "3"],
          ["第二十条 第（六）项"] * 4, ["信息内容"] + ["本年处理决定数量"] * 3, ["行政处罚", "0", "0", "0"],
          ["行政强制", "0", "0", "0"],
          ["第二十条 第（八）项"] * 4, ["信息内容"] + ["本年收费金额（单位：万元）"] * 3, ["行政事业性收费"] + ["0"] * 3]
    cm = cellmap(parse_document(grid_2021(t2_rows=t2)))
    assert cm[("t2", "normative_documents", "in_force")]["value"] == 7
    assert cm[("t2", "regulations", "issued")]["value"] == 0


# ---------------------------------------------------------------------------------------------
# helpers


def test_parse_split_row_labels_then_values():
    labels, values = split_row(["", "（三）不予公开", "1.属于国家秘密", "", "0", "3"])
    assert [t for _, t in labels] == ["（三）不予公开", "1.属于国家秘密"]
    assert [t for _, t in values] == ["", "0", "3"]
    labels, values = split_row(["7.属于行政执法案卷", "", "0", "0"])
    assert [t for _, t in values] == ["", "0", "0"]


def test_parse_align_rules():
    v = [(i, s) for i, s in enumerate(["0"] * 8)]
    al = align(v, 7)
    assert al.problem == "extra_cells" and all(p is not None for p in al.placed) and al.placed[0][0] == 1
    al = align([(0, ""), (1, "1"), (2, "2"), (3, "")], 2)
    assert al.problem is None and [p[1] for p in al.placed] == ["1", "2"]
    al = align([(0, "1")], 3)
    assert al.problem == "missing_cells" and al.placed[1:] == [None, None]


def test_parse_textdump_2019_seed_like_dump_end_to_end():
    text = ("某局2020年政府信息公开工作年度报告\n一、总体情况\n正文\n三、收到和处理政府信息公开申请情况\n"
            "\t（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n\t申请人情况\n\n"
            "\t一、本年新收政府信息\n公开申请数量\n" + "\t1\n" * 6 + "\t6\n\n")
    res = parse_document(read_textdump(text))
    assert cellmap(res)[("t3", "new_received", "total")]["value"] == 6


def test_parse_grid_row_broken_over_page_break():
    d = grid_2021(t3_values={"denied_internal_affairs": ["2", "0", "0", "0", "0", "0", "2"],
                             "new_received": ["2", "0", "0", "0", "0", "0", "2"],
                             "total_processed": ["2", "0", "0", "0", "0", "0", "2"]}, split_at=9)
    # the row 5.属于三类内部事务信息 is cut: its label stays on page 1, its values go to page 2
    t1, t2 = d.tables[1], d.tables[2]
    label_row = t1.rows[-1]
    assert "5.属于三类内部事务信息" in label_row[2]
    vals = label_row[3:]
    t1.rows[-1] = label_row[:3] + [""] * 7
    t2.rows.insert(3, ["", ""] + vals)
    res = parse_document(d)
    c = cellmap(res)[("t3", "denied_internal_affairs", "total")]
    assert (c["value"], c["page"], c["table_index"], c["grid_row"], c["grid_col"]) == (2, 2, 2, 3, 8)
    assert issues(res, "row_joined")
    assert all(x["status"] == "pass" for x in res["checks"] if x["level"] == "hard")
