"""The base spider's shared behaviour: site attribution, subsites, https fallback, direct documents."""
from scrapy import Request

from crawler.spiders.base import ReportSpider, norm_date
from crawler.spiders.trs import TrsSpider
from fakes import failure_for, fake_response, make_spider, response_for, row, split


def spider():
    return make_spider(TrsSpider, [
        row("a", "trs-wcm", ["http://www.qy.example.gov.cn/zwgk/nb/"], agency="青屿市人民政府"),
        row("b", "trs-wcm", ["http://www.qy.example.gov.cn/bm/nb/"], agency="青屿市教育局"),
        row("c", "trs-wcm", ["http://fgw.qy.example.gov.cn/nb/"]),
        row("g", "trs-wcm", ["http://www.gov.cn/zhengce/nb/"]),
        row("x", "hanweb-jcms", ["http://other.example.gov.cn/"]),  # another family: not this spider's
    ])


def test_allowed_domains_cover_department_subsites_but_never_all_of_gov_cn():
    sp = spider()
    assert sp.allowed_domains == ["fgw.qy.example.gov.cn", "qy.example.gov.cn", "www.gov.cn", "www.qy.example.gov.cn"]
    assert ReportSpider.parent_domain("www.gov.cn") is None
    assert sp.site_of("http://jyt.qy.example.gov.cn/col/1/") == "a"  # subsite of www.qy → row a
    assert sp.site_of("http://fgw.qy.example.gov.cn/x") == "c"  # its own row wins


def test_listed_pages_belong_to_the_row_of_their_host():
    sp = spider()
    lst = fake_response("http://www.qy.example.gov.cn/bm/nb/index.html", b"<html></html>" * 60, site="b")
    (q1,) = split(sp.listed_item(lst, "./202401/t20240101_1.html", "青屿市教育局2023年政府信息公开工作年度报告"))[1]
    assert q1.meta["ogi"]["site"] == "b"  # same host as row a, but listed by row b: stays b
    (q2,) = split(sp.listed_item(lst, "http://fgw.qy.example.gov.cn/nb/t.html", "青屿市发改委2023年政府信息公开工作年度报告"))[1]
    assert q2.meta["ogi"]["site"] == "c"


def test_https_failure_below_http_falls_back_to_http_once():
    sp = spider()
    from scrapy.core.downloader.handlers.http11 import TunnelError
    req = Request("https://www.qy.example.gov.cn/zwgk/nb/t.html", meta={"ogi": {"site": "a", "role": "report_page"}})
    (fb,) = list(sp.on_error(failure_for(req, TunnelError("Could not open CONNECT tunnel with proxy 127.0.0.1:1 [{'status': 502}]"))))
    assert fb.url == "http://www.qy.example.gov.cn/zwgk/nb/t.html" and fb.meta["ogi_https_fallback"] == req.url
    assert sp.ctx.events[-1]["event"] == "https_fallback" and sp.ctx.errors == []
    assert list(sp.on_error(failure_for(fb.replace(url=req.url), TunnelError("again")))) == []  # only once
    assert sp.ctx.errors[-1]["error"] == "TunnelError"


def test_robots_disallow_is_a_finding():
    from scrapy.exceptions import IgnoreRequest
    sp = spider()
    req = Request("http://www.qy.example.gov.cn/protect/a.pdf", meta={"ogi": {"site": "a", "role": "attachment"}})
    assert list(sp.on_error(failure_for(req, IgnoreRequest("Forbidden by robots.txt")))) == []
    assert sp.ctx.robots_disallowed == {"www.qy.example.gov.cn": [req.url]} and sp.ctx.errors == []


def test_list_entry_linking_straight_to_a_document():
    sp = spider()
    lst = fake_response("http://www.qy.example.gov.cn/zwgk/nb/index.html", b"<html></html>" * 60, site="a")
    (q,) = split(sp.listed_document(lst, "/module/download/downfile.jsp?classid=0&filename=ab.pdf",
                                    "青屿市人民政府2022年政府信息公开工作年度报告", "2023-03-01"))[1]
    assert q.callback == sp.parse_listed_document and q.meta["ogi"]["role"] == "attachment"
    resp = response_for(q, b"%PDF-1.7\n", kind="raw", url="http://www.qy.example.gov.cn/attach/0/ab.pdf")
    resp.meta["redirect_urls"] = [q.url]
    report, att = split(sp.parse_listed_document(resp))[0]
    assert (report["type"], report["url"], report["year"], report["agency"], report["attachments"]) == (
        "report", q.url, 2022, "青屿市人民政府", [q.url])
    assert (att["type"], att["sniffed"], att["final_url"]) == ("attachment", "pdf", "http://www.qy.example.gov.cn/attach/0/ab.pdf")
    items, reqs = split(sp.listed_document(lst, "/x.pdf", "青屿市住房公积金2022年年度报告"))
    assert reqs == [] and items[0]["reason"] == "negative:住房公积金"


def test_norm_date_forms():
    assert norm_date("2024-01-23 17:10") == "2024-01-23"
    assert norm_date("2024年1月3日") == "2024-01-03"
    assert norm_date("2025.03.19") == "2025-03-19"
    assert norm_date(1706025600) == "2024-01-24"  # epoch seconds, China time
    assert norm_date("1233565200000") == "2009-02-02"  # epoch milliseconds
    assert norm_date("2024-13-01") is None and norm_date(None) is None


def test_relative_agency_name_gives_way_to_the_publisher():
    pick = ReportSpider.pick_agency
    assert pick("2020年区数据局政府信息工作年报", "", "", "下城区数据资源管理局", None) == "下城区数据资源管理局"
    assert pick("青屿市教育局2023年政府信息公开工作年度报告", "", "", "市教育局", None) == "青屿市教育局"
    assert pick("2025年政府信息公开工作年度报告", "", "", "平川区发改局", "平川区人民政府") == "平川区发改局"
    assert pick("2025年政府信息公开工作年度报告", "", "", None, "平川区人民政府") == "平川区人民政府"
