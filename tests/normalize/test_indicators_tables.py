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


NATIONAL_2014 = [  # the rows of the 国办发〔2014〕32号 统计表 (labels as prescribed; the numbers are made up)
    ("统计指标", "单位", "统计数"),
    ("一、主动公开情况", "", ""),
    ("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "条", "120"),
    ("其中：主动公开规范性文件数", "条", "4"),
    ("制发规范性文件总数", "件", "5"),
    ("二、回应解读情况", "", ""),
    ("（一）回应公众关注热点或重大舆情数（不同方式回应同一热点或舆情计1次）", "次", "3"),
    ("（二）通过不同渠道和方式回应解读的情况", "", ""),
    ("1．参加或举办新闻发布会总次数", "次", "2"),
    ("其中：主要负责同志参加新闻发布会次数", "次", "1"),
    ("2．政府网站在线访谈次数", "次", "1"),
    ("其中：主要负责同志参加政府网站在线访谈次数", "次", "0"),
    ("3．政策解读稿件发布数", "篇", "6"),
    ("4．微博微信回应事件数", "次", "0"),
    ("5．其他方式回应事件数", "次", "0"),
    ("三、依申请公开情况", "", ""),
    ("（一）收到申请数", "件", "7"),
    ("1．当面申请数", "件", "2"),
    ("2．传真申请数", "件", "0"),
    ("3．网络申请数", "件", "4"),
    ("4．信函申请数", "件", "1"),
    ("（二）申请办结数", "件", "7"),
    ("1．按时办结数", "件", "7"),
    ("2．延期办结数", "件", "0"),
    ("（三）申请答复数", "件", "7"),
    ("1．属于已主动公开范围数", "件", "1"),
    ("2．同意公开答复数", "件", "3"),
    ("3．同意部分公开答复数", "件", "1"),
    ("4．不同意公开答复数", "件", "1"),
    ("其中：涉及国家秘密", "件", "0"),
    ("涉及商业秘密", "件", "0"),
    ("涉及个人隐私", "件", "1"),
    ("危及国家安全、公共安全、经济安全和社会稳定", "件", "0"),
    ("不是《条例》所指政府信息", "件", "0"),
    ("法律法规规定的其他情形", "件", "0"),
    ("5．不属于本行政机关公开数", "件", "1"),
    ("6．申请信息不存在数", "件", "0"),
    ("7．告知作出更改补充数", "件", "0"),
    ("8．告知通过其他途径办理数", "件", "0"),
    ("四、行政复议数量", "件", "1"),
    ("（一）维持具体行政行为数", "件", "1"),
    ("（二）被依法纠错数", "件", "0"),
    ("（三）其他情形数", "件", "0"),
    ("五、行政诉讼数量", "件", "0"),
    ("（一）维持具体行政行为或者驳回原告诉讼请求数", "件", "0"),
    ("（二）被依法纠错数", "件", "0"),
    ("（三）其他情形数", "件", "0"),
    ("六、举报投诉数量", "件", "0"),
    ("七、依申请公开信息收取的费用", "万元", "0"),
    ("八、机构建设和保障经费情况", "", ""),
    ("（一）政府信息公开工作专门机构数", "个", "1"),
    ("（二）设置政府信息公开查阅点数", "个", "2"),
    ("（三）从事政府信息公开工作人员数", "人", "3"),
    ("1．专职人员数（不包括政府公报及政府网站工作人员数）", "人", "1"),
    ("2．兼职人员数", "人", "2"),
    ("（四）政府信息公开专项经费（不包括用于政府公报编辑管理及政府网站建设维护等方面的经费）", "万元", "1.5"),
    ("九、政府信息公开会议和培训情况", "", ""),
    ("（一）召开政府信息公开工作会议或专题会议数", "次", "2"),
    ("（二）举办各类培训班数", "次", "1"),
    ("（三）接受培训人员数", "人次", "40"),
]


def test_indicators_table_national_2014_every_row_and_checks():
    stmts = table_statements(Table(rows=[list(r) for r in NATIONAL_2014]), 2016)
    want = ["proactive_total", "proactive_normative", "normative_issued", "responses_public_concern",
            "press_conferences", "press_conferences_leaders", "online_interviews", "online_interviews_leaders",
            "responses_interpretations", "weibo_wechat_responses", "other_responses",
            "requests_total", "requests_in_person", "requests_fax", "requests_online", "requests_letter",
            "requests_completed", "requests_completed_on_time", "requests_completed_extended",
            "replies_total", "replies_already_public", "replies_granted", "replies_partial", "replies_denied",
            "denied_state_secret", "denied_business_secret", "denied_privacy", "denied_security_stability",
            "denied_not_gov_info", "denied_other_law", "not_held", "denied_not_exist", "told_to_amend",
            "told_other_route", "admin_review", "admin_review_upheld", "admin_review_corrected", "admin_review_other",
            "admin_litigation", "admin_litigation_upheld", "admin_litigation_corrected", "admin_litigation_other",
            "complaints", "fee_amount", "disclosure_offices", "query_points", "staff_total", "staff_fulltime",
            "staff_parttime", "disclosure_expenditure", "meetings_trainings", "training_sessions", "training_people"]
    assert [s.code for s in stmts] == want
    assert {s.code: s.value for s in stmts}["disclosure_expenditure"] == 1.5
    doc = Document(blocks=[Table(rows=[list(r) for r in NATIONAL_2014])], format="html")
    chk = {(c["rule"], c["scope"]): c["status"] for c in indicator_checks(extract_indicators(doc, year=2016))}
    assert chk[("pre1", "requests channels")] == "pass"  # 2 + 0 + 4 + 1 = 7
    assert chk[("pre2", "reply outcomes")] == "pass"  # 1+3+1+1+1+0+0+0 = 7
