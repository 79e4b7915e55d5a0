"""Unit tests: statistics-table shapes, text/table merge with conflicts, and the pre-2019 checks."""
from normalize.document import Document, Paragraph, Table
from normalize.indicators import extract_indicators, indicator_checks
from normalize.indicators.tables import table_statements


def coded(rows):
    return [(s.code, s.period, s.value, s.raw, s.unit) for s in table_statements(Table(rows=rows))]


def test_indicators_table_provincial_with_cumulative():
    rows = [["指标名称", "计量单位", "2011 年度", "历年累计"],
            ["主动公开信息数", "条", "425", "1516"],
            ["其中：1.网站公开", "条", "418", "1509"],
            ["受理依申请公开信息总数", "条", "0", "0"],
            ["行政复议数", "件", "", "—"]]
    assert coded(rows) == [
        ("proactive_total", "year", 425, "425", "条"), ("proactive_total", "cumulative", 1516, "1516", "条"),
        ("proactive_website", "year", 418, "418", "条"), ("proactive_website", "cumulative", 1509, "1509", "条"),
        ("requests_total", "year", 0, "0", "条"), ("requests_total", "cumulative", 0, "0", "条")]
    s = table_statements(Table(rows=rows))[2]
    assert s.sentence == "其中：1.网站公开 | 条 | 418 | 1509" and s.where == "table"


def test_indicators_table_two_columns_without_header():
    rows = [["主动公开政府信息数", "96"], ["收到申请数", "3"], ["同意公开答复数", "2"], ["说明", "无"]]
    assert [(c, v) for c, _, v, _, _ in coded(rows)] == [("proactive_total", 96), ("requests_total", 3),
                                                          ("replies_granted", 2)]


def test_indicators_table_national_2014_with_parent_context_and_code_column():
    rows = [["序号", "统计指标", "单位", "统计数"],
            ["1", "四、行政复议数量", "件", "3"],
            ["2", "（一）维持具体行政行为数", "件", "2"],
            ["3", "（三）其他情形数", "件", "1"],
            ["4", "五、行政诉讼数量", "件", "1"],
            ["5", "（三）其他情形数", "件", "1"],
            ["6", "七、依申请公开信息收取的费用", "万元", "0.05"]]
    assert [(c, v, u) for c, _, v, _, u in coded(rows)] == [
        ("admin_review", 3, "件"), ("admin_review_upheld", 2, "件"), ("admin_review_other", 1, "件"),
        ("admin_litigation", 1, "件"), ("admin_litigation_other", 1, "件"), ("fee_amount", 0.05, "万元")]


def test_indicators_text_and_table_conflict_keeps_both_and_flags_it():
    doc = Document(blocks=[
        Paragraph("2012年共受理政府信息公开申请5件，其中当面申请2件。"),
        Table(rows=[["指标名称", "计量单位", "年度"], ["受理申请总数", "件", "6"], ["当面申请数", "件", "2"],
                    ["网上申请数", "件", "4"]]),
    ], format="html")
    inds = extract_indicators(doc)
    tot = [i for i in inds if i["code"] == "requests_total"]
    primary = next(i for i in tot if i["primary"])
    assert primary["where"] == "table" and primary["value"] == 6 and primary["conflict"] == {"table": 6, "text": 5}
    assert any(i["where"] == "text" and i["value"] == 5 and not i["primary"] for i in tot)
    person = [i for i in inds if i["code"] == "requests_in_person"]
    assert [i["where"] for i in person if i["primary"]] == ["text"]  # agreeing: the text statement is primary
    chk = {(c["rule"], c["scope"]): c for c in indicator_checks(inds)}
    assert chk[("pre4", "requests_total")]["status"] == "warn"
    assert chk[("pre4", "requests_in_person")]["status"] == "pass"
    assert chk[("pre1", "requests channels")]["status"] == "pass"  # table 6 = 2 + 4


def _ind(code, value, where="table", period="year"):
    return {"code": code, "value": value, "where": where, "period": period, "primary": True, "raw": str(value)}


def test_indicators_checks_sums_and_cumulative():
    inds = [_ind("requests_total", 5), _ind("requests_in_person", 2), _ind("requests_online", 4),
            _ind("replies_total", 5), _ind("replies_granted", 3), _ind("replies_partial", 1), _ind("replies_denied", 1),
            _ind("proactive_total", 10), _ind("proactive_total", 8, period="cumulative")]
    chk = {(c["rule"], c["scope"]): c for c in indicator_checks(inds)}
    assert chk[("pre1", "requests channels")]["status"] == "fail"  # 2 + 4 > 5
    assert chk[("pre2", "reply outcomes")]["status"] == "pass"
    assert chk[("pre3", "proactive_total")]["status"] == "fail"  # year 10 > 历年累计 8


def test_indicators_checks_partial_prose_channels_not_assessable():
    inds = [_ind("requests_total", 12, "text"), _ind("requests_in_person", 5, "text")]
    (c,) = indicator_checks(inds)
    assert c["rule"] == "pre1" and c["status"] == "not_assessable"


def test_indicators_table_comparison_columns_are_not_this_years_values():
    rows = [["指标名称", "计量单位", "2011年度", "2010年度", "比上年增减"],
            ["主动公开信息数", "条", "425", "380", "45"], ["受理申请总数", "件", "3", "5", "-2"]]
    got = [(s.code, s.period, s.value) for s in table_statements(Table(rows=rows), 2011)]
    assert got == [("proactive_total", "year", 425), ("requests_total", "year", 3)]


def test_indicators_table_provincial_form_with_code_column_and_quoted_reasons():
    # the shape of a provincial 统计报表 (指标名称 | 计量单位 | 代码 | 本期实际 | 本年累计, then 甲 乙 丙 1 2);
    # numbers are made up, the form is real (定西市政府信息公开情况统计报表)
    rows = [["指 标 名 称", "计量 单位", "代码", "本期实际", "本年累计"], ["甲", "乙", "丙", "1", "2"],
            ["申请总数", "条", "10", "1", "4"],
            ["对申请的答复总数", "条", "17", "1", "4"],
            ["3.否决公开答复总数", "条", "20", "0", "1"],
            ["其中：(2)“信息不存在”数", "条", "22", "0", "1"],
            ["(11)其它原因", "条", "31", "0", "0"],
            ["行政复议数", "件", "32", "0", "0"]]
    got = [(s.code, s.period, s.value) for s in table_statements(Table(rows=rows), 2012)]
    assert got == [("requests_total", "year", 4), ("replies_total", "year", 4), ("replies_denied", "year", 1),
                   ("denied_not_exist", "year", 1), ("denied_other", "year", 0), ("admin_review", "year", 0)]
