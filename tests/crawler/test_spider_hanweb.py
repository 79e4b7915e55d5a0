"""Hanweb JCMS spider: inline datastore, data-proxy group arithmetic, empty 54-byte answers, downfile.jsp."""
from urllib.parse import parse_qs

from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.spiders.base import disposition_filename
from crawler.spiders.hanweb import HanwebSpider, ajax_params, proxy_params, record_entries
from fakes import failure_for, fake_response, make_spider, response_for, row, split

H = "http://www.donglan.example.gov.cn"
COL = H + "/col/col1229000102/index.html"
PROXY = H + "/module/web/jpage/dataproxy.jsp"
XML = {"Content-Type": "text/xml;charset=UTF-8"}


def spider(**extra):
    return make_spider(HanwebSpider, [row("donglan", "hanweb-jcms", [COL], agency="东岚省人民政府", **extra),
                                      row("donglan-fgw", "hanweb-jcms", ["http://fgw.donglan.example.gov.cn/col/col1229000201/index.html"])])


def column_response(sp):
    return fake_response(COL, "hanweb/column_1229000102.html", site="donglan",
                         headers={"Content-Type": "text/html;charset=UTF-8"})


def test_inline_datastore_first_group_and_first_proxy_group():
    sp = spider()
    items, reqs = split(sp.parse_listing(column_response(sp)))
    assert items == []
    details = [q for q in reqs if q.callback == sp.parse_detail]
    assert len(details) == 45  # groupSize 3 × perPage 15, all inline
    first = details[0]
    assert first.url == H + "/art/2024/1/2/art_1229000102_4100001.html"  # no zero padding
    assert first.meta["ogi"]["listed_title"] == "东岚省第1厅2023年政府信息公开工作年度报告"  # title=, not the truncated text
    assert first.meta["ogi"]["listed_date"] == "2024-01-02"
    proxy = [q for q in reqs if q.callback == sp.parse_proxy]
    assert len(proxy) == 1
    q = proxy[0]
    assert (q.method, q.url) == ("POST", PROXY + "?startrecord=46&endrecord=90&perpage=15")
    assert parse_qs(q.body.decode()) == {
        "col": ["1"], "appid": ["1"], "webid": ["1"], "path": ["/"], "columnid": ["1229000102"],
        "sourceContentType": ["1"], "unitid": ["4002"], "webname": ["东岚省人民政府"], "permissiontype": ["0"]}
    assert q.headers["Referer"] == COL.encode() and q.headers["X-Requested-With"] == b"XMLHttpRequest"
    assert q.headers["Content-Type"] == b"application/x-www-form-urlencoded"
    # hub (breadcrumb 年报), a department subsite column, the xxgk year list; not 政策解读
    assert sorted(q.url for q in reqs if q.callback == sp.parse_listing) == [
        "http://fgw.donglan.example.gov.cn/col/col1229000201/index.html",
        H + "/col/col1229000100/index.html",
        H + "/module/xxgk/xxgkAnnualReport.jsp?fbtime=2024&area=11330000MB0000000X"]


def test_proxy_groups_46_90_then_91_135_then_empty_54_bytes_ends():
    sp = spider()
    _, reqs = split(sp.parse_listing(column_response(sp)))
    g2 = next(q for q in reqs if q.callback == sp.parse_proxy)
    items, reqs = split(sp.parse_proxy(response_for(g2, "hanweb/proxy_46_90.xml", headers=XML, kind="text")))
    details = [q for q in reqs if q.callback == sp.parse_detail]
    assert len(details) == 45
    # <li class="clearfix">…<b>date</b> and table rows with a 文号 column
    assert (details[0].meta["ogi"]["listed_title"], details[0].meta["ogi"]["listed_date"]) == (
        "东岚省第46局2022年政府信息公开工作年度报告", "2023-02-16")
    assert (details[-1].url, details[-1].meta["ogi"]["listed_date"]) == (
        H + "/art/2022/3/2/art_1229000102_4300002.html", "2022-03-02")
    g3 = [q for q in reqs if q.callback == sp.parse_proxy]
    assert [q.url for q in g3] == [PROXY + "?startrecord=91&endrecord=135&perpage=15"]
    # then 136–140 would be next; an empty 54-byte datastore ends the column instead
    resp = response_for(g3[0], "hanweb/proxy_empty.xml", headers=XML, kind="text")
    assert len(resp.body) == 54
    assert split(sp.parse_proxy(resp)) == ([], [])
    assert sp.ctx.events[-1]["event"] == "hanweb_empty_group"


def test_last_group_is_cut_at_total_record():
    sp = spider()
    state = {"proxy": PROXY, "form": {"columnid": "1", "unitid": "2"}, "per_page": 15, "group": 45, "total": 140,
             "column": COL, "first_start": 46}
    q = sp.proxy_request(column_response(sp), state, 136)
    assert q.url == PROXY + "?startrecord=136&endrecord=140&perpage=15"


def test_truncating_proxy_is_walked_from_what_it_sent():
    """perpage above ~300 is silently truncated: the next group starts after the records received."""
    sp = spider(hanweb_group=500)
    _, reqs = split(sp.parse_listing(column_response(sp)))
    g2 = next(q for q in reqs if q.callback == sp.parse_proxy)
    assert g2.url == PROXY + "?startrecord=46&endrecord=140&perpage=15"  # capped group (300), cut at total 140
    _, reqs = split(sp.parse_proxy(response_for(g2, "hanweb/proxy_46_90.xml", headers=XML, kind="text")))
    assert [q.url for q in reqs if q.callback == sp.parse_proxy] == [PROXY + "?startrecord=91&endrecord=140&perpage=15"]


def test_proxy_ignoring_startrecord_stops():
    sp = spider()
    _, reqs = split(sp.parse_listing(column_response(sp)))
    g2 = next(q for q in reqs if q.callback == sp.parse_proxy)
    split(sp.parse_proxy(response_for(g2, "hanweb/proxy_46_90.xml", headers=XML, kind="text")))
    g3 = sp.proxy_request(column_response(sp), g2.meta["hanweb"], 91)
    # the server sends 46–90 again: nothing new, no further group
    _, reqs = split(sp.parse_proxy(response_for(g3, "hanweb/proxy_46_90.xml", headers=XML, kind="text")))
    assert [q for q in reqs if q.callback == sp.parse_proxy] == []


def test_post_refused_falls_back_to_get_and_empty_first_group_tries_get():
    sp = spider()
    _, reqs = split(sp.parse_listing(column_response(sp)))
    g2 = next(q for q in reqs if q.callback == sp.parse_proxy)
    refused = fake_response(g2.url, b"<html>405</html>", status=405, request=g2)
    out = list(sp.on_proxy_error(failure_for(g2, HttpError(refused))))
    get = [r for r in out if isinstance(r, Request)]
    assert len(get) == 1 and get[0].method == "GET"
    assert parse_qs(get[0].url.split("?", 1)[1])["startrecord"] == ["46"]
    assert parse_qs(get[0].url.split("?", 1)[1])["unitid"] == ["4002"]
    assert sp.ctx.errors[-1]["status"] == 405
    # an empty answer to the first POST group is asked once more by GET, then the column ends
    empty = response_for(g2, "hanweb/proxy_empty.xml", headers=XML, kind="text")
    _, reqs = split(sp.parse_proxy(empty))
    assert [q.method for q in reqs] == ["GET"]
    assert split(sp.parse_proxy(response_for(reqs[0], "hanweb/proxy_empty.xml", kind="text"))) == ([], [])


def test_proxy_path_without_web_404_retries_module_web_jpage():
    sp = spider()
    state = {"proxy": H + "/module/jpage/dataproxy.jsp", "form": {"columnid": "1", "unitid": "2"}, "per_page": 15,
             "group": 45, "total": 140, "column": COL, "first_start": 46}
    q = sp.proxy_request(column_response(sp), state, 46)
    out = list(sp.on_proxy_error(failure_for(q, HttpError(fake_response(q.url, b"", status=404, request=q)))))
    retry = [r for r in out if isinstance(r, Request)]
    assert retry[0].url.startswith(PROXY + "?startrecord=46") and retry[0].method == "POST"


def test_encrypted_ids_with_plus_and_slash_survive():
    cfg = "perPage: 4, ajaxParam: {col: 1, appid: 1, webid: 22, path: '/', columnid: 'a+b/c', unitid: 'x+y', webname: '东岚省教育厅', permissiontype: 0}"
    assert ajax_params(cfg)["columnid"] == "a+b/c" and ajax_params(cfg)["unitid"] == "x+y"
    path, params = proxy_params('<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&columnid=a+b/c&unitid=x+y"></a>')
    assert path == "/module/web/jpage/dataproxy.jsp" and params == {"appid": "1", "columnid": "a+b/c", "unitid": "x+y"}


def test_record_markups():
    assert record_entries("<li><a href='/art/2024/1/23/art_1_2.html' title='全称'>截断…</a><span>2024-01-23</span></li>") == [
        ("/art/2024/1/23/art_1_2.html", "全称", "2024-01-23")]
    assert record_entries('<tr><td><a href="/art/2022/3/1/art_1_3.html">某办2021年政府信息公开工作年度报告</a></td>'
                          '<td>东办〔2022〕1号</td><td>2022-03-01</td></tr>') == [
        ("/art/2022/3/1/art_1_3.html", "某办2021年政府信息公开工作年度报告", "2022-03-01")]


def test_filtered_column_static_list_and_area_links():
    sp = spider()
    url = H + "/col/col1229000103/index.html?vc_xxgkarea=11370100MB0000001A&jh=264"
    _, reqs = split(sp.parse_listing(fake_response(url, "hanweb/column_area.html", site="donglan")))
    assert [q.url for q in reqs if q.callback == sp.parse_detail] == [H + "/art/2024/3/28/art_1229000103_4500001.html"]
    assert [q.url for q in reqs if q.callback == sp.parse_listing] == [
        H + "/col/col1229000103/index.html?vc_xxgkarea=11370100MB0000002B&jh=264"]
    assert [q for q in reqs if q.callback == sp.parse_proxy] == []  # totalRecord 1: nothing left to ask


def test_xxgk_annual_report_year_filter():
    sp = spider()
    url = H + "/module/xxgk/xxgkAnnualReport.jsp?fbtime=2024&area=11331100002653006X"
    items, reqs = split(sp.parse_listing(fake_response(url, "hanweb/xxgk_annual_2024.html", site="donglan")))
    assert [(i["type"], i["reason"]) for i in items] == [("negative", "negative:法治政府")]
    assert [q.url for q in reqs if q.callback == sp.parse_detail] == [H + "/art/2025/1/20/art_1229000101_4100001.html"]
    assert sorted(q.url for q in reqs if q.callback == sp.parse_listing) == [
        H + "/module/xxgk/xxgkAnnualReport.jsp?fbtime=2022&area=11331100002653006X",
        H + "/module/xxgk/xxgkAnnualReport.jsp?fbtime=2023&area=11331100002653006X"]


def test_detail_zoom_and_downfile_attachments():
    sp = spider()
    url = H + "/art/2024/1/23/art_1229000102_4100022.html"
    meta = {"ogi": {"site": "donglan", "role": "report_page", "listed_title": "东岚省教育厅2023年政府信息公开工作…", "listing": COL}}
    items, reqs = split(sp.parse_detail(fake_response(url, "hanweb/detail.html", meta=meta)))
    att1 = H + "/module/download/downfile.jsp?classid=0&filename=3f2a9c4e5b6d7e8f90a1b2c3d4e5f6a7.pdf"
    att2 = H + "/module/download/downfile.jsp?classid=0&filename=0badc0ffee0badc0ffee0badc0ffee00.xls"
    assert items == [{"type": "report", "site": "donglan", "url": url,
                      "title": "东岚省教育厅2023年政府信息公开工作年度报告",
                      "listed_title": "东岚省教育厅2023年政府信息公开工作…", "year": 2023, "agency": "东岚省教育厅",
                      "published": "2024-01-23", "listing": COL, "attachments": [att1, att2], "sha256": None,
                      "family": "hanweb-jcms", "publisher": "东岚省教育厅"}]
    assert [(q.url, q.meta["ogi"]["name"]) for q in reqs] == [
        (att1, "东岚省教育厅2023年政府信息公开工作年度报告.pdf"), (att2, "统计表.xls")]


def test_downfile_302_disposition_and_sniffed_type():
    sp = spider()
    orig = H + "/module/download/downfile.jsp?classid=0&filename=3f2a9c4e5b6d7e8f90a1b2c3d4e5f6a7.pdf"
    final = H + "/attach/0/3f2a9c4e5b6d7e8f90a1b2c3d4e5f6a7.pdf"
    req = Request(final, meta={"ogi": {"site": "donglan", "role": "attachment", "parent_url": "P", "name": "年报"},
                               "redirect_urls": [orig],
                               "ogi_redirect_disposition": "attachment;filename=%E5%B9%B4%E6%8A%A5.pdf".encode()})
    resp = fake_response(final, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", request=req, kind="raw",
                         headers={"Content-Type": "application/octet-stream"})
    (item,) = sp.parse_attachment(resp)
    assert item == {"type": "attachment", "site": "donglan", "url": orig, "final_url": final, "parent_url": "P",
                    "name": "年报", "filename": "年报.pdf", "sniffed": "pdf", "sha256": None, "size": 21, "status": 200}


def test_content_disposition_encodings():
    assert disposition_filename(b"attachment;filename=%E5%B9%B4%E6%8A%A5.pdf") == "年报.pdf"
    assert disposition_filename("attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.docx") == "年报.docx"
    assert disposition_filename(b'attachment;filename="' + "年报.pdf".encode("gbk") + b'"') == "年报.pdf"  # raw GBK
    assert disposition_filename(None) is None
