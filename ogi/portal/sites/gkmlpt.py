"""Guangdong 政府信息公开目录管理平台 (gkmlpt) county site plus its 集约化 column: 白石县, HTTP only.

Imitates PORTALS.md §2.4 and §8.2 C, with the shapes used by crawler code written against live
Guangdong sites (hulelan/china-governance ``crawlers/gkmlpt.py``):
- ``/gkmlpt/index`` sets ``window._CONFIG = { SID: '…', TREE: […], SERVICE_AREA_ID: … }`` (a JS object
  literal: unquoted keys, single-quoted SID, TREE a JSON array followed by SERVICE_AREA_ID, which is what
  that crawler's regexes expect); ``/gkmlpt/annualreport`` is the shell the JS fills from ``#2629``;
- ``GET /gkmlpt/api/all/{catid}?page=n&sid=SID``: ``{"classify": {…, "post_count": N}, "articles": [20 items],
  "total": N}``; a wrong or missing sid gives ``{"articles": []}``; a page past the end gives empty articles;
  ``all`` includes the sub-categories;
- details ``/gkmlpt/content/{id // 10**6}/{id // 10**3}/post_{id}.html`` with the visible 索引号 table and
  ``window._CONFIG.DETAIL = {…}`` whose ``content`` is HTML with ``<``/``>`` escaped as ``\\u003C``/``\\u003E``
  and whose ``attachment`` list gives ``/attachment/0/…`` files;
- a 集约化 column ``/zwgk/xxgknb/index.html`` (server-rendered, ``index_2.html`` …) linking the same reports
  at ``/zwgk/xxgknb/content/post_{id}.html``; some links are written ``https://…`` (the proxy refuses
  CONNECT with 502, so a crawler must fall back to http);
- permissive robots.txt.
Guesses: article fields beyond those the crawler reads, the shell markup, the 集约化 list markup.
"""
from __future__ import annotations

import json
import re

from .. import generate as g
from ..world import SiteBuild, negative_entry, report_entry
from .base import Request, Response, Site

HOST = "www.baishi.fixture.gov.cn"
NAME = "白石县人民政府"
REGION = "南粤省白石县"
SID = "760123"
CAT_ROOT, CAT_GOV, CAT_DEPT, CAT_NOTICE = 2629, 2631, 2632, 2630
PER_PAGE = 20
JY_PER_PAGE = 15


def js_json(obj) -> str:
    """JSON as gkmlpt pages embed it: non-ASCII kept, markup characters escaped."""
    s = json.dumps(obj, ensure_ascii=False)
    return s.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")


class GkmlptSite(Site):
    server_header = "nginx"

    def __init__(self, scenario):
        super().__init__(HOST, "baishi", scenario)
        self.cats: dict = {}  # catid -> (name, [items])

    def route(self, req: Request):
        m = re.match(r"^/gkmlpt/api/all/(\d+)$", req.path)
        if m:
            return self.api(int(m.group(1)), req)
        return None

    def article(self, it: g.Item, catid: int) -> dict:
        ts = it.extra["ts"]
        return {
            "id": it.doc_id, "title": it.title, "url": it.extra["api_url"], "post_url": it.extra["post_url"],
            "document_number": "", "identifier": it.extra["identifier"], "publisher": it.agency.name,
            "keywords": "", "date": ts, "created_at": it.published + ":00", "display_publish_time": ts,
            "abstract": "", "classify_main": catid, "classify_main_name": self.cats[catid][0],
            "classify_genre_name": "报告", "classify_theme_name": "其他", "is_expired": 0, "is_abolished": 0,
            "relation": "",
            "attachment": [{"name": a.filename, "url": a.path} for a in it.attachments],
        }

    def api(self, catid: int, req: Request) -> Response:
        prm = req.params
        ctype = "application/json;charset=UTF-8"
        if prm.get("sid") != SID or catid not in self.cats:
            return Response(200, b'{"articles":[]}', ctype)
        try:
            page = max(1, int(prm.get("page") or 1))
        except ValueError:
            page = 1
        name, items = self.cats[catid]
        chunk = items[(page - 1) * PER_PAGE: page * PER_PAGE]
        data = {"classify": {"id": catid, "name": name, "post_count": len(items)},
                "articles": [self.article(it, catid) for it in chunk], "total": len(items)}
        return Response(200, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), ctype)


def epoch(published: str) -> int:
    """Unix seconds of 'YYYY-MM-DD HH:MM' in China time, computed without the clock."""
    import calendar
    import time
    t = time.strptime(published, "%Y-%m-%d %H:%M")
    return calendar.timegm(t) - 8 * 3600


def build(name: str, scenario) -> SiteBuild:
    b = SiteBuild()
    site = GkmlptSite(scenario)
    rng = g.rng_for("baishi", "layout")
    code = lambda n: g.credit_code(g.rng_for("baishi-code", n), "11")  # noqa: E731
    gov = g.Agency(NAME, "县政府办", "county", REGION, code(NAME), "xzf")
    depts = [g.Agency(n, s, "department", REGION, code(n), slug) for n, s, slug in (
        ("白石县发展和改革局", "县发改局", "fgj"), ("白石县教育局", "县教育局", "jyj"), ("白石县财政局", "县财政局", "czj"))]
    towns = [g.Agency(n, s, "township", REGION, code(n), slug) for n, s, slug in (
        ("白石县石角镇人民政府", "石角镇", "sjz"), ("白石县龙塘镇人民政府", "龙塘镇", "ltz"))]
    gov_items = [g.build_report(gov, y, "baishi") for y in range(2018, 2026)]
    dept_items = [g.build_report(d, y, "baishi") for d in depts + towns for y in (2023, 2024, 2025)
                  if not (d.level == "township" and y == 2023)]
    gov_items += [g.build_negative("publication_notice", gov, "白石县", 2024, "baishi"),
                  g.build_negative("statistical_bulletin", gov, "白石县", 2023, "baishi")]
    dept_items += [g.build_negative("rule_of_law_report", depts[0], "白石县", 2024, "baishi"),
                   g.build_negative("website_report", depts[1], "白石县", 2025, "baishi"),
                   g.build_negative("enterprise_guide", depts[2], "白石县", 2023, "baishi")]
    notice = [g.build_negative("compilation_notice", gov, "白石县", 2024, "baishi")]
    all_items = g.sort_items(gov_items + dept_items + notice)
    next_id = 4804100
    for it in sorted(all_items, key=lambda i: (i.published, i.key)):
        next_id += rng.randint(3, 900)
        it.doc_id = next_id
        pid = it.doc_id
        it.path = f"/gkmlpt/content/{pid // 10**6}/{pid // 10**3}/post_{pid}.html"
        it.url = site.absolute(it.path)
        it.extra["jy_path"] = f"/zwgk/xxgknb/content/post_{pid}.html"
        it.extra["post_url"] = it.url
        # some API urls are written https:// (HTTPS is broken on these sites)
        it.extra["api_url"] = it.url.replace("http://", "https://") if pid % 5 == 0 else it.url
        it.extra["ts"] = epoch(it.published)
        it.extra["identifier"] = f"{it.agency.code[:18]}/{it.date[:4]}-{pid % 100000:05d}"
        for i, a in enumerate(it.attachments):
            a.path = f"/attachment/0/{pid // 10**3}/{pid}/{pid * 10 + i + 1}.{a.ext}"
            a.url = site.absolute(a.path)
            a.href = a.path
            site.attachment(a.path, a)
    site.cats = {
        CAT_ROOT: ("政府信息公开年报", g.sort_items(gov_items + dept_items)),
        CAT_GOV: ("县政府年报", g.sort_items(gov_items)),
        CAT_DEPT: ("部门及镇年报", g.sort_items(dept_items)),
        CAT_NOTICE: ("通知公告", notice),
    }
    tree = [
        {"id": CAT_ROOT, "name": "政府信息公开年报", "post_count": len(site.cats[CAT_ROOT][1]), "children": [
            {"id": CAT_GOV, "name": "县政府年报", "post_count": len(gov_items), "children": []},
            {"id": CAT_DEPT, "name": "部门及镇年报", "post_count": len(dept_items), "children": []}]},
        {"id": CAT_NOTICE, "name": "通知公告", "post_count": len(notice), "children": []},
    ]
    config = (f"window._CONFIG = {{\n    SID: '{SID}',\n    TREE: {json.dumps(tree, ensure_ascii=False)},\n"
              f"    SERVICE_AREA_ID: 0,\n    SITE_NAME: '{NAME}',\n    DOMAIN: 'http://www.baishi.gov.cn'\n}};")
    shell = lambda title, extra="": (  # noqa: E731
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}-{NAME}</title>'
        f'<script>{config}</script></head><body><div id="app">{extra}</div>'
        '<script src="/gkmlpt/static/js/app.js"></script></body></html>')
    site.add("/gkmlpt/index", shell("政府信息公开目录").encode("utf-8"), "text/html;charset=UTF-8")
    site.add("/gkmlpt/annualreport", shell("政府信息公开年报", f'<div id="{CAT_ROOT}" class="annual-report"></div>')
             .encode("utf-8"), "text/html;charset=UTF-8")

    for it in all_items:
        detail = detail_page(it, config)
        site.add(it.path, detail, "text/html;charset=UTF-8")
        if it not in notice:
            site.add(it.extra["jy_path"], jy_detail(it), "text/html;charset=UTF-8")

    # the 集约化 column: same reports, server-rendered list, 1-based index_2.html pages
    jy_items = site.cats[CAT_ROOT][1]
    pages = [jy_items[i:i + JY_PER_PAGE] for i in range(0, len(jy_items), JY_PER_PAGE)]
    jy_urls = []
    for n, chunk in enumerate(pages, start=1):
        name_ = "index.html" if n == 1 else f"index_{n}.html"
        lis = []
        for it in chunk:
            href = f"./content/post_{it.doc_id}.html"
            if it.doc_id % 4 == 0:
                href = f"https://{HOST}{it.extra['jy_path']}"
            lis.append(f'<li><a href="{href}" title="{g.esc(it.title)}" target="_blank">{g.esc(g.truncate(it.title, 28))}'
                       f'</a><span class="time">{it.date}</span></li>')
        nav = []
        if n > 1:
            nav.append(f'<a href="{"index.html" if n == 2 else f"index_{n - 1}.html"}" class="prev">上一页</a>')
        if n < len(pages):
            nav.append(f'<a href="index_{n + 1}.html" class="next">下一页</a>')
        html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报-{NAME}</title>'
                f'<meta name="ColumnName" content="政府信息公开年报"></head><body>'
                f'<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政府信息公开年报</div>'
                f'<ul class="list">{"".join(lis)}</ul><div class="page">{"".join(nav)}'
                f'<span>共{len(jy_items)}条 {n}/{len(pages)}页</span></div></body></html>')
        site.add("/zwgk/xxgknb/" + name_, html.encode("utf-8"), "text/html;charset=UTF-8",
                 aliases=["/zwgk/xxgknb/"] if n == 1 else [])
        jy_urls.append(site.absolute("/zwgk/xxgknb/" + name_))
    home = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{NAME}</title></head><body>'
            '<a href="/gkmlpt/index">政府信息公开</a> <a href="/zwgk/xxgknb/">政府信息公开年报</a></body></html>')
    site.add("/", home.encode("utf-8"), "text/html;charset=UTF-8", aliases=["/index.html"])
    site.add("/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain", compress=False)

    # manifest
    api = lambda cat, p: site.absolute(f"/gkmlpt/api/all/{cat}?page={p}&sid={SID}")  # noqa: E731
    jy_page_of = {it.key: jy_urls[i // JY_PER_PAGE] for i, it in enumerate(jy_items)}
    for i, it in enumerate(site.cats[CAT_ROOT][1]):
        listed = [api(CAT_ROOT, i // PER_PAGE + 1), jy_page_of[it.key]]
        if it.kind == "negative":
            b.negatives.append(negative_entry("baishi", HOST, it, listed))
        else:
            b.reports.append(report_entry("baishi", HOST, it, listed_in=listed,
                                          mirrors=[site.absolute(it.extra["jy_path"])],
                                          extra={"post_id": it.doc_id}))
    for it in notice:
        b.negatives.append(negative_entry("baishi", HOST, it, [api(CAT_NOTICE, 1)]))
    n = len(site.cats[CAT_ROOT][1])
    b.pagination.append({"site_id": "baishi", "column": site.absolute("/gkmlpt/annualreport#2629"),
                         "scheme": "gkmlpt-api", "catid": CAT_ROOT, "post_count": n, "per_page": PER_PAGE,
                         "pages": [api(CAT_ROOT, p) for p in range(1, -(-n // PER_PAGE) + 1)],
                         "end": {"url": api(CAT_ROOT, -(-n // PER_PAGE) + 1), "articles": 0}})
    b.pagination.append({"site_id": "baishi", "column": site.absolute("/zwgk/xxgknb/"), "scheme": "static-next-link",
                         "pages": jy_urls,
                         "end": {"url": site.absolute(f"/zwgk/xxgknb/index_{len(pages) + 1}.html"), "status": 404}})
    b.host_status.append({"host": HOST, "expected": "ok", "note": "HTTP only; some links https:// (CONNECT 502)"})
    b.fault_targets = {"empty": [gov_items[0].url]}
    b.registry.append({
        "id": "baishi", "name": f"{NAME} 政府信息公开年报", "agency": NAME, "level": "county", "region": REGION,
        "family": "gd-gkmlpt", "entry_urls": [site.absolute("/gkmlpt/index"), site.absolute("/gkmlpt/annualreport"),
                                              site.absolute("/zwgk/xxgknb/")],
        "encoding": None, "enabled": True, "disabled_reason": None,
        "expected_min_reports": int(len(b.reports) * 0.8),
    })
    b.sites.append(site)
    return b


def _content_html(it: g.Item) -> str:
    if it.mode == "att_only":
        return '<p style="text-indent:2em">详见附件。</p>'
    return g.blocks_html(it.blocks)


def detail_page(it: g.Item, config: str) -> bytes:
    detail = {
        "id": it.doc_id, "title": it.title, "content": _content_html(it), "publisher": it.agency.name,
        "identifier": it.extra["identifier"], "document_number": "", "date": it.extra["ts"],
        "created_at": it.published + ":00", "classify_main_name": "政府信息公开年报",
        "attachment": [{"name": a.filename, "url": a.path} for a in it.attachments],
    }
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{g.esc(it.title)}-{NAME}</title>
<meta name="ArticleTitle" content="{g.esc(it.title)}">
<meta name="PubDate" content="{it.published}">
<meta name="ContentSource" content="{g.esc(it.agency.name)}">
<script>{config}
window._CONFIG.DETAIL = {js_json(detail)};</script>
</head><body>
<div class="classify"><table>
<tr><td>索引号：</td><td>{it.extra["identifier"]}</td><td>分类：</td><td>政府信息公开年报</td></tr>
<tr><td>发布机构：</td><td>{g.esc(it.agency.name)}</td><td>成文日期：</td><td>{it.date}</td></tr>
<tr><td>名称：</td><td colspan="3">{g.esc(it.title)}</td></tr>
<tr><td>文号：</td><td></td><td>发布日期：</td><td>{it.date}</td></tr>
<tr><td>主题词：</td><td colspan="3"></td></tr>
</table></div>
<div id="app"></div>
<script src="/gkmlpt/static/js/detail.js"></script>
</body></html>
"""
    return html.encode("utf-8")


def jy_detail(it: g.Item) -> bytes:
    atts = "".join(f'<p><a href="{a.path}">{g.esc(a.filename)}</a></p>' for a in it.attachments)
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{g.esc(it.title)}-{NAME}</title>
<meta name="ArticleTitle" content="{g.esc(it.title)}">
<meta name="PubDate" content="{it.published}">
<meta name="ContentSource" content="{g.esc(it.agency.name)}">
</head><body>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/xxgknb/">政府信息公开年报</a></div>
<div class="article"><h1>{g.heading_html(it.title, it.heading_split)}</h1>
<div class="info">发布时间：{it.published} 来源：{g.esc(it.agency.name)}</div>
<div class="article-content">{_content_html(it)}</div>
<div class="attachment">{atts}</div></div>
</body></html>
"""
    return html.encode("utf-8")
