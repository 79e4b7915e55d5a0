"""Anti-bot and unreachable county hosts: 瑞数 412, 加速乐 521, WAF page, slider page, blanket 403.

Imitates the challenge responses of PORTALS.md §5 and §8.2 E (one host per kind, so that each host has
exactly one expected ``host_status``):
- ``www.shimen.fixture.gov.cn`` (石门县): every path, robots.txt included, answers **412** with a 瑞数-style
  body (``<meta … r='m'>``, ``$_ts=window['$_ts']…$_ts.cd="…"``, ``<script src="/…/c.….js" r='m'>``, a trailing
  ``_$..()`` call) and sets ``FSSBBIl1UgzbN7N80S=…``; sending that cookie back still gets 412
  (the real JS computes a ``…T`` cookie, which a crawler must never forge);
- ``www.jiale.fixture.gov.cn`` (嘉乐县): **521** with ``document.cookie=('__jsl_clearance_s=…');location.href=…``
  and a ``__jsluid_s`` cookie (加速乐);
- ``www.huaxi.fixture.gov.cn`` (桦溪县): 200 with ``<title>访问异常页面</title>`` (360/创宇 block page);
- ``www.ningbian.fixture.gov.cn`` (宁边县): 200 "请稍候…" slider page of about 22 KB with a puzzle-vcode stub;
  HEAD answers 405;
- ``www.beishan.fixture.gov.cn`` (北山县): 403 on every path (geo-blocked: ``unreachable``).
Guesses: the exact token lengths and script names (modelled on the gansu/scjg examples in §5).
"""
from __future__ import annotations

import hashlib

from ..world import SiteBuild
from .base import Request, Response, Site

HOSTS = {
    "shimen": ("www.shimen.fixture.gov.cn", "石门县人民政府", "blocked:ruishu"),
    "jiale": ("www.jiale.fixture.gov.cn", "嘉乐县人民政府", "blocked:jsl"),
    "huaxi": ("www.huaxi.fixture.gov.cn", "桦溪县人民政府", "blocked:waf"),
    "ningbian": ("www.ningbian.fixture.gov.cn", "宁边县人民政府", "blocked:slider"),
    "beishan": ("www.beishan.fixture.gov.cn", "北山县人民政府", "unreachable"),
}


def _tok(seed: str, n: int) -> str:
    out = ""
    h = seed.encode()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += "".join(alphabet[b % len(alphabet)] for b in h)
    return out[:n]


def ruishu_body(host: str) -> bytes:
    meta = _tok(host + "meta", 180)
    cd = _tok(host + "cd", 1200)
    html = ("<!DOCTYPE html>\n<html><head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n"
            f"<meta id=\"x9QaTz7mcrLu\" content=\"{meta}\" r='m'>\n"
            "<!--[if lt IE 9]><script r='m'>document.createElement(\"section\")</script><![endif]-->\n"
            "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};"
            f"$_ts.nsd=51264;$_ts.cd=\"qEr{cd}\";if($_ts.lcd)$_ts.lcd();</script>\n"
            "<script type=\"text/javascript\" charset=\"utf-8\" src=\"/4QbVtADbnLVIc/c.FxJzG50F.4a9b2.js\" r='m'></script>\n"
            "</head>\n<body>\n<script type=\"text/javascript\" r='m'>_$Rr();</script>\n</body></html>")
    return html.encode("utf-8")


def jsl_body(host: str) -> bytes:
    clearance = f"1780272000.{int(hashlib.md5(host.encode()).hexdigest()[:3], 16) % 1000:03d}|0|{_tok(host, 24)}%3D"
    return (f"<script>document.cookie=('__jsl_clearance_s={clearance}');"
            "location.href=location.pathname+location.search</script>").encode("ascii")


def waf_body() -> bytes:
    html = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>访问异常页面</title></head><body>"
            "<div class=\"main\"><h2>很抱歉，由于您访问的URL有可能对网站造成安全威胁，您的访问被阻断。</h2>"
            "<p>您的请求ID是：<span>7f3e2a91c04b</span></p><p>网站安全防护</p></div></body></html>")
    return html.encode("utf-8")


def slider_body(host: str) -> bytes:
    img = _tok(host + "img", 21000)
    html = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>请稍候…</title></head><body>"
            "<div id=\"puzzle-vcode\" class=\"puzzle-vcode\"><p>请稍候…</p><p>请拖动下方滑块完成拼图</p>"
            f"<div class=\"vcode-bg\"><img src=\"data:image/png;base64,{img}\"></div>"
            "<div class=\"vcode-slider\"><span class=\"slider-btn\"></span></div></div>"
            "<script src=\"/_guard/slider.js\"></script></body></html>")
    return html.encode("utf-8")


class AntibotSite(Site):
    gzip = False

    def __init__(self, host, site_id, scenario, kind):
        super().__init__(host, site_id, scenario)
        self.kind = kind

    def route(self, req: Request):
        h = self.host
        if self.kind == "blocked:ruishu":
            self.server_header = "nginx"
            cookie = f"FSSBBIl1UgzbN7N80S={_tok(h + 'cookie', 64)}; Path=/; expires=Wed, 01 Jun 2036 02:00:00 GMT; HttpOnly"
            return Response(412, ruishu_body(h), "text/html", [("Set-Cookie", cookie)], compress=False)
        if self.kind == "blocked:jsl":
            self.server_header = "nginx"
            cookie = f"__jsluid_s={hashlib.md5(h.encode()).hexdigest()}; max-age=31536000; path=/; HttpOnly"
            return Response(521, jsl_body(h), "text/html", [("Set-Cookie", cookie)], compress=False)
        if self.kind == "blocked:waf":
            return Response(200, waf_body(), "text/html; charset=utf-8", compress=False)
        if self.kind == "blocked:slider":
            if req.method == "HEAD":
                return Response(405, b"", "text/html")
            return Response(200, slider_body(h), "text/html; charset=utf-8", compress=False)
        return Response(403, b"<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden"
                             b"</h1></center><hr><center>nginx</center></body></html>", "text/html")


def build(name: str, scenario) -> SiteBuild:
    host, agency, kind = HOSTS[name]
    b = SiteBuild()
    site = AntibotSite(host, name, scenario, kind)
    b.sites.append(site)
    b.host_status.append({"host": host, "expected": kind,
                          "note": "every path incl. robots.txt; at most 2 requests expected"})
    county = agency.replace("人民政府", "")
    b.registry.append({
        "id": name, "name": f"{agency} 政府信息公开年报", "agency": agency, "level": "county",
        "region": f"东岚省{county}", "family": "trs-wcm",
        "entry_urls": [f"http://{host}/zwgk/zfxxgknb/"], "encoding": None, "enabled": True, "disabled_reason": None,
        "expected_min_reports": 5,
    })
    return b
