"""Report or not, year and agency from real title variants (PORTALS.md §6.1, §6.3, §6.5)."""
import pytest

from crawler.titles import (agency_from_body, agency_from_title, body_marker_count, classify_title, looks_truncated,
                            year_from_body, year_from_title)

# (title, agency, year) — the real variants of §6.1 (obs), plus the real seed titles of the portal
POSITIVES = [
    ("北京市东城区城市管理委员会2025年政府信息公开工作年度报告", "北京市东城区城市管理委员会", 2025),
    ("2023年度武汉市江岸区政府信息公开工作年度报告", "武汉市江岸区", 2023),
    ("洪山区人民政府信息公开工作年度报告(2023年度)", "洪山区人民政府", 2023),  # no second 政府
    ("洪山区人民政府信息公开工作年度报告（2023年度）", "洪山区人民政府", 2023),
    ("重庆市合川区二郎镇人民政府2019年政府信息公开工作报告", "重庆市合川区二郎镇人民政府", 2019),  # no 年度
    ("南县人民政府2023年政府信息公开年度报告", "南县人民政府", 2023),  # no 工作
    ("绥阳县小关乡人民政府2022年信息公开工作年度报告", "绥阳县小关乡人民政府", 2022),  # no 政府
    ("安宁市2022年度政府信息公开工作年度报告", "安宁市", 2022),  # 年度 doubled
    ("2025湖口县大垅乡2025年度政府信息公开工作年度报告", "湖口县大垅乡", 2025),  # year doubled
    ("洮砚镇人民政府2025年度政府信息公开工作报告", "洮砚镇人民政府", 2025),
    ("2025年政府信息公开工作年度报告", None, 2025),  # no agency at all (bypc.gov.cn)
    ("江永县2023年度政府信息公开工作\n年度报告", "江永县", 2023),  # split across lines
    ("江永县2023年度政府信息公开工作<br>年度报告".replace("<br>", " "), "江永县", 2023),
    ("工业和信息化部政府信息公开工作2011年度报告", "工业和信息化部", 2011),  # older form
    ("苏州市2018年政府信息公开工作年度报告", "苏州市", 2018),
    ("青屿市商务局2023年政务信息公开工作年度报告", "青屿市商务局", 2023),  # 政务
    ("青屿市商务局2023年政府信息公开工作年度报告（图片版）", "青屿市商务局", 2023),
    ("河包镇政府信息公开工作年度报告", "河包镇", None),  # the body repeats it without the year
    ("2020年区数据局政府信息工作年报", "区数据局", 2020),  # real seed title (no 公开)
    ("秀洲区政务服务和数据资源管理办公室2020年度政府信息公开工作年度报告", "秀洲区政务服务和数据资源管理办公室", 2020),
    ("青屿市住房公积金管理中心2023年政府信息公开工作年度报告", "青屿市住房公积金管理中心", 2023),  # topic in the name
    ("青屿市统计局2023年政府信息公开工作年度报告", "青屿市统计局", 2023),
    ("青屿市财政局政府信息公开工作年度报告（2024年度）", "青屿市财政局", 2024),
    ("中国科学院2023年政府信息公开工作年度报告", "中国科学院", 2023),  # 科学院 is not a 学院
]

# §6.3 negatives seen in or next to 年报 columns, with the matched reason
NEGATIVES = [
    ("石狮市2023年政府信息公开工作年度报告公布情况", "公布情况"),
    ("关于做好2023年政府信息公开工作年度报告编制和发布工作的通知", "关于做好"),
    ("关于做好2024年度政府信息公开工作年度报告编制和发布工作的通知", "关于做好"),
    ("甘肃省2023年政府网站工作年度报表", "网站工作年度报表"),
    ("临夏州2023年政府网站工作年报", "网站工作年报"),
    ("青屿市2023年法治政府建设年度报告", "法治政府"),
    ("青屿市住房公积金2023年年度报告", "住房公积金"),
    ("2023年度企业年度报告公示指南", "企业年度报告"),
    ("关于开展2023年度事业单位法人年度报告公示工作的通知", "关于开展"),
    ("青屿市2023年度事业单位法人年度报告", "事业单位法人年度报告"),
    ("青屿市2023年国民经济和社会发展统计公报", "国民经济和社会发展"),
    ("青屿市2023年统计公报", "统计公报"),
    ("青屿市2023年统计年报", "统计年报"),
    ("青屿大学2022-2023学年信息公开工作年度报告", "大学"),
    ("青屿职业技术学院2023年信息公开工作年度报告", "学院"),
    ("青屿市财政局2024年部门预算", "预算"),
    ("青屿市财政局2023年部门决算", "决算"),
    ("2024年青屿市政府工作报告", "政府工作报告"),
    ("《青屿市2023年政府信息公开工作年度报告》解读", "解读"),
    ("一图读懂青屿市2023年政府信息公开工作年度报告", "一图"),
    ("政府信息公开工作年度报告格式", "格式"),
]


@pytest.mark.parametrize("title,agency,year", POSITIVES)
def test_real_report_titles(title, agency, year):
    assert classify_title(title) == (True, "positive")
    assert year_from_title(title) == year
    assert agency_from_title(title) == agency


@pytest.mark.parametrize("title,reason", NEGATIVES)
def test_negatives(title, reason):
    ok, why = classify_title(title)
    assert not ok and why == f"negative:{reason}"


def test_truncated_list_titles_are_left_to_the_detail_page():
    t = "青屿市住房公积金管理中心2023年政府信息…"
    assert looks_truncated(t)
    assert classify_title(t) == (False, "truncated")  # not rejected on the topic word
    assert classify_title("2023年度武汉市江岸区政府信息公开…") == (False, "no_match")
    # cut before "公布情况": it looks like a report; the detail page's full title rejects it (report_item)
    assert classify_title("青屿市2023年政府信息公开工作年度报告公布…") == (True, "positive")


def test_no_match_and_empty():
    assert classify_title("青屿市人民政府关于调整机构的公告") == (False, "no_match")
    assert classify_title("  ") == (False, "empty")


def test_year_never_from_anything_but_title_or_statistics_period():
    assert year_from_title("某局政府信息公开工作年度报告") is None
    assert year_from_body("本报告所列数据统计期限自2023年1月1日起至2023年12月31日止。") == 2023
    assert year_from_body("本报告统计数据时限为2020年1月1日至12月31日。") == 2020  # a real seed's wording
    assert year_from_body("2024年3月发布") is None


def test_agency_quoted_in_the_body():
    body = "现向社会公布《白银市平川区发展和改革局2025年度政府信息公开工作年度报告》。根据《中华人民共和国政府信息公开条例》"
    assert agency_from_body(body) == "白银市平川区发展和改革局"


def test_body_markers():
    text = ("本报告所列数据统计期限自2023年1月1日起至2023年12月31日止。二、主动公开政府信息情况 第二十条第（一）项 "
            "三、收到和处理政府信息公开申请情况 （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） "
            "四、政府信息公开行政复议、行政诉讼情况")
    assert body_marker_count(text) == 6
    assert body_marker_count("法治政府建设年度报告 一、主要举措") == 0
