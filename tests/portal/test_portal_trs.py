"""Site A (青屿市, TRS WCM, GBK) and 平潭 (real pages) over real HTTP, proxy mode and Host mode."""
from __future__ import annotations

import hashlib
import re
import urllib.parse
from importlib import resources

import pytest

from ogi.portal import expected

QY = "http://www.qingyu.fixture.gov.cn"
PT = "http://www.pingtan.fixture.gov.cn"


@pytest.fixture(scope="module")
def truth():
    return expected("default")


def links(html: str, base: str):
    return [urllib.parse.urljoin(base, h) for h in re.findall(r'href="([^"#]+)"', html)]


def test_list_page_gbk_bytes_and_header(client):
    status, resp, body = client.get(f"{QY}/zwgk/zfxxgknb/lnnb/index.html")
    assert status == 200
    assert resp.getheader("Content-Type") == "text/html; charset=GBK"
    assert b'charset=gb2312' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gb18030")
    assert "createPageHTML(countPage, currentPage, \"index\", \"html\")" in text
    assert "var countPage = 6//共多少页" in text
    assert re.search(r'<li><a href="\.\./20\d\dnb/szf(bm)?/\d{6}/t\d{8}_\d+\.s?html" target="_blank" title="[^"]+">', text)


def test_gb2312_decoder_fails_on_agency_names(client):
    _, _, body = client.get(f"{QY}/zwgk/zfxxgknb/lnnb/index.html")
    everything = b"".join(client.get(f"{QY}/zwgk/zfxxgknb/lnnb/{n}")[2]
                          for n in ["index.html"] + [f"index_{i}.html" for i in range(1, 6)])
    text = everything.decode("gb18030")
    assert "喆" in text or "堃" in text
    with pytest.raises(UnicodeDecodeError):
        everything.decode("gb2312")


def test_detail_has_no_charset_header_and_trs_metas(client, truth):
    rep = next(r for r in truth["reports"] if r["site_id"] == "qingyu" and r["body"] == "html+att")
    status, resp, body = client.get(rep["url"])
    assert status == 200 and resp.getheader("Content-Type") == "text/html"
    text = body.decode("gb18030")
    for meta in ("ArticleTitle", "PubDate", "ContentSource", "catalogs", "contentid"):
        assert f'<meta name="{meta}"' in text
    assert f'<meta name="ArticleTitle" content="{rep["title"]}">' in text
    assert "xxgk_table" in text and ("TRS_Editor" in text or "trs_editor_view" in text)
    m = re.search(r"var file_appendix='(.*?)';", text)
    assert m and "document.write('相关附件：'+file_appendix)" in text
    hrefs = re.findall(r'href="([^"]+)"', m.group(1))
    got = [urllib.parse.urljoin(rep["url"], h) for h in hrefs]
    assert got == [a["url"] for a in rep["attachments"]]
    for a in rep["attachments"]:
        st, r2, data = client.get(a["url"])
        assert st == 200 and r2.getheader("Content-Type") == "application/octet-stream"
        assert hashlib.sha256(data).hexdigest() == a["sha256"]
        assert re.search(r"/P0\d{20}\.\w+$", a["url"])


def test_pagination_404_past_the_end_is_latin1(client, truth):
    pag = next(p for p in truth["pagination"] if p["scheme"] == "trs-createPageHTML-0")
    assert len(pag["pages"]) == 6
    for u in pag["pages"]:
        assert client.get(u)[0] == 200
    status, resp, body = client.get(pag["end"]["url"])
    assert status == 404 and resp.getheader("Content-Type") == "text/html; charset=iso-8859-1"
    assert b"Not Found" in body


def test_one_based_fg_column(client, truth):
    pag = next(p for p in truth["pagination"] if p["scheme"] == "trs-page_div-1")
    assert pag["pages"][0].endswith("/fg.shtml") and pag["pages"][1].endswith("/fg_2.shtml")
    _, _, body = client.get(pag["pages"][1])
    assert f"createPageHTML('page_div',{len(pag['pages'])},2,'fg','shtml'," in body.decode("gb18030")
    assert client.get(pag["end"]["url"])[0] == 404


def test_every_listed_report_is_linked_from_its_lists(client, truth):
    pages = {}
    for r in truth["reports"] + truth["negatives"]:
        if r["site_id"] != "qingyu":
            continue
        for lu in r["listed_in"]:
            if lu not in pages:
                pages[lu] = set(links(client.get(lu)[2].decode("gb18030"), lu))
            aliases = [r["url"]] + r.get("aliases", []) + r.get("mirrors", [])
            assert any(a in pages[lu] for a in aliases), (r["title"], lu)


def test_quirks(client, truth):
    qy = [r for r in truth["reports"] if r["site_id"] == "qingyu"]
    quirks = {q: r for r in qy for q in r.get("quirks", [])}
    # 301 to the canonical .shtml
    r = quirks["301_to_shtml"]
    status, resp, _ = client.get(r["aliases"][0])
    assert status == 301 and resp.getheader("Location") == r["url"]
    # URL t-date differs from PubDate
    r = quirks["url_tdate_differs_from_pubdate"]
    assert r["published"][:10].replace("-", "") not in r["url"]
    # OLDSRC anchor, image-only, ../ link, two columns, revised version
    text = client.get(quirks["oldsrc_anchor"]["url"])[2].decode("gb18030")
    assert 'OLDSRC="/protect/' in text and 'appendix="true"' in text
    img = quirks["image_only"]
    assert "图片版" in img["title"] and img["format"] == "image"
    assert {a["ext"] for a in img["attachments"]} <= {"jpg", "png"}
    text = client.get(quirks["dotdot_attachment_link"]["url"])[2].decode("gb18030")
    assert "file_appendix='<a href=\"../" in text
    assert len(quirks["listed_in_two_columns"]["listed_in"]) >= 3
    rev = quirks["revised_version"]
    assert len(rev["versions"]) == 2 and rev["versions"][0]["attachments"][0]["sha256"] != \
        rev["versions"][1]["attachments"][0]["sha256"]
    assert client.get(f"{QY}/protect/x.pdf")[0] == 404


def test_seed_reports_are_hosted_with_their_real_bytes(client, truth):
    seeds = [r for r in truth["reports"] if r.get("seed")]
    assert len(seeds) == 5 and all(r["year"] == 2020 and not r["generated"] for r in seeds)
    agencies = {r["agency"] for r in seeds}
    assert "淄博市大数据局" in agencies and "道外区机关服务中心" in agencies
    for r in seeds:
        real = resources.files("ogi.portal").joinpath("documents/seeds/" + r["seed"]).read_bytes()
        text = client.get(r["url"])[2].decode("gb18030")
        assert "详见附件" in text
        st, _, data = client.get(r["attachments"][0]["url"])
        assert st == 200 and data == real
    for sc in ("hostile", "demo"):
        assert len([r for r in expected(sc)["reports"] if r.get("seed")]) == 5


def test_robots_and_proxy_vs_host_mode(client, direct):
    st, resp, body = client.get(f"{QY}/robots.txt")
    assert st == 200 and body == b"User-agent: *\nDisallow: /protect/\n"
    a = client.get(f"{QY}/zwgk/zfxxgknb/")[2]
    b = direct.get(f"{QY}/zwgk/zfxxgknb/")[2]
    assert a == b and "政府信息公开年报".encode("gbk") in a


def test_gzip_when_accepted(client):
    st, resp, body = client.get(f"{QY}/zwgk/zfxxgknb/lnnb/index.html", headers={"Accept-Encoding": "gzip"})
    assert st == 200 and resp.getheader("Content-Encoding") == "gzip"
    assert body == client.get(f"{QY}/zwgk/zfxxgknb/lnnb/index.html")[2]


def test_connect_and_unknown_host_answer_502(portal, client):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=5)
    conn.request("CONNECT", "www.qingyu.fixture.gov.cn:443")
    assert conn.getresponse().status == 502
    conn.close()
    assert client.get("http://www.example.com/")[0] == 502
    assert client.get("http://nothere.fixture.gov.cn/")[0] == 502


def test_pingtan_real_pages_byte_for_byte(client, truth):
    real_list = resources.files("ogi.portal").joinpath("documents/dev-reports/pingtan_zfxxgknb_list.html").read_bytes()
    real_doc = resources.files("ogi.portal").joinpath("documents/dev-reports/pingtan_xzspj_2023.html").read_bytes()
    col = f"{PT}/zwgk/zfxxgk/zfxxgknb/"
    assert client.get(col)[2] == real_list
    doc_url = f"{PT}/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqhzs/zfxxgknb/202401/t20240130_86659.htm"
    assert client.get(doc_url)[2] == real_doc
    # every relative link of the real listing resolves to a served detail page
    rel = re.findall(r'href="(\./\d{6}/t\d+_\d+\.htm)"', real_list.decode("utf-8"))
    assert len(rel) == 10
    pt = {r["url"] for r in truth["reports"] if r["site_id"] == "pingtan"}
    for h in rel:
        u = urllib.parse.urljoin(col, h)
        assert u in pt and client.get(u)[0] == 200
    assert doc_url in pt
    dept = client.get(f"{PT}/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqhzs/zfxxgknb/")[2].decode("utf-8")
    assert './202401/t20240130_86659.htm' in dept
