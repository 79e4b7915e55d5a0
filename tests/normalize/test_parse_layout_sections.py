"""Template detection and section finding."""
from __future__ import annotations

from normalize.document import Document, Paragraph, Table
from normalize.layout import detect
from normalize.sections import find_sections, heading_of

T2_2019 = [["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "0", "0", "0"],
           ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"]]
T2_2021 = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "0", "0", "0"],
           ["信息内容", "本年处理决定数量"], ["信息内容", "本年收费金额（单位：万元）"]]
T3_SIX_2019 = [["一、本年新收政府信息公开申请数量", "0"], ["（六）其他处理", "0", "0"], ["（七）总计", "0"]]
T3_SIX_2021 = [["一、本年新收政府信息公开申请数量", "0"],
               ["（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "0"],
               ["2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "0"], ["3.其他", "0"]]


def doc(*tables, text=()):
    return Document(blocks=[Paragraph(t) for t in text] + [Table(rows=t, index=i) for i, t in enumerate(tables)])


def test_parse_layout_2019():
    lay = detect(doc(T2_2019, T3_SIX_2019))
    assert (lay["template"], lay["t2"], lay["t3_rows"], lay["mixture"]) == ("2019", "2019", "2019", False)


def test_parse_layout_2021():
    lay = detect(doc(T2_2021, T3_SIX_2021))
    assert (lay["template"], lay["t3_rows"], lay["mixture"]) == ("2021", "2021", False)


def test_parse_layout_mixture_2021_t2_with_single_six():
    lay = detect(doc(T2_2021, T3_SIX_2019))
    assert (lay["template"], lay["t2"], lay["t3_rows"], lay["mixture"]) == ("2021", "2021", "2019", True)


def test_parse_layout_table3_only():
    assert detect(doc(T3_SIX_2021))["template"] == "2021"
    assert detect(doc(T3_SIX_2019))["template"] == "2019"


def test_parse_layout_not_from_year():
    # a 2020 report (by its title) printed on the 2021 tables is 2021 by its markers
    d = doc(T2_2021, T3_SIX_2021, text=["某局2020年政府信息公开工作年度报告"])
    assert detect(d)["template"] == "2021"


def test_parse_layout_pre2019_and_unknown():
    pre = doc(text=["某局2015年政府信息公开工作年度报告", "一、概述", "二、主动公开政府信息的情况",
                    "五、政府信息公开的收费及减免情况"])
    assert detect(pre)["template"] == "pre2019"
    assert detect(doc(text=["某局2020年政府信息公开工作年度报告", "详见附件。"]))["template"] == "unknown"


# ---------------------------------------------------------------------------------------------
# sections


def paras(*lines):
    return Document(blocks=[Paragraph(t) for t in lines])


STD = ["一、总体情况", "总体正文。", "二、主动公开政府信息情况", "主动正文。", "三、收到和处理政府信息公开申请情况", "申请正文。",
       "四、政府信息公开行政复议、行政诉讼情况", "复议正文。", "五、存在的主要问题及改进情况", "问题正文。",
       "六、其他需要报告的事项", "其他正文。"]


def test_parse_sections_standard():
    s = find_sections(paras("某局2021年政府信息公开工作年度报告", *STD))
    assert s == {"overview": "总体正文。", "proactive": "主动正文。", "requests": "申请正文。",
                 "review_litigation": "复议正文。", "problems": "问题正文。", "other": "其他正文。"}


def test_parse_sections_skip_table_of_contents():
    toc = ["目录", "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
           "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    s = find_sections(paras("标题", *toc, *STD))
    assert s["overview"] == "总体正文。" and s["other"] == "其他正文。" and s["proactive"] == "主动正文。"


def test_parse_sections_intro_naming_all_six_is_not_a_heading():
    intro = ("本报告全文由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、"
             "存在的主要问题及改进情况、其他需要报告的事项六个部分组成。")
    s = find_sections(paras(intro, *STD))
    assert s["overview"] == "总体正文。"
    assert heading_of(intro) is None


def test_parse_sections_variant_headings():
    lines = ["1、 总体情况", "a", "（一）主动公开情况", "a2", "2、 主动公开政府信息情况", "b",
             "收到和处理政府信息公开申请情况", "c", "四、因政府信息公开工作被申请行政复议和提起行政诉讼情况", "d",
             "5、 存在主要问题及改进情况", "e", "其他需要报告的事项", "f"]
    s = find_sections(paras(*lines))
    assert s == {"overview": "a\n（一）主动公开情况\na2", "proactive": "b", "requests": "c", "review_litigation": "d",
                 "problems": "e", "other": "f"}


def test_parse_sections_typo_and_five_variants():
    assert heading_of("四、政府信息公开行政法复议、行政诉讼情况")[0] == "review_litigation"
    assert heading_of("四、政府信息公开行政复议和行政诉讼情况")[0] == "review_litigation"
    assert heading_of("五、政府信息公开工作存在的主要问题及改进情况")[0] == "problems"
    assert heading_of("五、存在的主要问题及整改措施")[0] == "problems"
    assert heading_of("（一）存在的主要问题") is None  # a sub-item of 五
    assert heading_of("（一）主动公开情况") is None


def test_parse_sections_five_split_into_parts():
    lines = STD[:8] + ["五、存在的主要问题及改进情况", "（一）存在的主要问题", "问题。", "（二）改进情况", "改进。"] + STD[10:]
    s = find_sections(paras(*lines))
    assert s["problems"] == "（一）存在的主要问题\n问题。\n（二）改进情况\n改进。"


def test_parse_sections_long_numbered_heading_line():
    s = find_sections(paras("一、总体情况。2020年我局认真贯彻落实条例，全面推进政务公开。", "更多。", *STD[2:]))
    assert s["overview"] == "2020年我局认真贯彻落实条例，全面推进政务公开。\n更多。"


def test_parse_sections_renumbered_statistical_tables():
    # narrative sections 一…六 of the agency's own, then the statistics numbered 一、二、三 again
    lines = ["一、总体情况", "总体。", "二、主动公开情况综述", "综述。", "五、存在的主要问题及改进情况", "问题。",
             "六、其他需要报告的事项", "无。"]
    blocks = [Paragraph(t) for t in lines]
    blocks += [Paragraph("一、主动公开政府信息情况"), Table(rows=[["信息内容", "本年制发件数"], ["规章", "0"]]),
               Paragraph("二、收到和处理政府信息公开申请情况"), Table(rows=[["一、本年新收政府信息公开申请数量", "0"]]),
               Paragraph("三、政府信息公开行政复议、行政诉讼情况"), Table(rows=[["0"] * 15])]
    s = find_sections(Document(blocks=blocks))
    assert s["other"] == "无。"
    assert "本年制发件数" in s["proactive"]
    assert "本年新收" in s["requests"]
    assert s["review_litigation"].startswith("0\t0")


def test_parse_sections_signature_not_in_last_section():
    s = find_sections(paras(*STD, "某某市某某局", "2021年1月26日"))
    assert s["other"] == "其他正文。"


def test_parse_sections_unnumbered_list_intro_is_not_a_heading():
    lines = STD[:2] + ["主动公开政府信息情况如下：", "列表。"] + STD[2:]
    s = find_sections(paras(*lines))
    assert s["overview"] == "总体正文。\n主动公开政府信息情况如下：\n列表。"
    assert s["proactive"] == "主动正文。"


def test_parse_sections_pre2019_headings():
    lines = ["一、概述", "概述正文。", "二、主动公开政府信息的情况", "主动。", "三、依申请公开政府信息和不予公开政府信息的情况", "申请。",
             "四、政府信息公开的收费及减免情况", "收费。", "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "复议。",
             "六、政府信息公开工作存在的主要问题和改进措施", "问题。", "七、其他需要报告的事项", "无。"]
    s = find_sections(paras(*lines))
    assert s["overview"] == "概述正文。" and s["proactive"] == "主动。"
    assert s["requests"] == "申请。" and s["fees"] == "收费。"  # 收费及减免 has its own code
    assert s["review_litigation"] == "复议。" and s["problems"] == "问题。" and s["other"] == "无。"


def test_parse_pre2019_report_has_sections_no_cells():
    from normalize.parse import parse_document
    d = paras("某某市人民政府2015年政府信息公开工作年度报告", "一、概述", "概述正文。", "二、主动公开政府信息情况", "共主动公开政府信息120条。",
              "三、依申请公开政府信息情况", "受理申请5件。", "四、政府信息公开的收费及减免情况", "未收取费用。",
              "五、因政府信息公开申请行政复议、提起行政诉讼的情况", "无。", "六、政府信息公开工作存在的主要问题及改进情况", "问题。",
              "七、其他需要报告的事项", "无。")
    res = parse_document(d)
    assert res["template"] == "pre2019" and res["cells"] == [] and res["checks"] == []
    assert list(res["sections"]) == ["overview", "proactive", "requests", "fees", "review_litigation", "problems",
                                     "other"]
    assert res["sections"]["fees"] == "未收取费用。"
    assert not [i for i in res["issues"] if i["rule"] == "missing_sections"]
    assert (res["year"], res["agency"], res["level"]) == (2015, "某某市人民政府", "city")


def test_parse_subsection_paragraph_does_not_switch_tables():
    from normalize.tables import segment
    d = Document(blocks=[Paragraph("一、总体情况"), Paragraph("（二）依申请公开情况"),
                         Table(rows=[["当面申请", "网络申请", "合计"], ["3", "4", "7"]], index=0),
                         Paragraph("三、收到和处理政府信息公开申请情况"),
                         Table(rows=[["一、本年新收政府信息公开申请数量"] + ["0"] * 7], index=1)])
    seg = segment(d)
    assert [r.table_index for r in seg["t3"]] == [1] and not seg["t2"] and not seg["t4"]


def test_parse_sections_heading_merged_with_body_text():
    s = find_sections(paras("一、总体情况 2023年以来，我局全面推进政务公开。", *STD[2:]))
    assert s["overview"] == "2023年以来，我局全面推进政务公开。"
    s = find_sections(paras("一、 总体情况：全年主动公开信息20条。", *STD[2:]))
    assert s["overview"] == "全年主动公开信息20条。"


def test_parse_sections_skip_toc_with_page_numbers():
    toc = ["目  录", "一、总体情况……………1", "二、主动公开政府信息情况……2", "三、收到和处理政府信息公开申请情况……3",
           "四、政府信息公开行政复议、行政诉讼情况……4", "五、存在的主要问题及改进情况……5", "六、其他需要报告的事项……6"]
    s = find_sections(paras("标题", *toc, *STD))
    assert s["overview"] == "总体正文。" and s["requests"] == "申请正文。" and s["other"] == "其他正文。"
