"""Unit tests: each phrasing family of pre-2019 prose, and each trap that must give nothing."""
import pytest

from normalize.indicators.prose import statements_in


def coded(sentence, section=None):
    return [(s.code, s.value, s.raw, s.period) for s in statements_in(sentence, section)]


@pytest.mark.parametrize("sentence,expected", [
    # proactive
    ("2010年，本局共主动公开政府信息175条，其中全文电子化率达100%。",
     [("proactive_total", 175, "本局共主动公开政府信息175条", "year")]),
    ("本区到年底累计主动公开政府信息5928条，全文电子化率达90.3%。",
     [("proactive_total", 5928, "累计主动公开政府信息5928条", "cumulative")]),
    ("区直、县直各单位主动公开政府信息303条，占71.3%。", [("proactive_dept_level", 303, "主动公开政府信息303条", "year")]),
    ("各乡镇主动公开政府信息122条，占28.7%。", [("proactive_township", 122, "各乡镇主动公开政府信息122条", "year")]),
    ("2012年度共新增主动公开政府信息83条。", [("proactive_total", 83, "共新增主动公开政府信息83条", "year")]),
    # catalogue
    ("2011年制作、获取政府信息总数1873条，其中主动公开政府信息425条，作为依申请公开信息数46条，不予公开信息数1402。",
     [("info_produced_total", 1873, "制作、获取政府信息总数1873条", "year"),
      ("proactive_total", 425, "主动公开政府信息425条", "year"),
      ("info_on_request_class", 46, "作为依申请公开信息数46条", "year"),
      ("info_not_public_class", 1402, "不予公开信息数1402", "year")]),
    # requests: totals, channels, stated zeros, number first
    ("全年共受理政府信息公开申请12件，其中当面申请5件，网上申请4件，信函申请3件。",
     [("requests_total", 12, "全年共受理政府信息公开申请12件", "year"), ("requests_in_person", 5, "当面申请5件", "year"),
      ("requests_online", 4, "网上申请4件", "year"), ("requests_letter", 3, "信函申请3件", "year")]),
    ("2014年，我局收到12起政府信息依申请公开，均严格按程序和时限办理。",
     [("requests_total", 12, "收到12起政府信息依申请公开", "year")]),
    ("2009年度，我局没有收到信息公开申请。", [("requests_total", 0, "没有收到信息公开申请", "year")]),
    ("本年度共收到政府信息公开申请两件。", [("requests_total", 2, "共收到政府信息公开申请两件", "year")]),
    # replies
    ("对上述申请，同意公开8件，同意部分公开2件，不予公开1件，信息不存在1件。",
     [("replies_granted", 8, "同意公开8件", "year"), ("replies_partial", 2, "同意部分公开2件", "year"),
      ("replies_denied", 1, "不予公开1件", "year"), ("denied_not_exist", 1, "信息不存在1件", "year")]),
    ("收到的申请均已按时答复，共答复12件。", [("replies_total", 12, "共答复12件", "year")]),
    # disputes
    ("2011年全区未收到有关政府信息公开的申请，未收到有关政府信息公开行政复议申请。",
     [("requests_total", 0, "未收到有关政府信息公开的申请", "year"),
      ("admin_review", 0, "未收到有关政府信息公开行政复议申请", "year")]),
    ("2010年，未产生针对我局政府信息公开的行政复议与行政诉讼。",
     [("admin_review", 0, "未产生针对我局政府信息公开的行政复议与行政诉讼", "year"),
      ("admin_litigation", 0, "未产生针对我局政府信息公开的行政复议与行政诉讼", "year")]),
    ("因政府信息公开申请提起行政复议1件，行政诉讼2件。",
     [("admin_review", 1, "行政复议1件", "year"), ("admin_litigation", 2, "行政诉讼2件", "year")]),
    # fees
    ("无收费及减免情况。", [("fees_waivers_amount", 0, "无收费及减免情况", "year")]),
    ("本机关在政府信息公开工作中暂不收费。", [("fee_amount", 0, "暂不收费", "year")]),
    ("依申请提供政府信息共收取检索、复制费用120元。", [("fee_amount", 120, "收取检索、复制费用120元", "year")]),
    # channels, consultations, resources, responses
    ("2011年政府信息公开专栏访问量达11460人次。", [("website_visits", 11460, "访问量达11460人次", "year")]),
    ("2011年刊出政务公开栏12期。", [("notice_board_issues", 12, "刊出政务公开栏12期", "year")]),
    ("全年共接受政府信息公开方面的咨询2070人次，其中电话咨询1800人次。",
     [("consultations_total", 2070, "接受政府信息公开方面的咨询2070人次", "year"),
      ("consultations_phone", 1800, "电话咨询1800人次", "year")]),
    ("本机关从事政府信息公开工作的专职人员2人，兼职人员5人。",
     [("staff_fulltime", 2, "专职人员2人", "year"), ("staff_parttime", 5, "兼职人员5人", "year")]),
    ("全年召开新闻发布会6场，发布政策解读稿件15篇。",
     [("press_conferences", 6, "召开新闻发布会6场", "year"),
      ("responses_interpretations", 15, "发布政策解读稿件15篇", "year")]),
])
def test_indicators_family(sentence, expected):
    assert coded(sentence) == expected
    for s in statements_in(sentence):
        assert s.raw in s.sentence


@pytest.mark.parametrize("sentence", [
    "全年为企业减免税款120万元，落实各项税费减免政策。",  # tax 减免
    "全年共受理行政审批事项1532件，办结1530件，按时办结率100%。",  # administrative approval 受理/办结
    "政务服务大厅共受理各类申请12000件，办结11990件。",  # service-hall business
    "主动公开价格和收费信息15条。",  # 价格和收费 as a category of published information
    "各乡镇主动公开政府信息占28.7%，同意公开的占85%。",  # percentages
    "机构职能、办事程序信息148条，占34.8%。",  # categories of proactive information
    "本年度共办理行政复议案件56件。",  # reconsiderations in general, not about disclosure
    "受理群众来信来访申请30件。",  # petitions
    "全年收取行政事业性收费1200万元。",  # administrative fees, not disclosure fees
])
def test_indicators_traps_give_nothing(sentence):
    assert coded(sentence) == []


def test_indicators_reconsideration_counts_inside_the_review_section():
    s = "本年度共发生行政复议1件。"
    assert coded(s) == []
    assert coded(s, "review_litigation") == [("admin_review", 1, "共发生行政复议1件", "year")]


@pytest.mark.parametrize("sentence,expected", [
    ("2015年度未发生针对政府信息公开事务的复议、诉讼和申诉。",
     ["admin_review", "admin_litigation", "complaints"]),
    ("本局未发生针对本部门有关政府信息公开事务的行政复议案、行政诉讼案和有关的申诉案。",
     ["admin_review", "admin_litigation", "complaints"]),
    ("本单位配备了1名兼职工作人员负责政府信息公开工作。", ["staff_parttime"]),
    ("其中通过政府网站公开政府信息数131条，通过“溪下发布”微信公众号公开95条。", ["proactive_website", "proactive_wechat"]),
    ("没有接受到政府信息公开方面的咨询。", ["consultations_total"]),
])
def test_indicators_phrasing_variants(sentence, expected):
    assert [c for c, *_ in coded(sentence)] == expected


def test_indicators_zero_disputes_need_disclosure_context():
    assert coded("本年度未发生行政复议和行政诉讼。") == []
    assert [c for c, *_ in coded("本年度未发生行政复议和行政诉讼。", "review_litigation")] == [
        "admin_review", "admin_litigation"]


@pytest.mark.parametrize("sentence,expected", [
    ("年初、年中两次举办政府信息公开工作培训。", [("training_sessions", 2, "两次举办政府信息公开工作培训", "year")]),
    ("2010年,我镇通过门户网站公开各类信息46条。", [("proactive_portal_total", 46, "通过门户网站公开各类信息46条", "year")]),
    ("其中通过门户网站公开40条。", [("proactive_website", 40, "通过门户网站公开40条", "year")]),
    ("2010年度我镇没有接到群众主动要求公开政府信息的申请。",
     [("requests_total", 0, "没有接到群众主动要求公开政府信息的申请", "year")]),
    ("2010年度,我镇政府信息公开没有收费。", [("fee_amount", 0, "没有收费", "year")]),
])
def test_indicators_second_heldout_phrasings(sentence, expected):
    assert coded(sentence) == expected


@pytest.mark.parametrize("sentence,expected", [
    # a clause about disclosure next to one about administrative approval: only the disclosure one counts
    ("2017年，我局共受理行政审批事项12000件，受理政府信息公开申请3件。",
     [("requests_total", 3, "受理政府信息公开申请3件", "year")]),
    ("全年共为纳税人减免各项税费1234万元，受理纳税人申请减免税56件。", []),
    ("依申请办理减免税审批12件。", []),
    ("全年共受理依申请公开事项4件。", [("requests_total", 4, "全年共受理依申请公开事项4件", "year")]),
])
def test_indicators_tax_and_approval_neighbours(sentence, expected):
    assert coded(sentence) == expected


@pytest.mark.parametrize("sentence,expected", [
    ("对申请均已答复，其中属于已主动公开范围2件，告知作出更改补充1件，告知通过其他途径办理1件。",
     ["replies_already_public", "told_to_amend", "told_other_route"]),
    ("政府信息公开申请按时办结6件，延期办结1件。", ["requests_completed_on_time", "requests_completed_extended"]),
    ("全年开展在线访谈4次，回应公众关注热点12次。", ["online_interviews", "responses_public_concern"]),
    ("全年召开政府信息公开工作会议3次，举办培训班2期，培训工作人员120人次。",
     ["meetings_trainings", "training_sessions", "training_people"]),
    ("全县设立政府信息公开查阅点15个。", ["query_points"]),
    ("全年制发规范性文件8件。", ["normative_issued"]),
    ("召开县长办公会议12次。", []),  # meetings not about disclosure
    ("全年培训农民工3000人次。", []),  # training not about disclosure
])
def test_indicators_2014_2018_prose(sentence, expected):
    assert [c for c, *_ in coded(sentence)] == expected


def test_indicators_request_counts_inside_the_requests_section():
    s = "依申请公开情况：2011年共受理申请5件，均已按时答复。"
    assert coded(s) == []
    assert coded(s, "requests") == [("requests_total", 5, "共受理申请5件", "year")]


def test_indicators_every_rule_code_is_in_the_code_book():
    from normalize.indicators import codebook
    from normalize.indicators.prose import RULES
    from normalize.indicators.tables import _aliases

    book = codebook.load()
    assert {c for r in RULES for c in r.codes} <= set(book)
    assert {c for cands in _aliases().values() for c, _ in cands} <= set(book)


@pytest.mark.parametrize("sentence,expected", [
    ("为此,专门配备了1名全职工作人员,10名兼职工作人员。", ["staff_fulltime", "staff_parttime"]),
    ("2012年,我委主动公开政府信息共93条。", ["proactive_total"]),
    ("通过我委门户网站嘉兴国资网(www.jxgz.gov.cn)已向社会公众公开251条信息。", ["proactive_portal_total"]),
    ("2014年度,本街道未发生政务信息公开申请,因此未发生收费情况。", ["requests_total", "fee_amount"]),
    ("2014年没有发生依申请信息公开事件。", ["requests_total"]),
    ("我局没有任何信息公开的收费项目。", ["fee_amount"]),
    # a zero about disputes is not a zero about requests, even when 申请 comes first in the clause
    ("本年度没有发生因政府信息公开申请行政复议、提起行政诉讼的情况。", ["admin_review", "admin_litigation"]),
])
def test_indicators_third_heldout_phrasings(sentence, expected):
    assert [c for c, *_ in coded(sentence)] == expected
