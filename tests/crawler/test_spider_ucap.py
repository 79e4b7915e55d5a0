"""Kaipu/Ucap spider: shell page -> JSON list file, the search-gov API shape, #UCAP-CONTENT, soft 404s."""
from fakes import fake_response, make_spider, response_for, row, split

H = "http://www.nsa.example.gov.cn"
COL = H + "/zfxxgk/ndbg/"
SEARCH = "http://sousuo.example.gov.cn/search-gov/data?t=zhengcelibrary&q=%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A&p=1&n=3"
JSON = {"Content-Type": "application/json;charset=UTF-8"}


def spider():
    from crawler.spiders.ucap import UcapSpider
    return make_spider(UcapSpider, [row("nsa", "ucap", [COL + "index.htm"], agency="国家示范管理局"),
                                    row("sousuo", "ucap", [SEARCH])])


def test_shell_cmspro_documents_and_json_file():
    sp = spider()
    items, reqs = split(sp.parse_listing(fake_response(COL + "index.htm", "ucap/ndbg_index.htm", site="nsa")))
    assert [(i["url"], i["reason"]) for i in items] == [(COL + "202503/content_6927804.htm", "negative:法治政府")]
    assert [(q.url, q.callback.__name__) for q in reqs] == [
        (COL + "ndbg.json", "parse_listing"),  # from $.getJSON('./ndbg.json', …)
        (COL + "202503/content_6928044.htm", "parse_detail")]  # literal <cmspro_documents> list
    assert [i for i in items if "footer" in i.get("url", "")] == []


def test_json_list_file_with_bom_relative_urls_sub_title_and_epoch_ms():
    sp = spider()
    _, reqs = split(sp.parse_listing(fake_response(COL + "index.htm", "ucap/ndbg_index.htm", site="nsa")))
    json_req = reqs[0]
    items, reqs = split(sp.parse_listing(response_for(json_req, "ucap/ndbg.json", headers=JSON, kind="text")))
    assert items == []  # the 法治政府 negative was already recorded under the same URL
    assert [(q.url, q.meta["ogi"]["listed_title"], q.meta["ogi"]["listed_date"]) for q in reqs] == [
        (COL + "202503/content_6928044.htm", "国家示范管理局2024年政府信息公开工作年度报告", "2025-03-19"),
        (COL + "202402/content_6927453.htm", "国家示范管理局政府信息公开工作年度报告（2023年度）", "2024-02-20"),
        (COL + "200902/content_6925051.htm", "2008年度国家示范管理局政府信息公开工作年度报告", "2009-02-02")]


def test_search_api_shape_pages_while_a_category_is_full():
    sp = spider()
    items, reqs = split(sp.parse_listing(fake_response(SEARCH, "ucap/search_p1.json", site="sousuo", kind="text")))
    assert [(i["site"], i["reason"]) for i in items] == [("nsa", "negative:关于做好"), ("nsa", "negative:关于印发")]
    detail, nxt = reqs
    assert detail.url == COL + "202503/content_6928044.htm"
    assert detail.meta["ogi"]["site"] == "nsa"  # the page belongs to the registry row of its host
    assert detail.meta["ogi"]["listed_title"] == "国家示范管理局2024年政府信息公开工作年度报告"  # <em> removed
    assert detail.meta["ogi"]["listed_date"] == "2025-03-19"
    assert nxt.url == SEARCH.replace("p=1", "p=2") and nxt.meta["ogi"]["site"] == "sousuo"


def test_search_api_short_page_ends():
    sp = spider()
    body = b'{"searchVO":{"totalCount":0,"catMap":{"bumenfile":{"listVO":[]},"gongwen":{"listVO":[]}}}}'
    assert split(sp.parse_listing(fake_response(SEARCH, body, site="sousuo", kind="text"))) == ([], [])


def test_detail_ucap_content_attachment():
    sp = spider()
    url = COL + "200902/content_6925051.htm"
    meta = {"ogi": {"site": "nsa", "role": "report_page", "listed_title": "2008年度国家示范管理局政府信息公开工作年度报告",
                    "listing": COL + "ndbg.json", "listed_date": "2009-02-02"}}
    r = fake_response(url, "ucap/detail_content_6925051.htm", meta=meta)
    assert r.meta["ogi_verdict"] == "ok"  # "404" inside P020090202931404271222.pdf is not a soft 404
    items, reqs = split(sp.parse_detail(r))
    assert items == [{"type": "report", "site": "nsa", "url": url,
                      "title": "2008年度国家示范管理局政府信息公开工作年度报告",
                      "listed_title": "2008年度国家示范管理局政府信息公开工作年度报告", "year": 2008,
                      "agency": "国家示范管理局", "published": "2009-02-02", "listing": COL + "ndbg.json",
                      "attachments": [COL + "200902/P020090202931404271222.pdf"], "sha256": None, "family": "ucap", "publisher": "国家示范管理局"}]
    assert [q.url for q in reqs] == [COL + "200902/P020090202931404271222.pdf"]


def test_soft_404_detail_is_not_a_report():
    sp = spider()
    meta = {"ogi": {"site": "nsa", "role": "report_page", "listed_title": "国家示范管理局2019年政府信息公开工作年度报告"}}
    r = fake_response(COL + "201902/content_missing.htm", "ucap/soft404.html", meta=meta)
    assert r.meta["ogi_verdict"] == "soft404"
    assert split(sp.parse_detail(r)) == ([], [])
    # a bigger page that only redirects home is caught by the spider itself
    big = b"<html><head><title>x</title></head><body>" + b" " * 3000 + b"<script>location.href='/'</script></body></html>"
    r = fake_response(COL + "201902/content_missing2.htm", big, meta=meta)
    assert split(sp.parse_detail(r)) == ([], [])
    assert sp.ctx.events[-1]["kind"] == "soft404"
