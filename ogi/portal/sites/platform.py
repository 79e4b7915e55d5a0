"""A province "政府信息公开平台" county site with query-string year filters: 江源县 (Sichuan style).

Imitates the platform family of PORTALS.md §1 (table row "Province 政府信息公开平台 systems") and §2.6:
- the 年报 view of a column is ``/public/column/<id>?type=3&nav=5&sub=&timeFrame=<year>&hasContent=true``
  (pingwu.gov.cn, my.gov.cn, obs: ``type=3`` is the 年报 view and ``timeFrame`` selects the year); without
  ``timeFrame`` the page shows the newest year; every page carries a year selector linking the other years;
  ``page=<n>`` pages within a year (10 per page);
- documents at ``/public/<siteId>/<docId>.html`` (the Anhui form, hfyaohai obs);
- UTF-8, nginx 404 for unknown paths, robots.txt 404.
Guesses (unv): the list markup, the detail template (a 索引号 table and a ``.wenzhang`` body), the
attachment path ``/public/upload/…``, the ``page`` parameter.
"""
from __future__ import annotations

from .. import generate as g
from ..world import SiteBuild, negative_entry, report_entry
from .base import Request, Response, Site, nginx_404

HOST = "www.jiangyuan.fixture.gov.cn"
NAME = "江源县人民政府"
REGION = "西川省江源县"
SITE_ID = 6596571
COLUMN = f"/public/column/{SITE_ID}"
YEARS = list(range(2019, 2026))
PER_PAGE = 10


def column_url(year: int | None, page: int = 1) -> str:
    q = "type=3&nav=5&sub="
    if year:
        q += f"&timeFrame={year}"
    q += "&hasContent=true"
    if page > 1:
        q += f"&page={page}"
    return f"{COLUMN}?{q}"


class PlatformSite(Site):
    server_header = "nginx"

    def __init__(self, scenario):
        super().__init__(HOST, "jiangyuan", scenario)
        self.by_year: dict = {}

    def route(self, req: Request):
        if req.path == COLUMN:
            return self.column(req)
        if req.path == "/robots.txt":
            return nginx_404()
        return None

    def column(self, req: Request) -> Response:
        prm = req.params
        if prm.get("type") != "3":
            body = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开</title></head><body>'
                    f'<div class="xxgk-nav"><a href="{column_url(None)}">政府信息公开年报</a></div></body></html>')
            return Response(200, body.encode("utf-8"), "text/html;charset=UTF-8")
        tf = prm.get("timeFrame", "")
        year = int(tf) if tf.isdigit() else max(YEARS)
        try:
            page = max(1, int(prm.get("page") or 1))
        except ValueError:
            page = 1
        items = self.by_year.get(year, [])
        pages = max(1, -(-len(items) // PER_PAGE))
        chunk = items[(page - 1) * PER_PAGE: page * PER_PAGE]
        years = "".join(f'<li{" class=on" if y == year else ""}><a href="{column_url(y)}">{y}年</a></li>'
                        for y in sorted(YEARS, reverse=True))
        lis = "".join(f'<li class="clearfix"><a href="{it.path}" class="title" title="{g.esc(it.title)}" target="_blank">'
                      f'{g.esc(g.truncate(it.title, 32))}</a><span class="date">{it.date}</span></li>' for it in chunk)
        pager = "".join(f'<a href="{column_url(year, p)}"{" class=cur" if p == page else ""}>{p}</a>'
                        for p in range(1, pages + 1))
        body = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>政府信息公开年报-{NAME}</title></head><body>
<div class="xxgk_crumb">当前位置：<a href="/">首页</a> &gt; <a href="{COLUMN}?type=4&nav=3">政府信息公开</a> &gt; 政府信息公开年报</div>
<div class="xxgk_nb_year"><ul class="clearfix">{years}</ul></div>
<div class="xxgk_nb_list"><ul class="clearfix xxgk_nav_list">{lis}</ul></div>
<div class="pagination" data-total="{len(items)}" data-pages="{pages}">{pager}</div>
</body></html>
"""
        return Response(200, body.encode("utf-8"), "text/html;charset=UTF-8")


def detail_page(it: g.Item) -> bytes:
    body = ('<p style="text-indent:2em">详见附件。</p>' if it.mode == "att_only" else g.blocks_html(it.blocks))
    atts = "".join(f'<li><a href="{a.href}" target="_blank">{g.esc(a.filename)}</a></li>' for a in it.attachments)
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{g.esc(it.title)}-{NAME}</title>
<meta name="ArticleTitle" content="{g.esc(it.title)}">
<meta name="PubDate" content="{it.published}">
<meta name="ContentSource" content="{g.esc(it.agency.name)}">
</head><body>
<div class="xxgk_crumb">当前位置：<a href="/">首页</a> &gt; <a href="{column_url(None)}">政府信息公开年报</a></div>
<table class="table_suoyin">
<tr><th>索引号：</th><td>{it.extra['index_no']}</td><th>信息分类：</th><td>政府信息公开年报</td></tr>
<tr><th>发布机构：</th><td>{g.esc(it.agency.name)}</td><th>生成日期：</th><td>{it.date}</td></tr>
<tr><th>名称：</th><td colspan="3">{g.esc(it.title)}</td></tr>
<tr><th>文号：</th><td></td><th>发布日期：</th><td>{it.date}</td></tr>
</table>
<div class="wenzhang"><h1 class="newstitle">{g.heading_html(it.title, it.heading_split)}</h1>
<div class="wzcon j-fontContent">{body}</div>
<div class="fujian"><ul>{atts}</ul></div></div>
</body></html>
"""
    return html.encode("utf-8")


def build(name: str, scenario) -> SiteBuild:
    b = SiteBuild()
    site = PlatformSite(scenario)
    rng = g.rng_for("jiangyuan", "layout")
    code = lambda n: g.credit_code(g.rng_for("jiangyuan-code", n), "11")  # noqa: E731
    gov = g.Agency(NAME, "县政府办", "county", REGION, code(NAME), "xzf")
    others = [g.Agency(n, s, lvl, REGION, code(n), slug) for n, s, lvl, slug in (
        ("江源县发展和改革局", "县发展改革局", "department", "fgj"), ("江源县卫生健康局", "县卫生健康局", "department", "wjj"),
        ("江源县城关镇人民政府", "城关镇", "township", "cgz"), ("江源县垚坝乡人民政府", "垚坝乡", "township", "ybx"))]
    items = [g.build_report(gov, y, "jiangyuan") for y in YEARS]
    for a in others:
        items += [g.build_report(a, y, "jiangyuan") for y in sorted(rng.sample(YEARS[2:], 3))]
    items += [g.build_negative("publication_notice", gov, "江源县", 2023, "jiangyuan"),
              g.build_negative("website_report", others[0], "江源县", 2024, "jiangyuan")]
    next_id = 41005000
    for it in sorted(items, key=lambda i: (i.published, i.key)):
        next_id += rng.randint(11, 3000)
        it.doc_id = next_id
        it.path = f"/public/{SITE_ID}/{it.doc_id}.html"
        it.url = site.absolute(it.path)
        it.extra["index_no"] = f"{it.agency.code[:9]}/{it.date[:4]}-{it.doc_id % 100000:05d}"
        for a in it.attachments:
            h = g.docs.sha256(f"{it.key}{a.filename}".encode())[:32]
            a.path = f"/public/upload/{SITE_ID}/{it.date[:7].replace('-', '')}/{h}.{a.ext}"
            a.url, a.href = site.absolute(a.path), a.path
            site.attachment(a.path, a)
        site.add(it.path, detail_page(it), "text/html;charset=UTF-8")
        # the year filter is the report year (the platform files reports under the year they cover)
        site.by_year.setdefault(it.year, []).append(it)
    for y in site.by_year:
        site.by_year[y] = g.sort_items(site.by_year[y])
    home = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{NAME}</title></head><body>'
            f'<a href="{column_url(None)}">政府信息公开年报</a></body></html>')
    site.add("/", home.encode("utf-8"), "text/html;charset=UTF-8", aliases=["/index.html"])

    for it in g.sort_items(items):
        listed = [site.absolute(column_url(it.year, i // PER_PAGE + 1)) for i, x in enumerate(site.by_year[it.year])
                  if x is it]
        if it.kind == "negative":
            b.negatives.append(negative_entry("jiangyuan", HOST, it, listed))
        else:
            b.reports.append(report_entry("jiangyuan", HOST, it, listed_in=listed))
    b.pagination.append({"site_id": "jiangyuan", "column": site.absolute(column_url(None)), "scheme": "year-filter",
                         "pages": [site.absolute(column_url(y)) for y in sorted(YEARS, reverse=True)]})
    b.host_status.append({"host": HOST, "expected": "ok", "note": "robots.txt 404"})
    target = next(it for it in g.sort_items(items) if it.kind == "report" and it.agency.level == "department")
    b.fault_targets = {"soft_404": [target.url]}
    b.registry.append({
        "id": "jiangyuan", "name": f"{NAME} 政府信息公开年报", "agency": NAME, "level": "county", "region": REGION,
        "family": "province-platform",
        "entry_urls": [site.absolute(column_url(None))],  # the spider follows the year filter itself
        "encoding": None, "enabled": True, "disabled_reason": None, "expected_min_reports": int(len(b.reports) * 0.8),
    })
    b.sites.append(site)
    return b
