"""Report metadata: title, agency, year, publication date, level, region."""
from __future__ import annotations

import pytest

from normalize.document import Document, Paragraph
from normalize.meta import agency_from_title, extract_meta, level_of, region_of, year_from_period


def paras(*lines, meta=None):
    return Document(blocks=[Paragraph(t) for t in lines], meta=meta or {})


def test_parse_meta_title_split_over_lines():
    m = extract_meta(paras("淄博市大数据局2020年政府信息公开", "工作年度报告", "根据《条例》规定，现将报告公布如下。"))
    assert m["title"] == "淄博市大数据局2020年政府信息公开工作年度报告"
    assert (m["agency"], m["year"]) == ("淄博市大数据局", 2020)


def test_parse_meta_title_hint_beats_body():
    d = paras("某某局2019年政府信息公开工作年度报告", "正文。")
    m = extract_meta(d, hints={"title": "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"})
    assert (m["agency"], m["year"]) == ("平潭综合实验区行政审批局", 2023)


def test_parse_meta_article_title_meta_and_pubdate():
    d = paras("正文。", meta={"ArticleTitle": "平潭综合实验区行政审批局2023年政府信息公开工作年度报告",
                            "PubDate": "2024-01-30 15:01"})
    m = extract_meta(d)
    assert (m["agency"], m["year"], m["published"]) == ("平潭综合实验区行政审批局", 2023, "2024-01-30")
    assert (m["level"], m["region"]) == ("department", "平潭综合实验区")


def test_parse_meta_year_from_statistics_period_not_from_url():
    d = paras("政府信息公开工作年度报告", "本报告中所列数据的统计期限为2020年1月1日至12月31日。")
    m = extract_meta(d, hints={"url": "http://x.gov.cn/2021/202103/t20210301_1.html"})
    assert m["year"] == 2020


@pytest.mark.parametrize("text,year", [
    ("统计期限为2020年1月1日至12月31日", 2020),
    ("本年度报告中使用数据统计期限为 2020 年 1 月 1 日至 2020 年 12 月 31 日", 2020),
    ("本报告统计数据时限为2020年1月1日至12月31日。", 2020),
    ("本报告所列统计数据期限自2020年1月1日起至2020年12月31日止。", 2020),
    ("2021年1月1日印发", None),
])
def test_parse_meta_period(text, year):
    assert year_from_period(text) == year


def test_parse_meta_published_from_signature_and_lines():
    assert extract_meta(paras("标题2020年年度报告", "正文。", "某某局", "2021年1月26日"))["published"] == "2021-01-26"
    assert extract_meta(paras("标题2020年年度报告", "正文。", "某某局", "二〇二一年一月二十六日"))["published"] == "2021-01-26"
    assert extract_meta(paras("标题2020年年度报告", "发布时间：2021-03-05", "正文。"))["published"] == "2021-03-05"
    assert extract_meta(paras("标题2020年年度报告", "正文。"))["published"] is None


@pytest.mark.parametrize("title,agency", [
    ("2020年区数据局政府信息工作年报", "区数据局"),
    ("六安市金安区数据资源管理局（政务服务管理局）2020 年政府信息公开工作年度报告", "六安市金安区数据资源管理局（政务服务管理局）"),
    ("秀洲区政务服务和数据资源管理办公室2020年度政府信息公开工作年度报告", "秀洲区政务服务和数据资源管理办公室"),
    ("关于北京市2019年政府信息公开工作年度报告", "北京市"),
])
def test_parse_agency_from_title(title, agency):
    assert agency_from_title(title) == agency


@pytest.mark.parametrize("agency,level,region", [
    ("上海市人民政府", "province", "上海市"),
    ("浙江省人民政府", "province", "浙江省"),
    ("淄博市人民政府", "city", "淄博市"),
    ("嘉兴市秀洲区人民政府", "county", "嘉兴市秀洲区"),
    ("某某镇人民政府", "township", "某某镇"),
    ("深圳市南山区沙河街道办事处", "township", "深圳市南山区沙河街道"),
    ("国家发展和改革委员会", "national", None),
    ("淄博市大数据局", "department", "淄博市"),
    ("北京市城市管理委员会", "department", "北京市"),
    ("区数据局", "department", None),
])
def test_parse_level_region(agency, level, region):
    assert (level_of(agency), region_of(agency)) == (level, region)


def test_parse_meta_page_title_suffix_dropped():
    d = paras("正文。", meta={"title": "平潭综合实验区行政审批局2023年政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会"})
    m = extract_meta(d)
    assert m["title"] == "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"
    assert m["agency"] == "平潭综合实验区行政审批局"


def test_parse_meta_abbreviated_title_agency_takes_full_hint_name():
    d = paras("2020年区数据局政府信息工作年报", "正文。")
    assert extract_meta(d)["agency"] == "区数据局"
    assert extract_meta(d, hints={"site_agency": "下城区数据资源管理局"})["agency"] == "下城区数据资源管理局"
    # a different agency on the same site is not an abbreviation: the title wins
    d2 = paras("青屿市人民政府办公室2019年政府信息公开工作年度报告", "正文。")
    assert extract_meta(d2, hints={"site_agency": "青屿市人民政府"})["agency"] == "青屿市人民政府办公室"


@pytest.mark.parametrize("title,agency", [
    ("2014年度青屿市人民政府政府信息公开工作年度报告", "青屿市人民政府"),
    ("青屿市人民政府信息公开工作年度报告（2015年度）", "青屿市人民政府"),
    ("2023青屿市教育局2023年度政府信息公开工作年度报告", "青屿市教育局"),
    ("青屿市发展和改革委员会政府信息公开工作年度报告（2023年度）", "青屿市发展和改革委员会"),
    ("2023年政府信息公开工作年度报告", None),
])
def test_parse_agency_from_title_more(title, agency):
    assert agency_from_title(title) == agency


@pytest.mark.parametrize("title, want, source", [
    ("正文", "青屿市教育局", "signature"),  # a gkmlpt title block that reads 正文 is no agency
    ("标题：青屿市教育局2023年政府信息公开工作年度报告", "青屿市教育局", "title"),
    ("# 青屿市教育局2023年政府信息公开工作年度报告", "青屿市教育局", "title"),
])
def test_page_chrome_and_transcript_marks_are_never_agencies(title, want, source):
    d = paras("一、总体情况", "本报告所列数据统计期限为2023年1月1日至12月31日。", "青屿市教育局", "2024年1月20日")
    m = extract_meta(d, hints={"title": title})
    assert (m["agency"], m["agency_source"]) == (want, source)


def test_a_title_abbreviation_expanded_by_the_publisher_keeps_the_printed_name():
    m = extract_meta(paras("正文。"), hints={"title": "2020年区数据局政府信息工作年报", "publisher": "下城区数据资源管理局",
                                           "site_agency": "杭州市人民政府"})
    assert (m["agency"], m["agency_printed"], m["agency_source"]) == ("下城区数据资源管理局", "区数据局", "publisher")
    # the same agency by the rules is not "expanded": 管委会 stays as printed
    m = extract_meta(paras("正文。"), hints={"title": "平潭综合实验区管委会2019年政府信息公开工作年度报告",
                                           "site_agency": "平潭综合实验区管理委员会"})
    assert (m["agency"], m["agency_source"]) == ("平潭综合实验区管委会", "title")


def test_a_relative_title_name_is_expanded_by_the_department_channel_it_was_listed_in():
    # no publisher on the page; the 部门 channel's link text (青屿市教育局) names the agency in full
    m = extract_meta(paras("正文。"), hints={"title": "市教育局2023年政府信息公开工作年度报告", "channel": "青屿市教育局",
                                           "site_agency": "青屿市人民政府"})
    assert (m["agency"], m["agency_printed"], m["agency_source"]) == ("青屿市教育局", "市教育局", "channel")
    # the page's own publisher is trusted before the channel
    m = extract_meta(paras("正文。"), hints={"title": "区教育局2023年政府信息公开工作年度报告", "channel": "上城区教育局",
                                           "publisher": "下城区教育局"})
    assert (m["agency"], m["agency_source"]) == ("下城区教育局", "publisher")
    # a page with no name in title, body or signature takes the channel, not the registry's agency
    m = extract_meta(paras("正文。"), hints={"channel": "城关镇人民政府", "site_agency": "青屿市人民政府"})
    assert (m["agency"], m["agency_source"]) == ("城关镇人民政府", "channel")
