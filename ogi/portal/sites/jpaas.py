"""Hanweb JPaaS (大汉 JPaaS) county site 临川县 — a list no static HTML holds (PORTALS.md §2.3).

- The column page ``/lcx/zwgk/zfxxgknb/index.html`` holds only a placeholder script
  ``<script src="/module/AuthorizedRead/unitbuild.js" url="…/front/page/build/unit" queryData="{'webId':…,
  'pageId':…,'tagId':…,'tplSetId':…}">`` (obs, linxia.gov.cn);
- the list is ``GET /api-gateway/jpaas-publish-server/front/page/build/unit?parseType=bulidstatic&webId=…
  &tplSetId=…&pageType=column&tagId=…&editType=null&pageId=…&paramJson={"pageNo":N,"pageSize":"15"}``
  (code) answering ``{"success":true,"code":"200","data":{"html":"<ul>…</ul><div class=\\"pagination\\"
  rows=\\"15\\" count=\\"N\\">"}}``; a wrong ``webId``/``pageId`` gives ``success:false`` and no html;
- details at ``/lcx/zwgk/zfxxgknb/art/<Y>/art_<32hex>.html`` (year folder = publication year, obs) with an
  索引号 / 信息来源 / 发布时间 / 浏览次数 header (obs, baiyinqu), body in ``#zoom``; UTF-8.
Guesses (unv): the record markup inside ``html``, the ids.
"""
from __future__ import annotations

import json

from .. import generate as g
from ..world import SiteBuild
from .base import Request, Response
from .layouts import (LayoutSite, WEB, chrome, entries, home_page, hub_page, make_items, registry_row,
                      web_entry)

COL = "/lcx/zwgk/zfxxgknb/"
API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
IDS = {"webId": "8a2f1c0e6b5d4f3a9c7e", "pageId": "5e9d3b1a7c2f4e6d8b0a", "tagId": "信息列表",
       "tplSetId": "c4b2a0e8f6d4c2b0a8e6"}
PER_PAGE = 5


class JpaasSite(LayoutSite):
    server_header = "JPaaS"

    def __init__(self, scenario):
        super().__init__("linchuan", scenario)
        self.items: list = []

    def route(self, req: Request):
        if req.path == API:
            return self.unit(req)
        return super().route(req)

    def unit(self, req: Request) -> Response:
        prm = req.params
        if any(prm.get(k) != v for k, v in IDS.items()) or prm.get("pageType") != "column":
            body = {"success": False, "code": "500", "message": "参数错误", "data": None}
            return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")
        try:
            pj = json.loads(prm.get("paramJson") or "{}")
            n, size = max(1, int(pj.get("pageNo", 1))), max(1, min(50, int(pj.get("pageSize", PER_PAGE))))
        except (ValueError, TypeError):
            n, size = 1, PER_PAGE
        chunk = self.items[(n - 1) * size: n * size]
        lis = "".join(f'<li><a href="{it.path}" target="_blank" title="{g.esc(it.title)}">{g.esc(g.truncate(it.title, 28))}'
                      f'</a><span class="date">{it.date}</span></li>' for it in chunk)
        html = f'<ul class="list">{lis}</ul><div class="pagination" rows="{size}" count="{len(self.items)}"></div>'
        body = {"success": True, "code": "200", "message": "操作成功", "data": {"html": html}}
        return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")


def detail(it: g.Item) -> str:
    body = '<p style="text-indent:2em">详见附件。</p>' if it.mode == "att_only" else g.blocks_html(it.blocks)
    atts = "".join(f'<p><a href="{a.href}">{g.esc(a.filename)}</a></p>' for a in it.attachments)
    main = (f'<div class="article"><h1>{g.heading_html(it.title, it.heading_split)}</h1>'
            f'<div class="info">索  引  号: {it.extra["index_no"]} &nbsp; 信息来源: {g.esc(it.agency.name)} &nbsp; '
            f'发布时间: {it.published} &nbsp; 浏览次数: <span>56</span></div>'
            f'<div id="zoom">{body}</div><div class="fj">{atts}</div></div>')
    return chrome(f"{it.title}-{WEB['linchuan'][1]}", main)


def build(name: str, scenario) -> SiteBuild:
    b, site = SiteBuild(), JpaasSite(scenario)
    gov, items = make_items("linchuan", [("临川县民政局", "department"), ("临川县河口镇人民政府", "township")],
                            range(2020, 2026), [("publication_notice", 2024), ("rule_of_law_report", 2022)])
    for it in items:
        h = g.docs.sha256(f"{it.key}:art".encode())[:32]
        it.path = f"{COL}art/{it.published[:4]}/art_{h}.html"
        it.url = site.absolute(it.path)
        it.extra["index_no"] = f"{it.agency.code[:18]}/{it.date[:4]}-{int(h[:6], 16) % 1000000:06d}"
        for a in it.attachments:
            fh = g.docs.sha256(f"{it.key}:{a.filename}".encode())[:32]
            a.url, a.href = site.absolute(f"/attach/0/{fh}.{a.ext}"), f"/attach/0/{fh}.{a.ext}"
            a.path = f"/attach/0/{fh}.{a.ext}"
            site.attachment(a.path, a)
        site.page(it.path, detail(it))
    site.items = items
    qd = "{" + ",".join(f"'{k}':'{v}'" for k, v in IDS.items()) + "}"
    shell = (f'<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报</div>'
             f'<div id="list-{IDS["pageId"][:6]}"><script src="/module/AuthorizedRead/unitbuild.js" '
             f'url="{API}" queryData="{qd}" pageSize="{PER_PAGE}"></script></div>')
    site.page(COL + "index.html", chrome(f"政府信息公开年报-{WEB['linchuan'][1]}", shell), aliases=[COL])
    site.add("/module/AuthorizedRead/unitbuild.js", b"/* jpaas unit builder */", "application/javascript")
    site.page("/", home_page("linchuan", "/lcx/zwgk/"), aliases=["/index.html"])
    site.page("/lcx/zwgk/", hub_page("linchuan", [("政府信息公开年报", COL + "index.html")]), aliases=["/lcx/zwgk/index.html"])

    def page_url(n):
        q = "&".join([f"parseType=bulidstatic&webId={IDS['webId']}&tplSetId={IDS['tplSetId']}&pageType=column",
                      f"tagId={IDS['tagId']}&editType=null&pageId={IDS['pageId']}"])
        return site.absolute(f"{API}?{q}&paramJson=" + json.dumps({"pageNo": n, "pageSize": str(PER_PAGE)}))

    listed = {it.key: [page_url(i // PER_PAGE + 1)] for i, it in enumerate(items)}
    entries(b, "linchuan", items, listed)
    column = site.absolute(COL + "index.html")
    b.pagination.append({"site_id": "linchuan", "column": column, "scheme": "jpaas-unit",
                         "pages": [page_url(n) for n in range(1, -(-len(items) // PER_PAGE) + 1)]})
    b.registry.append(registry_row("linchuan", [column], "hanweb-jpaas", len(b.reports)))
    b.web.append(web_entry("linchuan", [column], "hanweb-jpaas", False))
    b.host_status.append({"host": site.host, "expected": "ok"})
    b.sites.append(site)
    return b
