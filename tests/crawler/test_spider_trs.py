"""TRS WCM spider against saved pages in their real encoding (GBK bytes, gb2312 meta, no charset header)."""
from crawler.spiders.trs import TrsSpider
from scrapy.spidermiddlewares.httperror import HttpError

from fakes import failure_for, fake_response, fixture, make_spider, response_for, row, split

HOST = "http://www.qingyu.fixture.gov.cn"
COL = HOST + "/zwgk/zfxxgknb/"


def spider():
    return make_spider(TrsSpider, [row("qingyu", "trs-wcm", [COL], agency="青屿市人民政府")])


def detail_meta(listed="", date=None):
    return {"ogi": {"site": "qingyu", "role": "report_page", "listed_title": listed, "listing": COL + "index.html",
                    "listed_date": date}}


def test_fixture_pages_are_gbk_bytes():
    raw = fixture("trs/list_index.html")
    assert "青屿市".encode("gb18030") in raw
    raw.decode("gb18030")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("fixture must not be UTF-8")


def test_list_old_signature_with_variables_gbk_header():
    sp = spider()
    r = fake_response(COL + "index.html", "trs/list_index.html", site="qingyu",
                      headers={"Content-Type": "text/html; charset=GBK"})
    items, reqs = split(sp.parse_listing(r))
    assert [(i["url"].replace(HOST, ""), i["reason"]) for i in items] == [
        ("/zwgk/zfxxgknb/202402/t20240201_100125.html", "negative:公布情况"),
        ("/xxgk/202312/t20231220_99001.html", "negative:关于做好"),
        ("/zwgk/zfxxgknb/202403/t20240305_100127.html", "negative:住房公积金"),
    ]
    assert items[0]["title"] == "青屿市2023年政府信息公开工作年度报告公布情况"
    details = [(q.url.replace(HOST, ""), q.meta["ogi"]["listed_title"], q.meta["ogi"].get("listed_date"),
                q.meta["ogi"].get("confirm")) for q in reqs if q.callback == sp.parse_detail]
    assert details == [
        ("/zwgk/zfxxgknb/202401/t20240125_100123.html", "青屿市发展和改革委员会2023年政府信息公开工作年度报告", "2024-01-25", None),
        ("/zwgk/zfxxgknb/202401/t20240129_100124.html", "2023年度青屿市喆江区人民政府政府信息公开工作年度报告", "2024-01-29", None),
        # truncated without a title attribute: followed, the detail decides
        ("/zwgk/zfxxgknb/202403/t20240302_100126.html", "青屿市住房公积金管理中心2023年政府信息…", "2024-03-02", "body"),
    ]
    listings = [(q.url.replace(HOST, ""), q.meta.get("pagination_child")) for q in reqs if q.callback == sp.parse_listing]
    assert listings == [("/zwgk/zfxxgknb/2023nb/szfbm/", None)] + [
        (f"/zwgk/zfxxgknb/index_{n}.html", True) for n in range(1, 6)]  # countPage 6: index_1 … index_5


def test_later_page_schedules_no_pagination():
    sp = spider()
    r = fake_response(COL + "index_2.html", "trs/list_index_2.html", site="qingyu", meta={"pagination_child": True})
    _, reqs = split(sp.parse_listing(r))
    assert not [q for q in reqs if "index_" in q.url]
    assert HOST + "/zwgk/zfxxgknb/202401/t20220120_80001.html" in [q.url for q in reqs]


def test_list_new_signature_one_based_fg_pages():
    sp = spider()
    r = fake_response(COL + "2023nb/szfbm/fg.shtml", "trs/list_fg.shtml", site="qingyu")
    _, reqs = split(sp.parse_listing(r))
    assert [q.url.replace(COL, "") for q in reqs] == [
        "2023nb/szfbm/202501/t20250120_5001.shtml", "2023nb/szfbm/202501/t20250122_5002.shtml",
        "2023nb/szfbm/fg_2.shtml", "2023nb/szfbm/fg_3.shtml", "2023nb/szfbm/fg_4.shtml"]


def test_page_urls_signatures():
    old = 'var currentPage = 0;//所在页从0开始\nvar countPage = 3//共多少页\ncreatePageHTML(countPage, currentPage, "index", "html");'
    assert TrsSpider.page_urls("http://h/c/index.html", old) == ["http://h/c/index_1.html", "http://h/c/index_2.html"]
    assert TrsSpider.page_urls("http://h/c/", 'createPageHTML(2, 0, "index", "shtml")') == ["http://h/c/index_1.shtml"]
    assert TrsSpider.page_urls("http://h/c/index_1.html", 'createPageHTML(3, 1, "index", "html")') == []
    assert TrsSpider.page_urls("http://h/c/fg.shtml", "createPageHTML('page_div',3,1,'fg','shtml',40);") == [
        "http://h/c/fg_2.shtml", "http://h/c/fg_3.shtml"]
    assert TrsSpider.page_urls("http://h/c/fg_2.shtml", "createPageHTML('page_div',3,2,'fg','shtml',40);") == []
    assert TrsSpider.page_urls("http://h/c/index.html", "<p>no pager</p>") == []


def test_detail_gbk_without_charset_header_document_write_and_oldsrc():
    sp = spider()
    url = COL + "202401/t20240129_100124.html"
    r = fake_response(url, "trs/detail_docwrite.html", headers={"Content-Type": "text/html"},
                      meta=detail_meta("2023年度青屿市喆江区人民政府政府信息公开工作年度报告", "2024-01-29"))
    items, reqs = split(sp.parse_detail(r))
    base = COL + "202401/"
    assert items == [{
        "type": "report", "site": "qingyu", "url": url,
        "title": "青屿市喆江区人民政府2023年政府信息公开工作年度报告",  # ArticleTitle, 喆 is outside GB2312
        "listed_title": "2023年度青屿市喆江区人民政府政府信息公开工作年度报告",
        "year": 2023, "agency": "青屿市喆江区人民政府", "published": "2024-01-29", "listing": COL + "index.html",
        "attachments": [base + "P020240129392001234567.pdf",  # href wins over OLDSRC
                        HOST + "/protect/P0202401/P020240129392009999999.docx",  # javascript: href, OLDSRC only
                        base + "P020240129392007654321.pdf"],  # written by document.write, not in the DOM
        "sha256": None, "family": "trs-wcm", "publisher": "青屿市喆江区人民政府"}]
    assert [(q.url, q.meta["ogi"]["role"], q.meta["ogi"].get("name")) for q in reqs] == [
        (base + "P020240129392001234567.pdf", "attachment", "附件：统计表.pdf"),
        (HOST + "/protect/P0202401/P020240129392009999999.docx", "attachment", "附件2"),
        (base + "P020240129392007654321.pdf", "attachment", None)]
    assert all(q.callback == sp.parse_attachment for q in reqs)


def test_image_only_report_takes_content_images_not_logos():
    sp = spider()
    url = COL + "202402/t20240202_3.html"
    r = fake_response(url, "trs/detail_image.html", meta=detail_meta("青屿市商务局2023年政府信息公开…"))
    items, reqs = split(sp.parse_detail(r))
    assert items[0]["title"] == "青屿市商务局2023年政府信息公开工作年度报告（图片版）"
    assert items[0]["agency"] == "青屿市商务局" and items[0]["year"] == 2023
    assert [q.url.rsplit("/", 1)[1] for q in reqs] == ["W020240202301234567890.jpg", "W020240202301234567891.jpg"]


def test_stub_past_the_last_page_ends_pagination():
    sp = spider()
    r = fake_response(COL + "index_5.html", "trs/stub_index_5.html", meta={"pagination_child": True})
    assert len(r.body) == 350 and r.meta["ogi_verdict"] == "stub"
    assert list(sp.parse_listing(r)) == []


def test_detail_truncated_listing_resolved_by_detail_title():
    """A truncated list entry is followed with confirm=body; the detail's title decides."""
    sp = spider()
    html = ('<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="青屿市住房公积金管理中心2023年政府信息公开工作年度报告">'
            '</head><body><div class="TRS_Editor"><p>正文</p></div></body></html>').encode("utf-8")
    meta = detail_meta("青屿市住房公积金管理中心2023年政府信息…")
    meta["ogi"]["confirm"] = "body"
    items, _ = split(sp.parse_detail(fake_response(COL + "202403/t20240302_100126.html", html, meta=meta)))
    assert items[0]["type"] == "report" and items[0]["agency"] == "青屿市住房公积金管理中心"
    html2 = html.replace("管理中心2023年政府信息公开工作年度报告".encode(), "2023年年度报告".encode())
    items, reqs = split(sp.parse_detail(fake_response(COL + "202403/t20240302_100127.html", html2, meta=meta)))
    assert items[0]["type"] == "negative" and items[0]["reason"] == "negative:住房公积金" and reqs == []


def test_dead_entry_url_starts_discovery_from_the_page_above():
    """Registry URLs move (PORTALS.md §7): a soft-404 entry walks up and follows 年报 links on the hub."""
    sp = spider()
    entry = COL + "2019nb/"
    r = fake_response(entry, b"<html><body><h3>\xe9\x9d\x9e\xe6\xb3\x95\xe8\xaf\xb7\xe6\xb1\x82 404\xef\xbc\x81</h3></body></html>",
                      meta={"ogi": {"site": "qingyu", "role": "listing", "entry": entry}, "depth_listing": 0})
    assert r.meta["ogi_verdict"] == "soft404"
    (up,) = list(sp.parse_listing(r))
    assert up.url == COL and up.callback == sp.parse_discovery
    hub = ('<html><head><meta charset="utf-8"></head><body><a href="/">首页</a>'
           '<a href="./xxgknb2024/">政府信息公开工作年度报告</a><a href="./jd/">政策解读</a></body></html>').encode()
    (col,) = list(sp.parse_discovery(response_for(up, hub)))
    assert col.url == COL + "xxgknb2024/" and col.callback == sp.parse_listing
    # an entry answering 404 does the same from the errback
    req = up.replace(url=COL + "old/", meta={"ogi": {"site": "qingyu", "role": "listing", "entry": COL + "old/"}})
    out = list(sp.on_error(failure_for(req, HttpError(fake_response(req.url, b"", status=404, request=req)))))
    assert [q.url for q in out] == [COL]
    assert [e["event"] for e in sp.ctx.events if e["event"] in ("entry_gone", "discovery")][-2:] == ["entry_gone", "discovery"]

