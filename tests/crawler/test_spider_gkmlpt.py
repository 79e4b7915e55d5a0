"""Guangdong gkmlpt spider: _CONFIG (JS literal) SID/TREE, JSON list API paging, DETAIL JSON, HTTP only."""
import asyncio

from scrapy.http import Request

from crawler.spiders.gkmlpt import GkmlptSpider, js_object, parse_config, report_categories
from fakes import fixture, make_spider, response_for, row, split

H = "http://www.baishi.example.gov.cn"
JSON = {"Content-Type": "application/json;charset=UTF-8"}


def spider():
    return make_spider(GkmlptSpider, [row("baishi", "gd-gkmlpt", [
        "https://www.baishi.example.gov.cn/gkmlpt/annualreport#2629", H + "/zwgk/xxgknb/index.html"], agency="白石县人民政府")])


def starts(sp):
    async def collect():
        return [r async for r in sp.start()]
    return asyncio.run(collect())


def to_api(sp):
    """Entry shell -> /gkmlpt/index -> first API request."""
    entry = starts(sp)[0]
    _, (index_req,) = split(sp.parse_listing(response_for(entry, "gkmlpt/annualreport.html")))
    _, api = split(sp.parse_listing(response_for(index_req, "gkmlpt/index.html")))
    return api


def test_entry_is_rewritten_to_http_and_keeps_the_fragment_category():
    sp = spider()
    entry, column = starts(sp)
    assert entry.url == H + "/gkmlpt/annualreport"  # https -> http, no fragment
    assert entry.meta["gkmlpt_catids"] == [2629]
    assert column.url == H + "/zwgk/xxgknb/index.html"


def test_shell_asks_for_the_config_page_once():
    sp = spider()
    entry = starts(sp)[0]
    _, reqs = split(sp.parse_listing(response_for(entry, "gkmlpt/annualreport.html")))
    assert [(q.url, q.meta["gkmlpt_catids"]) for q in reqs] == [(H + "/gkmlpt/index", [2629])]
    assert split(sp.parse_listing(response_for(entry, "gkmlpt/annualreport.html"))) == ([], [])


def test_config_js_literal_sid_and_tree_pick_report_category():
    sid, tree = parse_config(fixture("gkmlpt/index.html").decode())
    assert sid == "760123"
    assert [c["id"] for c in report_categories(tree)] == [2629, 2631]  # not 通知公告, not 网站工作年度报表
    assert js_object("{SID: '2', TREE: [{\"id\": 1}],}") == {"SID": "2", "TREE": [{"id": 1}]}
    api = to_api(spider())
    # 2631 has post_count 0: not asked
    assert [(q.url, q.callback.__name__) for q in api] == [(H + "/gkmlpt/api/all/2629?page=1&sid=760123", "parse_api")]


def test_api_paging_until_post_count():
    sp = spider()
    (p1,) = to_api(sp)
    items, reqs = split(sp.parse_api(response_for(p1, "gkmlpt/api_2629_page1.json", headers=JSON, kind="text")))
    assert [(i["type"], i["reason"]) for i in items] == [("negative", "negative:公布情况")]
    details = [q for q in reqs if q.callback == sp.parse_detail]
    assert len(details) == 19
    assert details[4].url == H + "/gkmlpt/content/4/4804/post_4804005.html"  # written https:// in the JSON
    assert details[0].meta["ogi"]["listed_date"] == "2024-01-25"  # epoch seconds, China time
    assert details[0].meta["ogi"]["gkmlpt_attachments"] == [["/attachment/0/599/599001/4804801.pdf", "年报.pdf"]]
    (p2,) = [q for q in reqs if q.callback == sp.parse_api]
    assert p2.url == H + "/gkmlpt/api/all/2629?page=2&sid=760123"
    items, reqs = split(sp.parse_api(response_for(p2, "gkmlpt/api_2629_page2.json", headers=JSON, kind="text")))
    # 20 + 3 = 23 = post_count: no page 3
    assert [q.url.rsplit("/", 1)[1] for q in reqs] == ["post_4804021.html", "post_4804022.html", "post_4804023.html"]


def test_wrong_sid_empty_articles_is_recorded_and_ends():
    sp = spider()
    (p1,) = to_api(sp)
    assert split(sp.parse_api(response_for(p1, "gkmlpt/api_wrong_sid.json", headers=JSON, kind="text"))) == ([], [])
    assert sp.ctx.events[-1]["event"] == "gkmlpt_empty_list"


def test_detail_json_body_and_attachments():
    sp = spider()
    (p1,) = to_api(sp)
    _, reqs = split(sp.parse_api(response_for(p1, "gkmlpt/api_2629_page1.json", headers=JSON, kind="text")))
    items, atts = split(sp.parse_detail(response_for(reqs[0], "gkmlpt/detail_post_4804001.html")))
    url = H + "/gkmlpt/content/4/4804/post_4804001.html"
    assert items == [{"type": "report", "site": "baishi", "url": url,
                      "title": "白石县第1局2023年政府信息公开工作年度报告",
                      "listed_title": "白石县第1局2023年政府信息公开工作年度报告", "year": 2023, "agency": "白石县第1局",
                      "published": "2024-01-25", "listing": p1.url,
                      "attachments": [H + "/attachment/0/599/599001/4804801.pdf"],  # https in DETAIL -> http
                      "sha256": None, "family": "gd-gkmlpt", "publisher": "白石县第1局"}]
    assert [(q.url, q.meta["ogi"]["name"]) for q in atts] == [
        (H + "/attachment/0/599/599001/4804801.pdf", "白石县第1局2023年政府信息公开工作年度报告.pdf")]


def test_intensive_column_dedups_posts_and_pages():
    sp = spider()
    (p1,) = to_api(sp)
    split(sp.parse_api(response_for(p1, "gkmlpt/api_2629_page1.json", headers=JSON, kind="text")))
    column = starts(sp)[1]
    items, reqs = split(sp.parse_listing(response_for(column, "gkmlpt/column_xxgknb.html")))
    # negatives are recorded under every URL they are listed with
    assert [i["url"] for i in items] == [H + "/zwgk/xxgknb/content/post_4804020.html"]
    # post 4804001 is already requested through the API; 4804030 (written https://) is new and is asked
    # for under its gkmlpt URL (the same post whichever list is read first), the column URL kept as fallback
    assert [q.url for q in reqs] == [H + "/gkmlpt/content/4/4804/post_4804030.html",
                                     H + "/zwgk/xxgknb/index_2.html", H + "/zwgk/xxgknb/index_3.html"]
    _, retry = split(sp.parse_detail(response_for(reqs[0], b"")))  # empty body: try the column's URL
    assert [q.url for q in retry] == [H + "/zwgk/xxgknb/content/post_4804030.html"]


def test_failed_post_is_tried_under_its_other_url():
    sp = spider()
    (p1,) = to_api(sp)
    _, reqs = split(sp.parse_api(response_for(p1, "gkmlpt/api_2629_page1.json", headers=JSON, kind="text")))
    first = reqs[0]
    split(sp.parse_listing(response_for(starts(sp)[1], "gkmlpt/column_xxgknb.html")))  # lists post 4804001 again
    empty = response_for(first, b"")  # the gkmlpt URL answers an empty body
    assert empty.meta["ogi_verdict"] == "empty"
    _, retry = split(sp.parse_detail(empty))
    assert [q.url for q in retry] == [H + "/zwgk/xxgknb/content/post_4804001.html"]
    assert sp.ctx.events[-1]["event"] == "mirror_fallback"
    assert isinstance(retry[0], Request) and retry[0].callback == sp.parse_detail


def test_a_post_that_failed_before_its_other_url_was_listed_is_tried_there():
    """The order of the previous test reversed (a loaded machine reads the lists in any order): the
    gkmlpt URL fails first, the 集约化 column listing the same post comes after; it is still tried."""
    sp = spider()
    (p1,) = to_api(sp)
    _, reqs = split(sp.parse_api(response_for(p1, "gkmlpt/api_2629_page1.json", headers=JSON, kind="text")))
    _, retry = split(sp.parse_detail(response_for(reqs[0], b"")))  # empty body, no other URL known yet
    assert retry == []
    _, later = split(sp.parse_listing(response_for(starts(sp)[1], "gkmlpt/column_xxgknb.html")))
    assert H + "/zwgk/xxgknb/content/post_4804001.html" in [q.url for q in later]
    assert sp.ctx.events[-1]["event"] == "mirror_fallback"


def test_sub_categories_only_when_the_parent_did_not_cover_them():
    sp = spider()
    tree = [{"id": 10, "name": "政府信息公开年报", "post_count": 3, "children": [
        {"id": 11, "name": "县政府年报", "post_count": 1, "children": []},
        {"id": 12, "name": "部门年报", "post_count": 2, "children": []}]},
        {"id": 20, "name": "年度报告", "post_count": 0, "children": [{"id": 21, "name": "2024年", "post_count": 4}]}]
    index = ("<script>window._CONFIG = {SID: '9', TREE: " + __import__("json").dumps(tree, ensure_ascii=False)
             + ", SERVICE_AREA_ID: 1};</script>" + " " * 600).encode()
    entry = starts(sp)[0]
    _, (index_req,) = split(sp.parse_listing(response_for(entry, "gkmlpt/annualreport.html")))
    index_req.meta["gkmlpt_catids"] = None
    _, api = split(sp.parse_listing(response_for(index_req, index)))
    # 10 is asked first; 20 has no posts of its own, so its child 21 is asked directly
    assert [q.url.split("/api/all/")[1] for q in api] == ["10?page=1&sid=9", "21?page=1&sid=9"]
    arts = lambda ids: ('{"classify":{"post_count":%d},"articles":[' % len(ids) + ",".join(
        '{"id":%d,"title":"白石县第%d局2023年政府信息公开工作年度报告","url":"/gkmlpt/content/0/%d/post_%d.html"}' % (i, i, i, i)
        for i in ids) + ']}').encode()
    _, reqs = split(sp.parse_api(response_for(api[0], arts([1, 2, 3]), kind="text")))
    assert [q for q in reqs if q.callback == sp.parse_api] == []  # 3 posts >= 1 + 2 in the children
    _, reqs = split(sp.parse_api(response_for(api[0], arts([4]), kind="text")))  # a parent without its children's posts
    assert [q.url.split("/api/all/")[1] for q in reqs if q.callback == sp.parse_api] == ["11?page=1&sid=9", "12?page=1&sid=9"]
