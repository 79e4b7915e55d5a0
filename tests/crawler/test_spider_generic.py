"""Generic spider and JPaaS spider on saved responses of the local web's layouts, in their real encodings
(tests/fixtures/crawler/generic/, saved from ``ogi.portal`` scenario ``web``; headers as the portal sent
them). Each layout: exactly which details are followed, which negatives are recorded, which pages come
next."""
import json

import pytest

from crawler.spiders.generic import GenericSpider, first_segment, is_column_text, json_records
from crawler.spiders.jpaas import JpaasSpider, unit_config
from fakes import FIXTURES, fake_response, fixture, make_spider, response_for, row, split

XL = "http://www.xiling.fixture.gov.cn"
COL = XL + "/columns/29527d47-65f0-4e58-9a95-804549f339e9/"
YL = "http://www.yunling.fixture.gov.cn"
SY = "http://www.shiyan.fixture.gov.cn"
MX = "http://www.mingxi.fixture.gov.cn"
FG = "http://fgw.xiling.fixture.gov.cn"
CH = FG + "/gongkai/channel_6389a3c83759918282638268/"
LC = "http://www.linchuan.fixture.gov.cn"
UTF8 = {"Content-Type": "text/html;charset=UTF-8"}


def spider():
    return make_spider(GenericSpider, [row("xl", "hebei-uuid-columns", [XL + "/"]), row("yl", "c-col-shtml", [YL + "/"]),
                                       row("sy", "vsb-boda", [SY + "/"]), row("mx", "km-c-date", [MX + "/"]),
                                       row("fg", "sd-gongkai-objectid", [FG + "/"])])


def run(sp, callback, url, fixture, site, **kw):
    items, reqs = split(callback(fake_response(url, f"generic/{fixture}", site=site, **kw)))
    details = [(q.url, q.meta["ogi"]["listed_title"], q.meta["ogi"]["listed_date"]) for q in reqs
               if q.callback == sp.parse_detail]
    listings = [q.url for q in reqs if q.callback != sp.parse_detail]
    negatives = [(i["url"], i["reason"]) for i in items if i["type"] == "negative"]
    return details, listings, negatives, reqs


def test_the_generic_spider_takes_rows_whose_family_has_no_module():
    sp = make_spider(GenericSpider, [row("a", "vsb-boda", [SY + "/"]), row("b", "trs-wcm", [XL + "/"]),
                                     row("c", "generic", [MX + "/"])])
    assert [s["id"] for s in sp.sources] == ["a", "c"]


def test_home_page_follows_the_hub_and_records_no_menu_noise():
    sp = spider()
    details, listings, negatives, _ = run(sp, sp.parse_listing, XL + "/", "xiling_home.html", "xl", headers=UTF8)
    assert details == [] and negatives == []  # 政策解读 in the menu is not a list entry
    assert listings == []  # the hub is linked as 政府信息公开 (discovery's business), not as a 年报 column


def test_hebei_uuid_column_next_and_last_links():
    sp = spider()
    details, listings, negatives, _ = run(sp, sp.parse_listing, COL + "index.html", "xiling_index.html", "xl", headers=UTF8)
    assert [d[0].rsplit("/", 3)[-3:] for d in details] == [
        ["202603", "29", "6d5a76aa-7a3e-e5f5-d7ac-af930c01ce6d.html"], ["202601", "21", "19ac3367-4caa-c5e5-f351-951d78957efe.html"],
        ["202601", "13", "d955a388-debe-7ea6-9322-f54f9ee9e857.html"], ["202503", "26", "26b937a5-2375-04af-3fd6-5948ae235e38.html"],
        ["202501", "11", "93cc782c-94a7-6665-0118-54fde3701b78.html"]]
    assert details[0][1:] == ("西陵省人民政府2025年政府信息公开工作年度报告", "2026-03-29")
    assert negatives == [(COL + "202503/14/0a64ac75-a59d-41b0-e516-deb6ad0e04a0.html", "negative:公布情况")]
    assert listings == [COL + "index_2.html", COL + "index_3.html"]  # 下一页, 尾页


def test_c_col_hub_year_subcolumns_and_script_pager():
    sp = spider()
    _, listings, _, _ = run(sp, sp.parse_listing, YL + "/yl/c100260/zfxxgknb.shtml", "yunling_hub.shtml", "yl", headers=UTF8)
    assert listings == [f"{YL}/yl/c1003{y}/list.shtml" for y in (25, 24, 23, 22, 21)]
    details, listings, negatives, _ = run(sp, sp.parse_listing, YL + "/yl/c100324/list.shtml", "yunling_list.shtml", "yl",
                                          headers=UTF8, meta={"in_column": True})
    assert details == [(YL + "/yl/c100324/202503/4d006b4e287240a9e62545dd5422c916.shtml",
                        "云岭市人民政府2024年政府信息公开工作年度报告", "2025-03-31")]
    assert negatives == [(YL + "/yl/c100324/202502/fed57d24470eba16020dea70ebfd3249.shtml", "negative:住房公积金")]
    assert listings == [YL + "/yl/c100324/list_2.shtml"]  # 'list_' + i + '.shtml' up to pageCount = 2


def test_vsb_gbk_without_charset_header_and_broken_markup():
    sp = spider()
    details, listings, negatives, _ = run(sp, sp.parse_listing, SY + "/xxgk/xxgknb.htm", "shiyan_xxgknb.htm", "sy",
                                          headers={"Content-Type": "text/html"})
    assert details == [(SY + "/info/1777/596603.htm", "石岩县人民政府2025年政府信息公开工作年度报告", "2026-02-14"),
                       (SY + "/info/1777/591441.htm", "石岩县喆山镇人民政府2024年政府信息公开工作年度报告", "2025-03-15"),
                       (SY + "/info/1777/597320.htm", "石岩县人民政府2024年度政府信息公开工作年度报告", "2025-02-22")]
    assert negatives == [(SY + "/info/1777/596612.htm", "negative:网站工作年度报表")]
    assert listings == [SY + "/xxgk/xxgknb/2.htm", SY + "/xxgk/xxgknb/1.htm"]  # 下页, 尾页 (VSB counts down)


def test_vsb_detail_read_with_trafilatura():
    sp = spider()
    items, reqs = split(sp.parse_detail(fake_response(SY + "/info/1777/596603.htm", "generic/shiyan_detail.htm", site="sy",
                                                      role="report_page", headers={"Content-Type": "text/html"})))
    (report,) = items
    assert (report["title"], report["year"], report["agency"], report["published"]) == (
        "石岩县人民政府2025年政府信息公开工作年度报告", 2025, "石岩县人民政府", "2026-02-14")
    assert report["attachments"] == [SY + "/__local/7/becebb1bb770619b7e0c.doc"] == [q.url for q in reqs]
    body = sp.content_text(sp.selector(fake_response(SY + "/info/1777/596603.htm", "generic/shiyan_detail.htm", site="sy")))
    assert "收到和处理政府信息公开申请情况" in body and "网站地图" not in body and "打印本页" not in body


def test_kunming_gbk_page_parameter():
    sp = spider()
    details, listings, negatives, _ = run(sp, sp.parse_listing, MX + "/zfxxgk/ndbg/index.shtml", "mingxi_index.shtml", "mx",
                                          headers={"Content-Type": "text/html;charset=GBK"})
    assert [d[0] for d in details] == [MX + "/c/2026-03-26/4676374.shtml", MX + "/c/2025-03-18/4620670.shtml",
                                       MX + "/c/2024-03-19/4685474.shtml", MX + "/c/2023-02-24/4676997.shtml"]
    assert negatives == [(MX + "/c/2025-02-24/4629598.shtml", "negative:国民经济和社会发展")]
    assert sorted(set(listings)) == [MX + f"/zfxxgk/ndbg/index.shtml?page={n}" for n in (1, 2, 3)]


def test_shandong_channel_shell_json_endpoint_and_pages():
    sp = spider()
    _, listings, _, reqs = run(sp, sp.parse_listing, CH, "xlfgw_channel.html", "fg", headers=UTF8)
    assert listings == [CH + "list.json?pageNo=1&pageSize=10"]
    items, reqs = split(sp.parse_json_listing(response_for(reqs[0], "generic/xlfgw_list_1.json", kind="text",
                                                           headers={"Content-Type": "application/json;charset=UTF-8"})))
    details = [q for q in reqs if q.callback == sp.parse_detail]
    assert len(details) == 9 and details[1].meta["ogi"]["listed_title"] == "2024年政府信息公开工作年度报告"
    assert details[0].url == FG + "/gongkai/site_xlfgw/channel_6389a3c83759918282638268/doc_e7150004bbc5b33892db7948.html"
    assert [(i["title"], i["reason"]) for i in items] == [("关于做好2024年度政府信息公开工作年度报告编制和发布工作的通知", "negative:关于做好")]
    assert [q.url for q in reqs if q.callback != sp.parse_detail] == []  # total 10 = one page


def test_hebei_detail_title_date_and_attachments():
    sp = spider()
    url = COL + "202503/26/26b937a5-2375-04af-3fd6-5948ae235e38.html"
    items, reqs = split(sp.parse_detail(fake_response(url, "generic/xiling_detail.html", site="xl", role="report_page", headers=UTF8)))
    (report,) = items
    assert (report["title"], report["year"], report["agency"], report["published"]) == (
        "2024年度西陵省人民政府政府信息公开工作年度报告", 2024, "西陵省人民政府", "2025-03-26")
    assert [q.url for q in reqs] == [XL + "/files/2025/36ca64c3727a4bd73d07.wps", XL + "/files/2025/812982dd9856369467fc.xls"]


def test_jpaas_unitbuild_placeholder_json_list_and_pages():
    sp = make_spider(JpaasSpider, [row("lc", "hanweb-jpaas", [LC + "/lcx/zwgk/zfxxgknb/index.html"])])
    _, reqs = split(sp.parse_listing(fake_response(LC + "/lcx/zwgk/zfxxgknb/index.html", "generic/linchuan_column.html",
                                                   site="lc", headers=UTF8)))
    api = LC + "/api-gateway/jpaas-publish-server/front/page/build/unit?parseType=bulidstatic&webId=8a2f1c0e6b5d4f3a9c7e"
    assert [q.url for q in reqs] == [api + "&tplSetId=c4b2a0e8f6d4c2b0a8e6&pageType=column&tagId=%E4%BF%A1%E6%81%AF%E5%88%97%E8%A1%A8"
                                     "&editType=null&pageId=5e9d3b1a7c2f4e6d8b0a&paramJson=%7B%22pageNo%22%3A1%2C%22pageSize%22%3A%225%22%7D"]
    items, reqs = split(sp.parse_unit(response_for(reqs[0], "generic/linchuan_unit_1.json", kind="text")))
    assert [(i["url"].rsplit("/", 1)[-1], i["reason"]) for i in items] == [("art_358ea129e2ffa90097687e9c6e8b2868.html", "negative:公布情况")]
    details = [(q.url.rsplit("/", 2)[-2:], q.meta["ogi"]["listed_date"]) for q in reqs if q.callback == sp.parse_detail]
    assert details == [(["2026", "art_f1e5a5494759aa5931d3727889aeec8e.html"], "2026-03-28"),
                       (["2026", "art_8549b534fbef3e208756467a5623bc1f.html"], "2026-01-17"),
                       (["2025", "art_40cee116e24fe08c1bef9b1585d4ef0c.html"], "2025-03-03"),
                       (["2024", "art_1457b068c003cfffd3d983d1f237d2cc.html"], "2024-03-07")]
    pages = [q.url for q in reqs if q.callback == sp.parse_unit]
    assert len(pages) == 2
    assert ["%22pageNo%22%3A2" in pages[0], "%22pageNo%22%3A3" in pages[1]] == [True, True]  # count 11, rows 5


def test_jpaas_failed_unit_is_recorded_not_crashed():
    sp = make_spider(JpaasSpider, [row("lc", "hanweb-jpaas", [LC + "/"])])
    bad = fake_response(LC + "/api?x", b'{"success":false,"code":"500","message":"x","data":null}', site="lc", kind="text",
                        meta={"unit_page": 1, "unit": {"size": 5}})
    assert split(sp.parse_unit(bad)) == ([], [])
    assert sp.ctx.events[0]["event"] == "bad_listing"


def test_helpers():
    assert first_segment("/yl/c100260/zfxxgknb.shtml") == "/yl/" and first_segment("/index.html") == "/"
    assert is_column_text("政府信息公开年报") and is_column_text("政府信息公开工作年度报告") and is_column_text("年度报告")
    assert not is_column_text("法治政府建设年度报告") and not is_column_text("2024年政府信息公开工作年度报告")
    assert not is_column_text("住房公积金年度报告")
    assert json_records({"a": {"list": [{"TITLE": "x", "URL": "/1"}, {"x": 1}]}, "b": []}) == [{"TITLE": "x", "URL": "/1"}]
    assert unit_config("<script src='/u/unitbuild.js' url=\"/api\" queryData=\"{'webId':'1'}\"></script>") == [
        {"url": "/api", "query": {"webId": "1"}, "size": 15}]


def test_static_json_list_a_script_loads_is_read_as_a_listing():
    """gov.cn-style shells (`$.getJSON('./ndbg.json', …)`) as a fallback for the Ucap family."""
    nsa = "http://www.nsa.example.gov.cn/zfxxgk/ndbg/index.htm"
    html = fixture("ucap/ndbg_index.htm").decode("utf-8")
    assert GenericSpider.script_endpoints(nsa, html) == ["http://www.nsa.example.gov.cn/zfxxgk/ndbg/ndbg.json"]
    sp = make_spider(GenericSpider, [row("nsa", "generic", [nsa])])
    items, reqs = split(sp.parse_json_listing(fake_response(nsa.replace("index.htm", "ndbg.json"), "ucap/ndbg.json",
                                                            site="nsa", kind="text", meta={"json_page": 1})))
    titles = [q.meta["ogi"]["listed_title"] for q in reqs if q.callback == sp.parse_detail]
    assert len(titles) >= 3 and all("年度报告" in t or "年报" in t for t in titles)
    assert [q for q in reqs if q.callback == sp.parse_json_listing] == []  # a static list has no pages


SMALL = json.loads((FIXTURES / "generic" / "small" / "expected.json").read_text("utf-8"))


@pytest.mark.parametrize("site", sorted(SMALL))
def test_every_researched_layout_first_list_page(site):
    """One saved first list page per remaining layout of the registry (sites/small.py), checked against the
    portal's ground truth saved with it: the reports and negatives listed there, and only real next pages."""
    t = SMALL[site]
    sp = make_spider(GenericSpider, [row(site, t["layout"], [t["url"]])])
    items, reqs = split(sp.parse_listing(fake_response(t["url"], f"generic/small/{site}.html", site=site,
                                                       headers={"Content-Type": t["content_type"]})))
    assert [q.url for q in reqs if q.callback == sp.parse_detail] == t["reports"]
    assert [i["url"] for i in items if i["type"] == "negative"] == t["negatives"]
    pages = {q.url for q in reqs if q.callback == sp.parse_listing}
    assert pages and pages <= set(t["pages"]) | {t["url"]}, (pages, t["pages"])
    assert t["pages"][0] in pages  # the next page (or the next year) is always among them
