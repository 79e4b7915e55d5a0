"""Kaipu / Ucap (开普云) ministry site 国家示范管理局 and a gov.cn-style search API host.

Imitates PORTALS.md §2.5 and §8.2 D:
- ``/zfxxgk/ndbg/index.htm`` is a shell: a literal ``<cmspro_documents>`` tag left in the markup (holding the
  first few items as ``<ul><li>``), a ``div.page_div`` pager, and a script that loads ``./ndbg.json``, an array
  of ``{"TITLE","SUB_TITLE","URL","DOCRELPUBTIME"}`` (as gov.cn's ``ZUIXINZHENGCE.json``);
- details carry ``<div id="UCAP-CONTENT">``, ``<meta name="others" content="页面生成时间 …">`` and the standard
  ArticleTitle / PubDate / ContentSource metas; attachments are ``./P0….pdf``;
- unknown paths answer 200 with ``<script>location.href='/'</script>`` (a soft 404, as gov.cn);
- robots.txt is permissive, except in the hostile scenario: ``User-agent: Baiduspider / Allow: /`` then
  ``User-agent: * / Disallow: /`` (pbc.gov.cn style, exact text unv);
- ``sousuo.fixture.gov.cn/search-gov/data?t=zhengcelibrary&q=&p=&n=`` answers the
  ``searchVO.catMap.{gongwen,bumenfile,otherfile,gongbao}.listVO`` shape with a top-level ``totalCount`` of 0;
  an unknown ``t`` or any ``type`` parameter gives empty listVOs. It indexes the ministry's documents
  (reports, negatives and other policy files), not its 年报 column.
Guesses: the shell's script, the ``catMap`` placement of ministry documents (``bumenfile``), ``summary`` texts.
"""
from __future__ import annotations

import json
from urllib.parse import quote

from .. import generate as g
from ..world import SiteBuild, negative_entry, report_entry
from .base import Request, Response, Site

HOST = "www.nsa.fixture.gov.cn"
SOUSUO = "sousuo.fixture.gov.cn"
NAME = "国家示范管理局"
COL = "/zfxxgk/ndbg/"
SOFT404 = b"<script>location.href='/'</script>"


class UcapSite(Site):
    server_header = "kaipuyun"

    def route(self, req: Request):
        if req.path == "/robots.txt":
            if self.scenario.robots_hostile:
                return Response(200, b"User-agent: Baiduspider\nAllow: /\n\nUser-agent: *\nDisallow: /\n", "text/plain")
            return Response(200, b"User-agent: *\nAllow: /\n", "text/plain")
        return None

    def not_found(self, req: Request) -> Response:
        return Response(200, SOFT404, "text/html;charset=UTF-8")


class SousuoSite(Site):
    server_header = "nginx"

    def __init__(self, scenario, docs_):
        super().__init__(SOUSUO, "sousuo", scenario)
        self.docs = docs_  # [(item, catmap key)]

    def route(self, req: Request):
        if req.path == "/search-gov/data":
            return self.search(req)
        return None

    def search(self, req: Request) -> Response:
        prm = req.params
        t = prm.get("t", "")
        q = prm.get("q", "").strip()
        field = prm.get("searchfield", "title")
        try:
            p = max(1, int(prm.get("p") or 1))
            n = min(max(1, int(prm.get("n") or 10)), 50)
        except ValueError:
            p, n = 1, 10
        cats = {k: [] for k in ("gongwen", "bumenfile", "otherfile", "gongbao")}
        if t in ("zhengce", "zhengcelibrary", "zhengcelibrary_bm", "gongbao") and not prm.get("type"):
            for it, cat in self.docs:
                hay = it.title if field == "title" else it.title + "".join(
                    x for k, x in it.blocks if k == "p")
                if all(w in hay for w in q.split()):
                    cats[cat].append(it)
        if prm.get("sort") == "pubtime":
            for k in cats:
                cats[k] = g.sort_items(cats[k])
        out = {}
        for k, items in cats.items():
            page = items[(p - 1) * n: p * n]
            out[k] = {"listVO": [self.vo(it) for it in page], "totalCount": len(items)}
        data = {"code": 200, "msg": "操作成功", "searchVO": {"catMap": out, "totalCount": 0}, "totalCount": 0}
        return Response(200, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                        "application/json;charset=UTF-8")

    @staticmethod
    def vo(it: g.Item) -> dict:
        from .gkmlpt import epoch
        return {"title": it.title, "url": it.url, "pcode": it.extra.get("pcode", ""), "puborg": NAME,
                "pubtimeStr": it.date.replace("-", "."), "ptime": epoch(it.published) * 1000,
                "childtype": "部门文件", "summary": "", "id": str(it.doc_id)}


def detail_page(it: g.Item) -> bytes:
    body = ('<p style="text-indent:2em">详见附件。</p>' if it.mode == "att_only" else g.blocks_html(it.blocks))
    atts = "".join(f'<p><a href="{a.href}" target="_blank">{g.esc(a.filename)}</a></p>' for a in it.attachments)
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta charset="utf-8">
<title>{g.esc(it.title)}_{NAME}</title>
<meta name="SiteName" content="{NAME}">
<meta name="SiteDomain" content="www.nsa.gov.cn">
<meta name="SiteIDCode" content="bm99000001">
<meta name="ColumnName" content="政府信息公开年度报告">
<meta name="ColumnType" content="年度报告">
<meta name="ArticleTitle" content="{g.esc(it.title)}">
<meta name="PubDate" content="{it.published}">
<meta name="ContentSource" content="{NAME}">
<meta name="others" content="页面生成时间 2026-05-30 03:12:45">
</head><body>
<div class="BreadcrumbNav"><a href="/">首页</a> &gt; <a href="/zfxxgk/">政府信息公开</a> &gt; <a href="./../">政府信息公开年度报告</a></div>
<div class="article"><h1 id="ti">{g.heading_html(it.title, it.heading_split)}</h1>
<div class="pages-date">{it.published} <span class="font">来源：{NAME}</span></div>
<div class="pages_content" id="UCAP-CONTENT">
{body}
{atts}
</div></div>
</body></html>
"""
    return html.encode("utf-8")


def build(name: str, scenario) -> SiteBuild:
    b = SiteBuild()
    site = UcapSite(HOST, "nsa", scenario)
    rng = g.rng_for("nsa", "layout")
    ag = g.Agency(NAME, NAME, "national", "全国", g.credit_code(g.rng_for("nsa-code"), "11"), "nsa")
    items = [g.build_report(ag, y, "nsa", mode=("att_only" if y <= 2010 else None)) for y in range(2008, 2026)]
    negs = [g.build_negative("compilation_notice", ag, "", 2022, "nsa"),
            g.build_negative("rule_of_law_report", ag, "", 2024, "nsa")]
    col_items = g.sort_items(items + negs)
    other = []  # policy documents the search API also indexes (not in the column)
    for i, t in enumerate(["国家示范管理局关于印发《示范工作管理办法》的通知", "国家示范管理局2024年法治政府建设年度报告",
                           "国家示范管理局关于开展2025年度示范评估工作的通知"]):
        o = g.Item(kind="other", agency=ag, year=2024 + i % 2, title=t, published=f"2025-0{i + 2}-1{i} 10:00",
                   blocks=[("title", t), ("p", "各有关单位：现将有关事项通知如下。")], key=f"nsa:other:{i}")
        other.append(o)
    next_id = 6925000
    for it in sorted(col_items + other, key=lambda i: (i.published, i.key)):
        next_id += rng.randint(5, 300)
        it.doc_id = next_id
        ym = it.date[:7].replace("-", "")
        folder = f"{COL}{ym}/" if it in col_items else f"/zhengce/zhengceku/{ym}/"
        it.path = f"{folder}content_{it.doc_id}.htm"
        it.url = site.absolute(it.path)
        it.extra["pcode"] = f"国示管发〔{it.date[:4]}〕{rng.randint(1, 40)}号" if it.kind == "other" else ""
        for a in it.attachments:
            digits = "".join(rng.choice("0123456789") for _ in range(12))
            fname = f"P0{it.date.replace('-', '')}{digits}.{a.ext}"
            a.path, a.url, a.href = folder + fname, site.absolute(folder + fname), "./" + fname
            site.attachment(a.path, a)
        site.add(it.path, detail_page(it), "text/html;charset=UTF-8")

    listing = [{"TITLE": it.title, "SUB_TITLE": "", "URL": it.url if it.doc_id % 3 else "./" + it.path[len(COL):],
                "DOCRELPUBTIME": it.date} for it in col_items]
    site.add(COL + "ndbg.json", json.dumps(listing, ensure_ascii=False, indent=0).encode("utf-8"),
             "application/json;charset=UTF-8")
    first = "".join(f'<li><a href="{x["URL"]}" target="_blank">{g.esc(x["TITLE"])}</a><span>{x["DOCRELPUBTIME"]}</span></li>'
                    for x in listing[:5])
    shell = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>政府信息公开年度报告_{NAME}</title>
<meta name="ColumnName" content="政府信息公开年度报告"><meta name="others" content="页面生成时间 2026-05-30 03:12:45">
</head><body>
<div class="BreadcrumbNav"><a href="/">首页</a> &gt; <a href="/zfxxgk/">政府信息公开</a> &gt; 政府信息公开年度报告</div>
<div class="list list_1 list_2">
<cmspro_documents><ul id="ndbg_list">{first}</ul></cmspro_documents>
</div>
<div class="page_div" id="page_div"></div>
<script src="/js/jquery.min.js"></script>
<script>
$.getJSON('./ndbg.json', function (data) {{
  var html = '';
  for (var i = 0; i < data.length; i++) {{
    html += '<li><a href="' + data[i].URL + '" target="_blank">' + data[i].TITLE + '</a><span>' + data[i].DOCRELPUBTIME + '</span></li>';
  }}
  $('#ndbg_list').html(html);
  pageDiv('page_div', data.length, 15);
}});
</script>
</body></html>
"""
    site.add(COL + "index.htm", shell.encode("utf-8"), "text/html;charset=UTF-8", aliases=[COL])
    home = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{NAME}</title></head><body>'
            f'<a href="/zfxxgk/">政府信息公开</a> <a href="{COL}">政府信息公开年度报告</a></body></html>')
    site.add("/", home.encode("utf-8"), "text/html;charset=UTF-8", aliases=["/index.htm"])
    site.add("/zfxxgk/", (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开_{NAME}</title></head>'
                          f'<body><a href="./ndbg/">政府信息公开年度报告</a></body></html>').encode("utf-8"),
             "text/html;charset=UTF-8", aliases=["/zfxxgk/index.htm"])

    search_docs = [(it, "bumenfile") for it in col_items] + [(it, "bumenfile") for it in other]
    sousuo = SousuoSite(scenario, search_docs)

    shell_url, json_url = site.absolute(COL + "index.htm"), site.absolute(COL + "ndbg.json")
    search_url = (f"http://{SOUSUO}/search-gov/data?t=zhengcelibrary&q={quote('政府信息公开工作年度报告')}&searchfield=title"
                  "&sort=score&sortType=1&p=1&n=20")
    for it in col_items:
        if it.kind == "negative":
            b.negatives.append(negative_entry("nsa", HOST, it, [shell_url, json_url]))
        else:
            b.reports.append(report_entry("nsa", HOST, it, listed_in=[json_url] + ([shell_url] if it in col_items[:5] else [])))
    b.pagination.append({"site_id": "nsa", "column": shell_url, "scheme": "ucap-json-shell", "pages": [json_url],
                         "static_items": 5, "total": len(col_items)})
    robots = "robots_disallowed" if scenario.robots_hostile else "ok"
    b.host_status += [
        {"host": HOST, "expected": robots, "note": "soft 404: unknown paths 200 with a JS redirect to /"},
        {"host": SOUSUO, "expected": "ok", "note": "search API; results point to www.nsa (robots apply there)"},
    ]
    b.registry += [
        {"id": "nsa", "name": f"{NAME} 政府信息公开年度报告", "agency": NAME, "level": "national", "region": "全国",
         "family": "ucap", "entry_urls": [shell_url], "encoding": None, "enabled": True, "disabled_reason": None,
         "expected_min_reports": 15},
        {"id": "sousuo", "name": "政策文件库检索接口（兜底检索）", "agency": NAME, "level": "national", "region": "全国",
         "family": "ucap", "entry_urls": [search_url], "encoding": None, "enabled": True, "disabled_reason": None,
         "expected_min_reports": 0},
    ]
    b.sites += [site, sousuo]
    return b
