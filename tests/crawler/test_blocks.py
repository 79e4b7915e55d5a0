"""Classifying responses before parsing (PORTALS.md §5, §8.5) and stopping at a blocked host."""
import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response

from crawler.blocks import classify
from crawler.middlewares import BlockMiddleware, RedirectRecordMiddleware
from fakes import FakeCtx, fixture


def verdict(status, name_or_body, ctype="text/html", **kw):
    body = fixture(name_or_body) if isinstance(name_or_body, str) else name_or_body
    return classify(status, {"content-type": ctype}, body, **kw)


def test_ruishu_412_challenge():
    v = verdict(412, "blocks/ruishu_412.html")
    assert v.kind == "blocked:ruishu" and v.blocked
    assert verdict(200, "blocks/ruishu_412.html").kind == "blocked:ruishu"  # also sent as 200/202
    assert verdict(202, "blocks/ruishu_412.html").kind == "blocked:ruishu"
    assert verdict(412, b"").kind == "blocked:ruishu"


def test_jsl_521():
    assert verdict(521, "blocks/jsl_521.html").kind == "blocked:jsl"
    assert verdict(200, "blocks/jsl_521.html").kind == "blocked:jsl"


def test_waf_page_200():
    assert verdict(200, "blocks/waf_200.html").kind == "blocked:waf"
    jiangsu = '<html><body><div class="online-desc-con"><h3>您的请求已被拦截</h3></div></body></html>'.encode()
    assert verdict(200, jiangsu).kind == "blocked:waf"


def test_slider_page():
    v = verdict(200, "blocks/slider_200.html")
    assert len(fixture("blocks/slider_200.html")) > 20000 and v.kind == "blocked:slider"


def test_soft_404_pages():
    assert verdict(200, "blocks/soft404_feifa.html").kind == "soft404"
    assert verdict(200, b"<script>location.href='/'</script>").kind == "soft404"
    assert verdict(200, b"<html><script>window.location.href = \"/\";</script></html>").kind == "soft404"


def test_404_inside_a_file_name_is_not_a_soft_404():
    page = ('<html><head><meta name="ArticleTitle" content="某局2008年政府信息公开工作年度报告"></head><body>'
            '<div id="UCAP-CONTENT"><a href="./P020090202931404271222.pdf">附件</a></div></body></html>').encode()
    assert verdict(200, page).kind == "ok"


def test_350_byte_stub_and_empty():
    assert verdict(200, "blocks/stub_350.html").kind == "stub"
    assert verdict(200, b"").kind == "empty"
    assert verdict(200, b"<html><body><a href='x'>x</a></body></html>").kind == "ok"  # small but has links


def test_documents_are_judged_by_status_and_size_only():
    pdf_with_words = b"%PDF-1.4 ... \xe8\xae\xbf\xe9\x97\xae\xe5\xbc\x82\xe5\xb8\xb8 404 vcode"  # 访问异常 inside a PDF
    assert verdict(200, pdf_with_words, "application/octet-stream", is_document=True).kind == "ok"
    assert verdict(200, b"", "application/octet-stream", is_document=True).kind == "empty"
    assert verdict(412, b"", is_document=True).kind == "blocked:ruishu"


def test_normal_pages_are_ok():
    assert verdict(200, "trs/list_index.html").kind == "ok"
    assert verdict(200, b'{"articles":[]}', "application/json").kind == "ok"


class _Crawler:
    def __init__(self):
        self.spider = None
        self.settings = {}


def middleware(cls, ctx):
    mw = cls()
    mw.crawler = _Crawler()
    type(mw).ctx = property(lambda self: ctx)  # cls is a throwaway subclass made by each test
    return mw


class _Ctx(FakeCtx):
    def __init__(self):
        super().__init__()
        self.blocked_hosts = {}

    def block_host(self, host, kind, status, url, sha1, site):
        if host in self.blocked_hosts:
            return False
        self.blocked_hosts[host] = {"host": host, "kind": kind, "first_status": status}
        return True


def test_block_middleware_reports_once_and_stops_the_host():
    ctx = _Ctx()
    mw = middleware(type("B", (BlockMiddleware,), {}), ctx)
    req = Request("http://www.shimen.example.gov.cn/robots.txt")
    resp = HtmlResponse(req.url, status=412, body=fixture("blocks/ruishu_412.html"), request=req)
    with pytest.raises(IgnoreRequest):
        mw.process_response(req, resp)
    assert ctx.blocked_hosts["www.shimen.example.gov.cn"]["kind"] == "blocked:ruishu"
    with pytest.raises(IgnoreRequest, match="blocked"):
        mw.process_request(Request("http://www.shimen.example.gov.cn/zwgk/"))
    mw.process_request(Request("http://www.other.example.gov.cn/"))  # other hosts unaffected


def test_denied_host_becomes_unreachable_after_two_403s():
    ctx = _Ctx()
    mw = middleware(type("B2", (BlockMiddleware,), {}), ctx)
    for path in ("/robots.txt", "/zwgk/"):
        req = Request("http://www.beishan.example.gov.cn" + path)
        mw.process_response(req, HtmlResponse(req.url, status=403, body=b"<html>403 Forbidden</html>", request=req))
    assert ctx.blocked_hosts["www.beishan.example.gov.cn"]["kind"] == "unreachable"
    # a host that answered once is not declared unreachable by later 403s
    ok = Request("http://www.fine.example.gov.cn/robots.txt")
    mw.process_response(ok, Response(ok.url, status=404, request=ok))
    for path in ("/a", "/b", "/c"):
        req = Request("http://www.fine.example.gov.cn" + path)
        mw.process_response(req, HtmlResponse(req.url, status=403, body=b"<html>no</html>", request=req))
    assert "www.fine.example.gov.cn" not in ctx.blocked_hosts


def test_self_redirect_once_then_loop_is_stopped():
    ctx = _Ctx()
    mw = middleware(type("R", (RedirectRecordMiddleware,), {}), ctx)
    url = "http://www.qingyu.example.gov.cn/zwgk/a.html"
    req = Request(url)
    r302 = Response(url, status=302, headers={"Location": url, "Set-Cookie": "CT6T=1; path=/"}, request=req)
    assert mw.process_response(req, r302) is r302
    assert req.dont_filter and req.meta["ogi_self_redirects"] == 1
    again = req.replace()  # what RedirectMiddleware sends next (meta copied)
    with pytest.raises(IgnoreRequest, match="redirect_loop"):
        mw.process_response(again, Response(url, status=302, headers={"Location": url}, request=again))
    assert [e["event"] for e in ctx.events] == ["redirect", "redirect", "redirect_loop"]


def test_redirect_hands_content_disposition_on():
    ctx = _Ctx()
    mw = middleware(type("R2", (RedirectRecordMiddleware,), {}), ctx)
    req = Request("http://h.example.gov.cn/module/download/downfile.jsp?classid=0&filename=ab.pdf")
    resp = Response(req.url, status=302, request=req,
                    headers={"Location": "/attach/0/ab.pdf", "Content-Disposition": "attachment;filename=%E5%B9%B4.pdf"})
    mw.process_response(req, resp)
    assert req.meta["ogi_redirect_disposition"] == b"attachment;filename=%E5%B9%B4.pdf"
    assert ctx.events[0]["location"] == "http://h.example.gov.cn/attach/0/ab.pdf"


def test_mojibake_score_flags_wrongly_decoded_chinese():
    from crawler.encoding import mojibake_score

    text = "青屿市人民政府2023年政府信息公开工作年度报告"
    assert mojibake_score(text) == 0
    assert mojibake_score(text.encode("gbk").decode("latin-1")) > 0.5
