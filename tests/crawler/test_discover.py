"""Discovery pieces on saved pages: government-site link sets, CMS fingerprints, the trial verdict and
what accepting candidates does to a registry."""
from bs4 import BeautifulSoup

from crawler.discover import accept, agency_of_title, candidate, fingerprint, judge, link_sets
from fakes import fixture


def soup(name: str, codec: str = "utf-8") -> BeautifulSoup:
    return BeautifulSoup(fixture(f"generic/{name}").decode(codec), "lxml")


def test_province_link_sets_select_and_list_not_other_sites():
    found = link_sets(soup("xiling_home.html"), "http://www.xiling.fixture.gov.cn/")
    assert [(k, h, t, u) for k, h, t, u in found] == [
        ("government", "地方政府网站", "云岭市", "http://www.yunling.fixture.gov.cn/"),
        ("government", "地方政府网站", "青岚市", "http://www.qinglan.fixture.gov.cn/"),
        ("department", "部门网站", "西陵省发展和改革委员会", "http://fgw.xiling.fixture.gov.cn/"),
        ("department", "部门网站", "西陵省教育厅", "http://jyt.xiling.fixture.gov.cn/"),
        ("department", "部门网站", "西陵省财政厅", "http://czt.xiling.fixture.gov.cn/"),
        ("department", "部门网站", "西陵省交通运输厅", "http://jtt.xiling.fixture.gov.cn/"),
        ("department", "部门网站", "西陵省水利厅", "http://slt.xiling.fixture.gov.cn/")]
    # 其他网站 (中国政府网, 人民网) is not a set of subordinate governments


def test_city_links_its_counties():
    found = link_sets(soup("yunling_home.html"), "http://www.yunling.fixture.gov.cn/")
    assert [(k, t) for k, _h, t, _u in found] == [("government", "石岩县"), ("government", "明溪县"), ("government", "临川县"),
                                                 ("government", "江源县")]


def test_fingerprints_from_markers_and_url_shapes():
    def fam(url, name=None, codec="utf-8"):
        html = fixture(f"generic/{name}").decode(codec) if name else ""
        return (fingerprint(url, html) or (None,))[0]

    assert fam("http://x.gov.cn/lcx/zwgk/zfxxgknb/index.html", "linchuan_column.html") == "hanweb-jpaas"
    assert fam("http://x.gov.cn/columns/29527d47-65f0-4e58-9a95-804549f339e9/index.html") == "hebei-uuid-columns"
    assert fam("http://x.gov.cn/xxgk/xxgknb.htm", "shiyan_xxgknb.htm", "gb18030") == "vsb-boda"
    assert fam("http://x.gov.cn/zfxxgk/ndbg/index.shtml", "mingxi_index.shtml", "gb18030") == "km-c-date"
    assert fam("http://x.gov.cn/gongkai/channel_6389a3c83759918282638268/") == "sd-gongkai-objectid"
    assert fam("http://x.gov.cn/zwgk/zfxxgknb/", None) is None
    assert fingerprint("http://x.gov.cn/a/", '<script>createPageHTML(7, 0, "index", "html");</script>')[0] == "trs-wcm"
    assert fingerprint("http://x.gov.cn/col/col1229000101/index.html", "")[0] == "hanweb-jcms"
    assert fingerprint("http://x.gov.cn/zwgk/zfxxgknb/index.html", '<a href="/2024/03-28/2345678.html">')[0] == "henan-date-id"
    assert agency_of_title("首页-云岭市人民政府") == "云岭市人民政府" and agency_of_title("西陵省教育厅") == "西陵省教育厅"


def _rec(host, columns):
    return {"host": host, "home": f"http://{host}/", "level": "county", "region": "西陵省", "parent": "www.p.gov.cn",
            "via": {"page": "http://www.p.gov.cn/", "link_set": "区县政府网站", "link_text": "某县"}, "depth": 1,
            "registry_id": None, "name": "某县人民政府", "columns": columns}


def test_only_candidates_whose_trial_found_a_report_are_accepted():
    with_col = candidate(_rec("www.a.gov.cn", {"http://www.a.gov.cn/nb/": {
        "url": "http://www.a.gov.cn/nb/", "text": "政府信息公开年报", "found_on": "http://www.a.gov.cn/xxgk/",
        "family": "vsb-boda", "marker": "/info/1/2.htm", "fingerprint_url": "http://www.a.gov.cn/nb/"}}))
    empty = candidate(_rec("www.b.gov.cn", {"http://www.b.gov.cn/nb/": {
        "url": "http://www.b.gov.cn/nb/", "text": "年度报告", "found_on": "http://www.b.gov.cn/"}}))
    none = candidate(_rec("www.c.gov.cn", {}))
    assert with_col["family"] == "vsb-boda" and empty["family"] == "generic" and none["entry_urls"] == []
    summary = {"run_id": "r1", "sites": [{"site": with_col["id"], "reports": 3, "status": "ok"},
                                         {"site": empty["id"], "reports": 0, "status": "error"}]}
    items = [{"type": "report", "site": with_col["id"], "url": "http://www.a.gov.cn/info/1/2.htm"}]
    ok, rejected = judge([with_col, empty, none], summary, items)
    assert [c["id"] for c in ok] == [with_col["id"]]
    assert ok[0]["discovery"]["trial"] == {"run_id": "r1", "reports": 3, "status": "ok", "sample": ["http://www.a.gov.cn/info/1/2.htm"]}
    assert [r["rejected"] for r in rejected] == ["trial crawl found no report (error)", "no 年报 column found on the site"]
    registry = [{"id": "old", "entry_urls": ["http://www.old.gov.cn/nb/"]}]
    merged, notes = accept(ok + rejected, registry)
    assert [r["id"] for r in merged] == ["old", with_col["id"]]
    assert sum("not added" in n for n in notes) == 2
    again, notes = accept(ok, merged)
    assert again == merged and notes == [f"{with_col['id']}: already in the registry"]


def test_every_small_layout_is_fingerprinted_from_its_first_list_page():
    import json

    from fakes import FIXTURES
    truth = json.loads((FIXTURES / "generic" / "small" / "expected.json").read_text("utf-8"))
    got = {}
    for site, t in truth.items():
        raw = fixture(f"generic/small/{site}.html")
        html = raw.decode("gb18030" if "GBK" in t["content_type"].upper() else "utf-8")
        got[site] = (fingerprint(t["url"], html) or (None,))[0]
    assert got == {site: t["layout"] for site, t in truth.items()}
