"""Province 信息公开平台 spider: year filters (timeFrame=, year=, year path segment) and page numbers."""
from crawler.spiders.platform import PlatformSpider
from fakes import fake_response, make_spider, row, split

JY = "http://www.jiangyuan.example.gov.cn"
JY_2025 = JY + "/public/column/6596571?type=3&nav=5&sub=&timeFrame=2025&hasContent=true"
AH = "https://www.ah.example.gov.cn/site/tpl/7931?nav=4&year=2024"
DZ = "https://www.dongzhi.example.gov.cn/OpennessAnnualReport/year/show/341/2022.html"


def spider():
    return make_spider(PlatformSpider, [row("jy", "province-platform", [JY_2025]), row("ah", "province-platform", [AH]),
                                        row("dz", "province-platform", [DZ])])


def by_callback(sp, reqs):
    return ([q.url for q in reqs if q.callback == sp.parse_detail], [q.url for q in reqs if q.callback == sp.parse_listing])


def test_sichuan_timeframe_year_filter_and_pages():
    sp = spider()
    items, reqs = split(sp.parse_listing(fake_response(JY_2025, "platform/sichuan_timeframe_2025.html", site="jy")))
    assert [(i["url"], i["reason"]) for i in items] == [(JY + "/public/6596571/41027003.html", "negative:网站工作年度报表")]
    details, listings = by_callback(sp, reqs)
    assert details == [JY + "/public/6596571/41027001.html", JY + "/public/6596571/41027002.html"]
    assert [q.meta["ogi"]["listed_date"] for q in reqs if q.callback == sp.parse_detail] == ["2026-03-20", "2026-01-25"]
    assert listings == [
        JY + "/public/column/6596571?type=3&nav=5&sub=2&hasContent=true",  # 部门年报 sub-column
        JY + "/public/column/6596571?type=3&nav=5&sub=&timeFrame=2024&hasContent=true",
        JY + "/public/column/6596571?type=3&nav=5&sub=&timeFrame=2023&hasContent=true",
        JY_2025 + "&page=2", JY_2025 + "&page=3"]  # 共3页


def test_anhui_year_select_and_page_count():
    sp = spider()
    items, reqs = split(sp.parse_listing(fake_response(AH, "platform/anhui_tpl_2024.html", site="ah")))
    assert items == []
    details, listings = by_callback(sp, reqs)
    assert details == ["https://www.ah.example.gov.cn/public/1681/553201234.html",
                       "https://www.ah.example.gov.cn/public/1681/553201235.html"]
    truncated = [q for q in reqs if q.url.endswith("553201235.html")][0]
    assert truncated.meta["ogi"]["listed_title"] == "安徽省财政厅2024年政府信息公开工作年度报告"  # title= attribute
    assert listings == ["https://www.ah.example.gov.cn/site/tpl/7931?nav=4&year=2023",
                        "https://www.ah.example.gov.cn/site/tpl/7931?nav=4&year=2022",
                        AH + "&pageIndex=2", AH + "&pageIndex=3", AH + "&pageIndex=4"]


def test_year_in_the_path():
    sp = spider()
    _, reqs = split(sp.parse_listing(fake_response(DZ, "platform/dongzhi_year_2022.html", site="dz")))
    details, listings = by_callback(sp, reqs)
    assert details == ["https://www.dongzhi.example.gov.cn/OpennessAnnualReport/show/341/88001.html"]
    assert listings == ["https://www.dongzhi.example.gov.cn/OpennessAnnualReport/year/show/341/2023.html",
                        "https://www.dongzhi.example.gov.cn/OpennessAnnualReport/year/show/341/2021.html"]


def test_registry_detail_pattern_overrides():
    sp = make_spider(PlatformSpider, [row("jy", "province-platform", [JY_2025], detail_pattern=r"/public/\d+/41027002\.html$")])
    _, reqs = split(sp.parse_listing(fake_response(JY_2025, "platform/sichuan_timeframe_2025.html", site="jy")))
    assert by_callback(sp, reqs)[0] == [JY + "/public/6596571/41027002.html"]
