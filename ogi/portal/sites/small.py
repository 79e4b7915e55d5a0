"""Small sites of the remaining researched layouts (PORTALS.md §2.6/§2.7), one per layout, for the ``web``
scenario: 青岚市 (a city linked from the province) links its counties and departments, the province links
three more departments. Only the generic spider reads them; each copies the URL grammar of the registry
rows in brackets, with a pager style of its kind (guesses, unv):

- 青岚市 [hex-shtml] ``/qlsrmzf/qlszfxxgknb/index.shtml``, ``YYYYMM/<32hex>.shtml``, 下一页 links;
- 清河县 [zz-public-jhtml] host ``public.…``, ``/D42Y/index.jhtml`` → ``index_N.jhtml``, ``/D42Y/<id>.jhtml``;
- 岚山县 [henan-date-id] ``/zwgk/zfxxgknb/`` with a 0-based ``createPageHTML``, ``/YYYY/MM-DD/<id>.html``;
- 松溪县 [hn-numeric-content] ``/31185/32016/index.htm``, ``content_<id>.html``, page numbers;
- 洋河县 [snowflake-id] ``/zfxxgk/zfxxgknb/szfnb/``, ``<19-digit id>.html``;
- 白鹤县 [eportal] ``/eportal/ui?pageId=&columnId=`` (+ ``&currentPage=N``), ``&articleKey=`` details;
- 桃源县 [aspnet] ``year_details.aspx?dept=8&year=Y`` with links to the other years, ``view.aspx?id=``;
- 和平县 [legacy-xp] ``spage.xp?doAction=sgknb&unitid=`` (+ ``&page=N``), ``spage.xp?doAction=view&id=``;
- 东城区 [bjdx-numeric-path] each document is its own ``…/<7 digits>/index.html``;
- 临溪区 [html-col-id] ``/html/290/index.html``, ``/html/290/<id>.html``;
- 青岚市市场监督管理局 [jx-intensive] ``/qlsjg/xxgkn142/pc/list.html`` → ``list_N.html``, ``pc/content/content_<id>.html``;
- 青岚市统计局 [gd-intensive] ``…/xxgknb/index.html`` → ``index_N.html``, ``content/post_<id>.html``;
- 西陵省财政厅 [shanghai-hex] yearly hubs ``/<Y>ndbg/index.html`` linking each other, ``/nw12344/YYYYMMDD/<32hex>.html``;
- 西陵省交通运输厅 [sc-hex-shtml] yearly ``/10462/<Y>nb/xxgknbs.shtml``, ``/10462/c1024/YYYY/M/D/<32hex>.shtml``;
- 西陵省水利厅 [ln-web-idx] ``/web/zwgkx/zfxxgk1/2010zfxxgk_148535/<Y>/index.shtml``, ``…/<Y>/<id>.shtml``.
"""
from __future__ import annotations

from .. import generate as g
from ..world import SiteBuild
from .layouts import (WEB, LayoutSite, chrome, detail_html, entries, home_page, hub_page, list_entries,
                      make_items, paged, registry_row, web_entry)

YEARS = range(2022, 2025)
PER_PAGE = 2


def hexid(it, salt: str, n: int = 32) -> str:
    return g.docs.sha256(f"{it.key}:{salt}".encode())[:n]


def num(it, lo: int, hi: int) -> int:
    return lo + int(hexid(it, "num", 12), 16) % (hi - lo)


# site -> (column path of page n (1-based) or of a year, detail path, pager, charset, depts)
SPECS = {
    "qinglan": dict(page=lambda n: "/qlsrmzf/qlszfxxgknb/" + ("index.shtml" if n == 1 else f"index_{n}.shtml"),
                    detail=lambda it: f"/qlsrmzf/qlszfxxgknb/{it.date[:7].replace('-', '')}/{hexid(it, 'h')}.shtml",
                    pager="next", depts=[("青岚市司法局", "department")]),
    "qinghe": dict(page=lambda n: "/D42Y/" + ("index.jhtml" if n == 1 else f"index_{n}.jhtml"),
                   detail=lambda it: f"/D42Y/{num(it, 8100000, 8199999)}.jhtml", pager="next", depts=[]),
    "lanshan": dict(page=lambda n: "/zwgk/zfxxgknb/" + ("index.html" if n == 1 else f"index_{n - 1}.html"),
                    detail=lambda it: f"/{it.date[:4]}/{it.date[5:10]}/{num(it, 2000000, 2999999)}.html",
                    pager="trs", depts=[("岚山县城郊乡人民政府", "township")]),
    "songxi": dict(page=lambda n: "/31185/32016/" + ("index.htm" if n == 1 else f"index_{n}.htm"),
                   detail=lambda it: f"/31185/32016/content_{num(it, 2100000, 2199999)}.html", pager="numbers", depts=[]),
    "yanghe": dict(page=lambda n: "/zfxxgk/zfxxgknb/szfnb/" + ("index.html" if n == 1 else f"index_{n}.html"),
                   detail=lambda it: f"/zfxxgk/zfxxgknb/szfnb/{it.year}n/17525{num(it, 10**13, 10**14 - 1)}.html",
                   pager="next", depts=[]),
    "baihe": dict(page=lambda n: "/eportal/ui?pageId=11f1063f98964aba&columnId=be3e6bf09794" + ("" if n == 1 else f"&currentPage={n}"),
                  detail=lambda it: f"/eportal/ui?pageId=11f1063f98964aba&articleKey={hexid(it, 'k', 16)}&columnId=be3e6bf09794",
                  pager="next", depts=[]),
    "taoyuan": dict(year=lambda y: f"/year_details.aspx?dept=8&year={y}", detail=lambda it: f"/view.aspx?id={num(it, 10000, 99999)}",
                    pager="years", depts=[("桃源县农业农村局", "department")]),
    "heping": dict(page=lambda n: "/zwgk/public/spage.xp?doAction=sgknb&unitid=000400010001" + ("" if n == 1 else f"&page={n}"),
                   detail=lambda it: f"/zwgk/public/spage.xp?doAction=view&id={num(it, 300000, 399999)}", pager="next",
                   depts=[], charset="gbk"),
    "dongcheng": dict(page=lambda n: "/dcqrmzf/zwgk/zfxxgk/dcqzf69/2291822/" + ("index.html" if n == 1 else f"index_{n}.html"),
                      detail=lambda it: f"/dcqrmzf/zwgk/zfxxgk/dcqzf69/2291822/{num(it, 2292000, 2299999)}/index.html",
                      pager="next", depts=[]),
    "linxi": dict(page=lambda n: "/html/290/" + ("index.html" if n == 1 else f"index_{n}.html"),
                  detail=lambda it: f"/html/290/{num(it, 40000, 49999)}.html", pager="numbers", depts=[]),
    "qlscjg": dict(page=lambda n: "/qlsjg/xxgkn142/pc/" + ("list.html" if n == 1 else f"list_{n}.html"),
                   detail=lambda it: f"/qlsjg/xxgkn142/pc/content/content_{num(it, 1600000, 1699999)}.html",
                   pager="next", depts=[]),
    "qltjj": dict(page=lambda n: "/qltjj/zwgk/xxgknb/" + ("index.html" if n == 1 else f"index_{n}.html"),
                  detail=lambda it: f"/qltjj/zwgk/xxgknb/content/post_{num(it, 67000, 69999)}.html", pager="next", depts=[]),
    "xlczt": dict(year=lambda y: f"/{y}ndbg/index.html",
                  detail=lambda it: f"/nw12344/{it.date.replace('-', '')}/{hexid(it, 'sh')}.html", pager="years", depts=[]),
    "xljtt": dict(year=lambda y: f"/10462/{y}nb/xxgknbs.shtml",
                  detail=lambda it: f"/10462/c1024/{it.date[:4]}/{int(it.date[5:7])}/{int(it.date[8:10])}/{hexid(it, 'sc')}.shtml",
                  pager="years", depts=[]),
    "xlslt": dict(year=lambda y: f"/web/zwgkx/zfxxgk1/2010zfxxgk_148535/{y}/index.shtml",
                  detail=lambda it: f"/web/zwgkx/zfxxgk1/2010zfxxgk_148535/{it.year}/{num(it, 700000, 799999)}.shtml",
                  pager="years", depts=[]),
}
NEGATIVE = {"qinglan": "housing_fund_report", "qinghe": "publication_notice", "lanshan": "rule_of_law_report",
            "songxi": "compilation_notice", "yanghe": "website_report", "baihe": "statistical_bulletin",
            "taoyuan": "publication_notice", "heping": "enterprise_guide", "dongcheng": "compilation_notice",
            "linxi": "rule_of_law_report", "qlscjg": "enterprise_guide", "qltjj": "statistical_bulletin",
            "xlczt": "compilation_notice", "xljtt": "website_report", "xlslt": "rule_of_law_report"}


def pager_html(kind: str, n: int, total: int, page) -> str:
    if kind == "next":
        out = f'<a href="{page(1)}">首页</a>'
        if n > 1:
            out += f'<a href="{page(n - 1)}">上一页</a>'
        if n < total:
            out += f'<a href="{page(n + 1)}">下一页</a>'
        return out + f'<a href="{page(total)}">尾页</a> 共{total}页'
    if kind == "numbers":
        return "".join(f'<a href="{page(k)}">{k}</a>' for k in range(1, total + 1) if k != n) + f" 第{n}页"
    if kind == "trs":
        return (f'<script>var countPage = {total}; var currentPage = {n - 1};\n'
                f'createPageHTML(countPage, currentPage, "index", "html");</script>')
    raise ValueError(kind)


def build(name: str, scenario) -> SiteBuild:
    spec = SPECS[name]
    charset = spec.get("charset", "utf-8")
    b, site = SiteBuild(), LayoutSite(name, scenario, charset=charset)
    site_name = WEB[name][1]
    gov, items = make_items(name, spec["depts"], YEARS, [(NEGATIVE[name], 2023)])
    for it in sorted(items, key=lambda i: (i.published, i.key)):
        it.path = spec["detail"](it)
        it.url = it.extra["href"] = site.absolute(it.path)
        it.extra["href"] = it.path
        folder = "/" + "/".join(it.path.split("?")[0].strip("/").split("/")[:-1]) + "/"
        folder = "/upload/" if folder == "//" else folder
        for a in it.attachments:
            fname = f"{hexid(it, a.filename, 20)}.{a.ext}"
            a.path, a.url, a.href = folder + fname, site.absolute(folder + fname), folder + fname
            site.attachment(a.path, a)
        site.page(it.path, detail_html(it, site_name, charset))
    title = f"政府信息公开年报-{site_name}"
    listed, columns = {}, []
    if spec["pager"] == "years":
        by_year: dict = {}
        for it in items:
            by_year.setdefault(it.year, []).append(it)
        years = sorted(by_year, reverse=True)
        for y in years:
            others = "".join(f'<li><a href="{spec["year"](o)}">{o}年度</a></li>' for o in years)
            body = (f'<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报 &gt; {y}年度</div>'
                    f'<div class="years"><ul>{others}</ul></div>{list_entries(g.sort_items(by_year[y]))}')
            site.page(spec["year"](y), chrome(title, body, charset))
            for it in by_year[y]:
                listed[it.key] = [site.absolute(spec["year"](y))]
        columns = [site.absolute(spec["year"](years[0]))]
        b.pagination.append({"site_id": name, "column": columns[0], "scheme": "year-pages",
                             "pages": [site.absolute(spec["year"](y)) for y in years]})
    else:
        pages = paged(items, PER_PAGE)
        for n, chunk in enumerate(pages, 1):
            body = (f'<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>'
                    f'{list_entries(chunk)}<div class="page">{pager_html(spec["pager"], n, len(pages), spec["page"])}</div>')
            site.page(spec["page"](n), chrome(title, body, charset))
            for it in chunk:
                listed[it.key] = [site.absolute(spec["page"](n))]
        columns = [site.absolute(spec["page"](1))]
        b.pagination.append({"site_id": name, "column": columns[0], "scheme": spec["pager"],
                             "pages": [site.absolute(spec["page"](n)) for n in range(1, len(pages) + 1)]})
    hub = "/xxgk/index.html"
    site.page("/", home_page(name, hub, charset), aliases=["/index.html"])
    site.page(hub, hub_page(name, [("政府信息公开年报", columns[0].split(site.host, 1)[1])], charset))
    entries(b, name, items, listed)
    b.registry.append(registry_row(name, columns, WEB[name][4], len(b.reports)))
    b.web.append(web_entry(name, columns, "generic", True))
    b.host_status.append({"host": site.host, "expected": "ok"})
    b.sites.append(site)
    return b
