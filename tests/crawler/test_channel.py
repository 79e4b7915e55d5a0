"""Department/township channels: the link text of a sub-column that names an agency travels with the
listing to its report items, as a naming context for normalize (issue 7: 'department channel')."""
import pytest
from crawler.spiders.base import channel_name
from crawler.spiders.trs import TrsSpider

from fakes import fake_response, make_spider, response_for, row, split

HOST = "http://www.qingyu.fixture.gov.cn"
COL = HOST + "/zwgk/zfxxgknb/"

HUB = ('<html><body><ul>'
       '<li><a href="./2023nb/jyj/index.html">青屿市教育局</a></li>'
       '<li><a href="./2023nb/index.html">2023年度</a></li>'
       '</ul></body></html>').encode("gb18030")
LIST = ('<html><body><ul><li><a href="./202401/t20240125_1.html" title="市教育局2023年政府信息公开工作年度报告">'
        '市教育局2023年政府信息公开工作年度报告</a><span>2024-01-25</span></li></ul></body></html>').encode("gb18030")
DETAIL = ('<html><head><meta name="ArticleTitle" content="市教育局2023年政府信息公开工作年度报告"></head><body>'
          '<div class="TRS_Editor"><p>本报告依据《中华人民共和国政府信息公开条例》编制。主动公开政府信息情况。'
          '收到和处理政府信息公开申请情况。</p></div></body></html>').encode("gb18030")


@pytest.mark.parametrize("text, name", [
    ("青屿市教育局", "青屿市教育局"), ("城关镇", "城关镇"), ("东城 街道", "东城街道"),
    ("市发展和改革委员会", "市发展和改革委员会"), ("2023年度", None), ("部门年报", None),
    ("更多", None), ("政府信息公开年报", None), ("", None), (None, None),
])
def test_channel_name(text, name):
    assert channel_name(text) == name


def test_channel_travels_from_the_hub_link_to_the_report_item():
    sp = make_spider(TrsSpider, [row("qingyu", "trs-wcm", [COL], agency="青屿市人民政府")])
    hub = fake_response(COL + "index.html", HUB, site="qingyu", headers={"Content-Type": "text/html; charset=GBK"})
    _, reqs = split(sp.parse_listing(hub))
    by_url = {q.url.replace(COL, ""): q.meta["ogi"].get("channel") for q in reqs}
    assert by_url == {"2023nb/jyj/index.html": "青屿市教育局", "2023nb/index.html": None}
    dept = next(q for q in reqs if q.meta["ogi"].get("channel"))
    items, details = split(sp.parse_listing(response_for(dept, LIST, headers={"Content-Type": "text/html; charset=GBK"})))
    assert items == [] and [d.meta["ogi"]["channel"] for d in details] == ["青屿市教育局"]
    items, _ = split(sp.parse_detail(response_for(details[0], DETAIL, headers={"Content-Type": "text/html; charset=GBK"})))
    assert [(i["type"], i["channel"]) for i in items] == [("report", "青屿市教育局")]
