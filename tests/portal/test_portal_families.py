"""Sites B–F over real HTTP: Hanweb data proxy, gkmlpt JSON API, Ucap JSON shell and search, platform
year filters, anti-bot hosts."""
from __future__ import annotations

import hashlib
import json
import re
import urllib.parse

import pytest

from ogi.portal import expected, registry_rows

DL = "http://www.donglan.fixture.gov.cn"
JYT = "http://jyt.donglan.fixture.gov.cn"
BS = "http://www.baishi.fixture.gov.cn"
NSA = "http://www.nsa.fixture.gov.cn"
PROXY = f"{DL}/module/web/jpage/dataproxy.jsp"


@pytest.fixture(scope="module")
def truth():
    return expected("default")


# ---------------------------------------------------------------- Hanweb JCMS


def test_hanweb_inline_first_group(client, truth):
    st, resp, body = client.get(f"{DL}/col/col1229000102/index.html")
    text = body.decode("utf-8")
    assert st == 200 and '<script type="text/xml"><datastore>' in text and "<nextgroup><![CDATA[" in text
    assert text.count("<record><![CDATA[") == 45
    pag = next(p for p in truth["pagination"] if p["column"].endswith("col1229000102/index.html"))
    assert f"totalRecord: {pag['total_record']}" in text and "perPage: 15" in text
    assert re.search(r"<li class=\"clearfix\"><a href=\"/art/\d{4}/\d{1,2}/\d{1,2}/art_1229000102_\d+\.html\"", text)


def test_hanweb_group_arithmetic_post_and_get(client, truth):
    pag = next(p for p in truth["pagination"] if p["column"].endswith("col1229000102/index.html"))
    total = pag["total_record"]
    form = {"col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": "1229000102", "sourceContentType": "1",
            "unitid": "4002", "webname": "东岚省人民政府", "permissiontype": "0"}
    seen = []
    for g in pag["proxy_groups"]:
        url = f"{PROXY}?startrecord={g['startrecord']}&endrecord={g['endrecord']}&perpage=15"
        st, resp, body = client.post(url, form, headers={"Referer": pag["column"]})
        text = body.decode("utf-8")
        assert st == 200 and f"<totalrecord>{total}</totalrecord>" in text
        assert f"<totalpage>{-(-total // 15)}</totalpage>" in text
        recs = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", text, re.S)
        assert len(recs) == min(g["endrecord"], total) - g["startrecord"] + 1
        seen += recs
        # GET with the same names in the query string gives the same records
        q = urllib.parse.urlencode(dict(form, startrecord=g["startrecord"], endrecord=g["endrecord"], perpage=15))
        assert re.findall(r"<record>.*?</record>", client.get(f"{PROXY}?{q}")[2].decode(), re.S) == \
            re.findall(r"<record>.*?</record>", text, re.S)
    assert [g["startrecord"] for g in pag["proxy_groups"]] == [46, 91]
    assert len(seen) == total - 45


def test_hanweb_cap_empty_and_404(client):
    q = "columnid=1229000102&unitid=4002&startrecord=1&endrecord=1000&perpage=1000"
    body = client.get(f"{PROXY}?{q}")[2].decode()
    total = int(re.search(r"<totalrecord>(\d+)", body).group(1))
    assert body.count("<record>") == min(total, 300)
    assert f"<totalpage>{-(-total // 300)}</totalpage>" in body
    st, _, empty = client.get(f"{PROXY}?startrecord=1&endrecord=45&perpage=15")
    assert st == 200 and len(empty) == 54 and empty.startswith(b"<datastore>")
    assert client.get(f"{DL}/module/jpage/dataproxy.jsp?columnid=1229000102&unitid=4002")[0] == 404
    assert client.get(f"{DL}/robots.txt")[0] == 404


def test_hanweb_encrypted_column_empty_past_second_group(client, truth):
    text = client.get(f"{JYT}/col/col1229000301/index.html")[2].decode()
    href = re.search(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"', text).group(1)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(href).query))
    assert not q["columnid"].isdigit()
    pag = next(p for p in truth["pagination"] if p.get("encrypted"))
    for g in pag["proxy_groups"]:
        q.update(startrecord=str(g["startrecord"]), endrecord=str(g["endrecord"]), perpage=str(g["perpage"]))
        body = client.get(f"{JYT}/module/web/jpage/dataproxy.jsp?{urllib.parse.urlencode(q)}")[2]
        assert (len(body) == 54) == g["empty"]
    lost = [r for r in truth["lost"] if r["lost_reason"] == "encrypted_column_group_past_second"]
    assert lost and all(r["host"] == "jyt.donglan.fixture.gov.cn" for r in lost)


def test_hanweb_detail_and_downfile_redirect(client, truth):
    rep = next(r for r in truth["reports"] if r["host"] == "www.donglan.fixture.gov.cn" and r["attachments"])
    assert re.search(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$", rep["url"])
    text = client.get(rep["url"])[2].decode()
    assert '<div id="zoom">' in text and '<meta name="ContentStart">' in text and "信息公开元数据" in text
    dl = re.findall(r'href="(/module/download/downfile\.jsp\?classid=0&filename=[0-9a-f]{32}\.\w+)"', text)
    assert dl
    st, resp, _ = client.get(DL + dl[0])
    assert st == 302 and resp.getheader("Location").startswith(f"{DL}/attach/0/")
    assert resp.getheader("Content-Disposition").startswith("attachment;filename=")
    st, _, data = client.get(resp.getheader("Location"))
    assert st == 200 and hashlib.sha256(data).hexdigest() == rep["attachments"][0]["sha256"]


def test_hanweb_area_column_and_annual_report_module(client, truth):
    row = next(r for r in registry_rows("default") if r["id"] == "donglan")
    area_url = next(u for u in row["entry_urls"] if "vc_xxgkarea" in u)
    assert client.get(area_url)[2].decode().count("<record>") == 3
    # the Shandong-style column's data proxy answers empty: the list must come from the static HTML
    assert len(client.get(f"{PROXY}?columnid=1229000103&unitid=4003&startrecord=1&endrecord=45")[2]) == 54
    gov = next(r for r in truth["reports"] if r["agency"] == "东岚省人民政府" and r["year"] == 2023)
    hub = client.get(f"{DL}/col/col1229000100/index.html")[2].decode()
    ann = re.search(r'href="(/module/xxgk/xxgkAnnualReport\.jsp\?fbtime=2024&area=\w+)"', hub).group(1)
    text = client.get(DL + ann.replace("fbtime=2024", "fbtime=2023"))[2].decode()
    assert gov["url"].replace(DL, "") in text


def test_hanweb_waf_without_accept_language(hclient):
    st, _, body = hclient.get(f"{DL}/col/col1229000101/index.html", headers={"Accept-Language": ""})
    assert st == 200 and b"online-desc-con" in body
    st, _, body = hclient.get(f"{DL}/col/col1229000101/index.html")
    assert b"<datastore>" in body


# ---------------------------------------------------------------- gkmlpt


def test_gkmlpt_config_and_api(client, truth):
    text = client.get(f"{BS}/gkmlpt/index")[2].decode()
    sid = re.search(r"SID:\s*'(\d+)'", text).group(1)
    tree = json.loads(re.search(r"TREE:\s*(\[.*?\])\s*,\s*SERVICE_AREA_ID", text, re.S).group(1))
    root = tree[0]
    assert root["id"] == 2629 and root["children"]
    got, page = [], 1
    while True:
        st, resp, body = client.get(f"{BS}/gkmlpt/api/all/2629?page={page}&sid={sid}")
        data = json.loads(body)
        assert resp.getheader("Content-Type").startswith("application/json")
        assert data["classify"]["post_count"] == root["post_count"]
        if not data["articles"]:
            break
        assert len(data["articles"]) <= 20
        got += data["articles"]
        page += 1
    assert len(got) == root["post_count"]
    assert json.loads(client.get(f"{BS}/gkmlpt/api/all/2629?page=1&sid=1")[2]) == {"articles": []}
    assert json.loads(client.get(f"{BS}/gkmlpt/api/all/2629?page=1")[2]) == {"articles": []}
    assert any(a["url"].startswith("https://") for a in got)
    reports = {r["post_id"]: r for r in truth["reports"] if r["site_id"] == "baishi"}
    art = next(a for a in got if a["id"] in reports and a["attachment"])
    detail = client.get(art["url"].replace("https://", "http://"))[2].decode()
    m = re.search(r"window\._CONFIG\.DETAIL = (\{.*?\});</script>", detail, re.S)
    d = json.loads(m.group(1))
    assert d["title"] == art["title"] and "\\u003C" in m.group(1) and d["attachment"]
    a_url = urllib.parse.urljoin(art["url"], d["attachment"][0]["url"]).replace("https://", "http://")
    assert re.search(r"/attachment/0/\d+/\d+/\d+\.\w+$", a_url)
    assert hashlib.sha256(client.get(a_url)[2]).hexdigest() == reports[art["id"]]["attachments"][0]["sha256"]
    # the 集约化 column lists the same report at /zwgk/xxgknb/content/post_<id>.html
    assert any(m.endswith(f"/zwgk/xxgknb/content/post_{art['id']}.html") for m in reports[art["id"]]["mirrors"])


# ---------------------------------------------------------------- Ucap and search


def test_ucap_shell_json_detail_and_soft_404(client, truth):
    shell = client.get(f"{NSA}/zfxxgk/ndbg/index.htm")[2].decode()
    assert "<cmspro_documents>" in shell and 'class="page_div"' in shell and "./ndbg.json" in shell
    data = json.loads(client.get(f"{NSA}/zfxxgk/ndbg/ndbg.json")[2])
    assert set(data[0]) == {"TITLE", "SUB_TITLE", "URL", "DOCRELPUBTIME"}
    nsa = [r for r in truth["reports"] if r["site_id"] == "nsa"]
    urls = {urllib.parse.urljoin(f"{NSA}/zfxxgk/ndbg/ndbg.json", x["URL"]) for x in data}
    assert {r["url"] for r in nsa} <= urls
    text = client.get(nsa[0]["url"])[2].decode()
    assert 'id="UCAP-CONTENT"' in text and '<meta name="others"' in text
    st, _, body = client.get(f"{NSA}/no/such/page.htm")
    assert st == 200 and body == b"<script>location.href='/'</script>"
    assert b"Disallow: /\n" not in client.get(f"{NSA}/robots.txt")[2]


def test_ucap_hostile_robots(hclient):
    body = hclient.get(f"{NSA}/robots.txt")[2]
    assert body == b"User-agent: Baiduspider\nAllow: /\n\nUser-agent: *\nDisallow: /\n"
    hs = {h["host"]: h["expected"] for h in expected("hostile")["host_status"]}
    assert hs["www.nsa.fixture.gov.cn"] == "robots_disallowed"
    assert not [r for r in expected("hostile")["reports"] if r["site_id"] == "nsa"]


def test_search_api_shape(client):
    q = urllib.parse.quote("政府信息公开工作年度报告")
    data = json.loads(client.get(f"http://sousuo.fixture.gov.cn/search-gov/data?t=zhengcelibrary&q={q}&p=1&n=5")[2])
    assert data["totalCount"] == 0
    cm = data["searchVO"]["catMap"]
    assert set(cm) == {"gongwen", "bumenfile", "otherfile", "gongbao"}
    vo = cm["bumenfile"]["listVO"]
    assert len(vo) == 5 and {"title", "url", "pcode", "puborg", "pubtimeStr", "ptime", "childtype", "summary", "id"} <= set(vo[0])
    data = json.loads(client.get(f"http://sousuo.fixture.gov.cn/search-gov/data?t=bogus&q={q}")[2])
    assert all(not v["listVO"] for v in data["searchVO"]["catMap"].values())


# ---------------------------------------------------------------- province platform


def test_platform_year_filter(client, truth):
    reps = [r for r in truth["reports"] if r["site_id"] == "jiangyuan"]
    for y in (2021, 2024):
        url = f"http://www.jiangyuan.fixture.gov.cn/public/column/6596571?type=3&nav=5&sub=&timeFrame={y}&hasContent=true"
        text = client.get(url)[2].decode()
        hrefs = set(re.findall(r'href="(/public/6596571/\d+\.html)"', text))
        want = {urllib.parse.urlsplit(r["url"]).path for r in reps if r["year"] == y}
        assert want and want <= hrefs
        assert f"timeFrame={y - 1}" in text


# ---------------------------------------------------------------- anti-bot hosts


def test_antibot_hosts(portal, client, truth):
    hs = {h["host"]: h["expected"] for h in truth["host_status"]}
    st, resp, body = client.get("http://www.shimen.fixture.gov.cn/robots.txt")
    assert st == 412 and b"$_ts=window['$_ts']" in body and b"r='m'" in body
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    assert cookie.startswith("FSSBBIl1UgzbN7N80S=")
    assert client.get("http://www.shimen.fixture.gov.cn/zwgk/zfxxgknb/", headers={"Cookie": cookie})[0] == 412
    assert portal.hits.total("www.shimen.fixture.gov.cn") == 2
    assert hs["www.shimen.fixture.gov.cn"] == "blocked:ruishu"
    st, resp, body = client.get("http://www.jiale.fixture.gov.cn/zwgk/zfxxgknb/")
    assert st == 521 and b"__jsl_clearance_s" in body and "__jsluid_s=" in resp.getheader("Set-Cookie")
    st, _, body = client.get("http://www.huaxi.fixture.gov.cn/")
    assert st == 200 and "<title>访问异常页面</title>".encode() in body
    st, _, body = client.get("http://www.ningbian.fixture.gov.cn/")
    assert st == 200 and "请稍候".encode() in body and 20000 < len(body) < 26000
    assert client.request("http://www.ningbian.fixture.gov.cn/", method="HEAD")[0] == 405
    assert client.get("http://www.beishan.fixture.gov.cn/")[0] == 403
    assert hs["www.beishan.fixture.gov.cn"] == "unreachable"
