"""Sites of layouts no family module knows, joined into a web of governments (the ``web`` scenario).

Only the generic spider reads these (crawler/spiders/generic.py); ``ogi discover`` finds them by walking
the navigation from the province portal. Each layout copies a URL grammar of PORTALS.md §2.6/§2.7 (the
registry rows named in brackets); list markup, pagers and detail templates are guesses (unv) in the
style of small-vendor CMSs: no ArticleTitle metas, no known content container.

- 西陵省's cities are ``yunling`` and ``qinglan`` (sites/small.py); 云岭 also links
  江源县 (the province-platform site of sites/platform.py), so discovery meets a family with a module.
- ``xiling`` 西陵省 (province), Hebei uuid columns [hebei-uuid-columns]: ``/columns/<uuid>/index.html``,
  pages ``index_2.html`` … linked as 首页/上一页/下一页/尾页 anchors; details
  ``/columns/<uuid>/YYYYMM/DD/<uuid>.html``. UTF-8. The home page carries the 地方政府网站 link set (a
  ``<select>`` as on real portals), a 部门网站 list and an 其他网站 list (gov.cn, a newspaper: not ours).
- ``yunling`` 云岭市 (city), c-col shtml [c-col-shtml]: a 年报 hub ``/yl/c100260/zfxxgknb.shtml`` links
  year sub-columns ``/yl/c1003<yy>/list.shtml``; pages ``list_2.shtml`` … are written by a script
  (``var pageCount = N`` and ``'list_' + i + '.shtml'``); details ``/yl/c1003<yy>/YYYYMM/<32hex>.shtml`` or
  ``c01_<id>.shtml``. Its home links its counties (区县政府网站).
- ``shiyan`` 石岩县 (county), VSB/博达 [vsb-boda]: GBK bytes with a meta charset only, broken markup
  (unclosed ``<li>``/``<td>``/``<div>``); list ``/xxgk/xxgknb.htm`` then ``/xxgk/xxgknb/<k>.htm`` counting
  down (VSB style), chained by 下页/尾页 links; details ``/info/1777/<id>.htm`` linked as ``../info/…``.
- ``mingxi`` 明溪县 (county), Kunming c/date [km-c-date]: GBK with the charset in the header; list
  ``/zfxxgk/ndbg/index.shtml?page=N`` (下一页 and page numbers); details ``/c/YYYY-MM-DD/<id>.shtml``.
- ``xlfgw`` 西陵省发展和改革委员会 (department), Shandong gongkai objectid [sd-gongkai-objectid]: the
  channel page ``/gongkai/channel_<24hex>/`` is a shell whose script loads
  ``list.json?pageNo=N&pageSize=10`` (``{"total","pageNo","data":[{"title","url","publishTime"}]}``);
  details ``/gongkai/site_xlfgw/channel_<24hex>/doc_<24hex>.html``.
- ``xljyt`` 西陵省教育厅 (department, noise): its 信息公开 hub has a 法治政府建设年度报告 column and a
  指南, but no 年报 column; discovery must not register it.
"""
from __future__ import annotations

import json

from .. import generate as g
from ..world import SiteBuild, negative_entry, report_entry
from .base import Request, Response, Site

DOMAIN = "fixture.gov.cn"
PROVINCE = "西陵省"
# site -> (host, government, level, region, layout label, linked from (site, link set))
WEB = {
    "xiling": ("www.xiling.fixture.gov.cn", "西陵省人民政府", "province", "西陵省", "hebei-uuid-columns", None),
    "yunling": ("www.yunling.fixture.gov.cn", "云岭市人民政府", "city", "西陵省云岭市", "c-col-shtml", ("xiling", "地方政府网站")),
    "xlfgw": ("fgw.xiling.fixture.gov.cn", "西陵省发展和改革委员会", "department", "西陵省", "sd-gongkai-objectid",
              ("xiling", "部门网站")),
    "xljyt": ("jyt.xiling.fixture.gov.cn", "西陵省教育厅", "department", "西陵省", None, ("xiling", "部门网站")),
    "shiyan": ("www.shiyan.fixture.gov.cn", "石岩县人民政府", "county", "西陵省云岭市石岩县", "vsb-boda",
               ("yunling", "区县政府网站")),
    "mingxi": ("www.mingxi.fixture.gov.cn", "明溪县人民政府", "county", "西陵省云岭市明溪县", "km-c-date",
               ("yunling", "区县政府网站")),
    "linchuan": ("www.linchuan.fixture.gov.cn", "临川县人民政府", "county", "西陵省云岭市临川县", "hanweb-jpaas",
                 ("yunling", "区县政府网站")),
    "jiangyuan": ("www.jiangyuan.fixture.gov.cn", "江源县人民政府", "county", "西川省江源县", "province-platform",
                  ("yunling", "区县政府网站")),  # built by sites/platform.py, pages as in every scenario
    # one small site per remaining researched layout (ogi/portal/sites/small.py)
    "qinglan": ("www.qinglan.fixture.gov.cn", "青岚市人民政府", "city", "西陵省青岚市", "hex-shtml", ("xiling", "地方政府网站")),
    "xlczt": ("czt.xiling.fixture.gov.cn", "西陵省财政厅", "department", "西陵省", "shanghai-hex", ("xiling", "部门网站")),
    "xljtt": ("jtt.xiling.fixture.gov.cn", "西陵省交通运输厅", "department", "西陵省", "sc-hex-shtml", ("xiling", "部门网站")),
    "xlslt": ("slt.xiling.fixture.gov.cn", "西陵省水利厅", "department", "西陵省", "ln-web-idx", ("xiling", "部门网站")),
    "qinghe": ("public.qinghe.fixture.gov.cn", "清河县人民政府", "county", "西陵省青岚市清河县", "zz-public-jhtml",
               ("qinglan", "区县政府网站")),
    "lanshan": ("www.lanshan.fixture.gov.cn", "岚山县人民政府", "county", "西陵省青岚市岚山县", "henan-date-id",
                ("qinglan", "区县政府网站")),
    "songxi": ("www.songxi.fixture.gov.cn", "松溪县人民政府", "county", "西陵省青岚市松溪县", "hn-numeric-content",
               ("qinglan", "区县政府网站")),
    "yanghe": ("www.yanghe.fixture.gov.cn", "洋河县人民政府", "county", "西陵省青岚市洋河县", "snowflake-id",
               ("qinglan", "区县政府网站")),
    "baihe": ("www.baihe.fixture.gov.cn", "白鹤县人民政府", "county", "西陵省青岚市白鹤县", "eportal", ("qinglan", "区县政府网站")),
    "taoyuan": ("gk.taoyuan.fixture.gov.cn", "桃源县人民政府", "county", "西陵省青岚市桃源县", "aspnet", ("qinglan", "区县政府网站")),
    "heping": ("zwgk.heping.fixture.gov.cn", "和平县人民政府", "county", "西陵省青岚市和平县", "legacy-xp",
               ("qinglan", "区县政府网站")),
    "dongcheng": ("www.dongcheng.fixture.gov.cn", "青岚市东城区人民政府", "county", "西陵省青岚市东城区", "bjdx-numeric-path",
                  ("qinglan", "区县政府网站")),
    "linxi": ("www.linxi.fixture.gov.cn", "青岚市临溪区人民政府", "county", "西陵省青岚市临溪区", "html-col-id",
              ("qinglan", "区县政府网站")),
    "qlscjg": ("scjg.qinglan.fixture.gov.cn", "青岚市市场监督管理局", "department", "西陵省青岚市", "jx-intensive",
               ("qinglan", "部门网站")),
    "qltjj": ("tjj.qinglan.fixture.gov.cn", "青岚市统计局", "department", "西陵省青岚市", "gd-intensive", ("qinglan", "部门网站")),
}
UUID_COL = "29527d47-65f0-4e58-9a95-804549f339e9"
FGW_CHANNEL = "6389a3c83759918282638268"
UTF8 = "text/html;charset=UTF-8"


def host(site: str) -> str:
    return WEB[site][0]


def url(site: str, path: str = "/") -> str:
    return f"http://{host(site)}{path}"


def links_to(site: str) -> dict:
    """The link sets a site's home page shows: {set name: [(text, url)]}."""
    out: dict = {}
    for other, (_, gov, *_rest, linked) in WEB.items():
        if linked and linked[0] == site:
            short = gov.replace("人民政府", "")
            out.setdefault(linked[1], []).append((short, url(other)))
    return out


def chrome(title: str, body: str, charset: str = "utf-8", nav: str = "") -> str:
    """A page with site chrome: menu, body, footer with many unrelated links (noise for extractors)."""
    menu = ('<div class="top-nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a>'
            '<a href="/hdjl/">互动交流</a><a href="/zjxl/">走进西陵</a></div>')
    foot = ('<div class="footer"><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a> | '
            '<a href="/sybz/">使用帮助</a><p>主办单位：西陵省人民政府办公厅 网站标识码：5100000001</p></div>')
    return (f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f'<title>{g.esc(title)}</title></head><body>\n{menu}\n{nav}\n{body}\n{foot}\n</body></html>\n')


def detail_html(it: g.Item, site_name: str, charset: str = "utf-8", broken: bool = False) -> str:
    """A small-vendor detail page: title in a heading, date and source in a line of text, body in a
    div with an arbitrary class, attachments as plain links. No CMS metas."""
    body = '<p style="text-indent:2em">详见附件。</p>' if it.mode == "att_only" else g.blocks_html(it.blocks)
    atts = "".join(f'<p><a href="{a.href}">{g.esc(a.filename)}</a></p>' for a in it.attachments)
    if broken:  # VSB: unclosed tags, as the real pages have
        body = body.replace("</p>", "").replace("</td>", "")
        atts = atts.replace("</p>", "")
    crumb = f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 正文</div>'
    main = (f'{crumb}\n<div class="news-detail"><h1 class="news-title">{g.heading_html(it.title, it.heading_split)}</h1>'
            f'<div class="news-info">发布时间：{it.published} &nbsp; 来源：{g.esc(it.agency.name)} &nbsp; 浏览次数：'
            f'<span id="views">128</span></div>\n<div class="news-text">{body}</div>\n'
            f'<div class="news-files">{atts}</div>'
            '<div class="share">分享到：<a href="javascript:void(0)">微信</a> <a href="javascript:window.print()">打印本页</a>'
            ' <a href="javascript:window.close()">关闭窗口</a></div></div>')
    return chrome(f"{it.title}-{site_name}", main, charset)


def list_entries(items, date_tag: str = "span", broken: bool = False) -> str:
    close = "" if broken else "</li>"
    out = []
    for it in items:
        out.append(f'<li><a href="{it.extra["href"]}" title="{g.esc(it.title)}" target="_blank">'
                   f'{g.esc(g.truncate(it.title, 30))}</a><{date_tag}>{it.date}</{date_tag}>{close}')
    return '<ul class="list">' + "".join(out) + "</ul>"


def make_items(site: str, depts: list, years, negatives: list, seed: str | None = None):
    """Reports of the government (every year) and of some departments/townships, plus negatives."""
    _h, gov_name, level, region, *_ = WEB[site]
    seed = seed or site
    code = lambda n: g.credit_code(g.rng_for(seed, "code", n), "11")  # noqa: E731
    gov = g.Agency(gov_name, gov_name, level, region, code(gov_name), "gov")
    agencies = [g.Agency(n, n, lvl, region, code(n), f"a{i}") for i, (n, lvl) in enumerate(depts)]
    items = [g.build_report(gov, y, seed) for y in years]
    rng = g.rng_for(seed, "depts")
    for a in agencies:
        items += [g.build_report(a, y, seed) for y in sorted(rng.sample(list(years), min(2, len(years))))]
    city = region.split("省")[-1] or region
    for kind, y in negatives:
        items.append(g.build_negative(kind, gov, city, y, seed))
    return gov, g.sort_items(items)


def entries(b: SiteBuild, site: str, items, listed: dict):
    h = host(site)
    for it in items:
        if it.kind == "negative":
            b.negatives.append(negative_entry(site, h, it, listed[it.key]))
        else:
            b.reports.append(report_entry(site, h, it, listed_in=listed[it.key], extra={"layout": WEB[site][4]}))


def registry_row(site: str, entry: list, family: str, n_reports: int, **extra) -> dict:
    h, gov, level, region, layout, _ = WEB[site]
    return {"id": site, "name": f"{gov} 政府信息公开年报", "agency": gov, "level": level, "region": region,
            "family": family, "entry_urls": entry, "encoding": None, "enabled": True, "disabled_reason": None,
            "expected_min_reports": max(1, int(n_reports * 0.8)), "cms_note": layout, **extra}


def web_entry(site: str, columns: list, family: str, generic_only: bool) -> dict:
    """What discovery must find for this site (expected()['web'])."""
    h, gov, level, region, layout, linked = WEB[site]
    return {"site_id": site, "host": h, "home": url(site), "agency": gov, "level": level, "region": region,
            "layout": layout, "family": family, "columns": columns, "generic_only": generic_only,
            "linked_from": {"site": linked[0], "link_set": linked[1]} if linked else None}


def attach(site: Site, it: g.Item, folder: str, rel: str = "./"):
    for i, a in enumerate(it.attachments):
        h = g.docs.sha256(f"{it.key}:{a.filename}".encode())[:20]
        fname = f"{h}.{a.ext}"
        a.path, a.url, a.href = folder + fname, site.absolute(folder + fname), rel + fname
        site.attachment(a.path, a)


def home_page(site: str, hub_path: str, charset: str = "utf-8") -> str:
    sets = links_to(site)
    blocks = []
    for name, links in sets.items():
        if name == "地方政府网站":  # a <select> drop-down, as most provincial portals have
            opts = "".join(f'<option value="{u}">{g.esc(t)}</option>' for t, u in links)
            blocks.append(f'<div class="yqlj"><h3>{name}</h3><select onchange="if(this.value)window.open(this.value)">'
                          f'<option value="">--{name}--</option>{opts}</select></div>')
        else:
            lis = "".join(f'<li><a href="{u}" target="_blank">{g.esc(t)}</a></li>' for t, u in links)
            blocks.append(f'<div class="yqlj"><h3>{name}</h3><ul>{lis}</ul></div>')
    if site == "xiling":
        blocks.append('<div class="yqlj"><h3>其他网站</h3><ul><li><a href="http://www.gov.cn/">中国政府网</a></li>'
                      '<li><a href="http://www.people.com.cn/">人民网</a></li></ul></div>')
    main = (f'<div class="main"><ul class="columns"><li><a href="/xwzx/">新闻中心</a></li>'
            f'<li><a href="{hub_path}">政府信息公开</a></li><li><a href="/zcjd/">政策解读</a></li></ul></div>'
            + "".join(blocks))
    return chrome(WEB[site][1], main, charset)


def hub_page(site: str, columns: list, charset: str = "utf-8", extra: str = "") -> str:
    """The 政府信息公开 hub: 指南, 制度, 法定主动公开内容, the 年报 column(s), and other channels."""
    lis = ['<li><a href="../xxgkzn/">政府信息公开指南</a></li>', '<li><a href="../xxgkzd/">政府信息公开制度</a></li>',
           '<li><a href="../fdzdgknr/">法定主动公开内容</a></li>']
    lis += [f'<li><a href="{p}">{g.esc(t)}</a></li>' for t, p in columns]
    return chrome(f"政府信息公开-{WEB[site][1]}", f'<div class="xxgk-nav"><ul>{"".join(lis)}</ul>{extra}</div>', charset)


class LayoutSite(Site):
    def __init__(self, site: str, scenario, charset: str = "utf-8", header_charset: bool = True):
        super().__init__(host(site), site, scenario)
        self.charset = charset
        self.header_charset = header_charset

    def ctype(self) -> str:
        return f"text/html;charset={self.charset.upper()}" if self.header_charset else "text/html"

    def page(self, path: str, html: str, aliases=()):
        return self.add(path, html.encode(self.charset, "xmlcharrefreplace"), self.ctype(), aliases=aliases)

    def route(self, req: Request):
        if req.path == "/robots.txt":
            return Response(200, b"User-agent: *\nAllow: /\n", "text/plain", compress=False)
        if req.query:  # pages of query-string layouts (eportal, aspnet, legacy-xp) are stored with their query
            return self.pages.get(f"{req.path}?{req.query}")
        return None


def paged(items, per: int):
    return [items[i:i + per] for i in range(0, len(items), per)] or [[]]


# ------------------------------------------------------------------ xiling: Hebei uuid columns


def build_xiling(scenario) -> SiteBuild:
    b, site = SiteBuild(), LayoutSite("xiling", scenario)
    gov, items = make_items("xiling", [("西陵省自然资源厅", "department"), ("西陵省退役军人事务厅", "department")],
                            range(2019, 2026), [("publication_notice", 2024), ("compilation_notice", 2023)])
    col = f"/columns/{UUID_COL}/"
    for it in sorted(items, key=lambda i: (i.published, i.key)):
        u = "-".join(g.docs.sha256(f"{it.key}:uuid".encode())[a:b_] for a, b_ in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))
        folder = f"{col}{it.date[:7].replace('-', '')}/{it.date[8:10]}/"
        it.path, it.url = folder + u + ".html", site.absolute(folder + u + ".html")
        it.extra["href"] = it.path
        attach(site, it, f"/files/{it.date[:4]}/", "/files/" + it.date[:4] + "/")
        site.page(it.path, detail_html(it, WEB["xiling"][1]))
    pages = paged(items, 6)
    listed = {}
    for n, chunk in enumerate(pages, 1):
        p = col + ("index.html" if n == 1 else f"index_{n}.html")
        name = lambda k: col + ("index.html" if k == 1 else f"index_{k}.html")  # noqa: E731
        pager = f'<a href="{name(1)}">首页</a>'
        if n > 1:
            pager += f'<a href="{name(n - 1)}">上一页</a>'
        if n < len(pages):
            pager += f'<a href="{name(n + 1)}">下一页</a>'
        pager += f'<a href="{name(len(pages))}">尾页</a><span>共{len(pages)}页</span>'
        body = (f'<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>'
                f'<div class="list-box">{list_entries(chunk)}</div><div class="pagination">{pager}</div>')
        site.page(p, chrome(f"政府信息公开年报-{WEB['xiling'][1]}", body), aliases=[col] if n == 1 else ())
        for it in chunk:
            listed[it.key] = [site.absolute(p)]
    site.page("/", home_page("xiling", "/zwgk/index.html"), aliases=["/index.html"])
    dept_channel = "".join(f'<li><a href="{u}">{g.esc(t)}</a></li>' for t, u in links_to("xiling").get("部门网站", []))
    site.page("/zwgk/index.html", hub_page("xiling", [("政府信息公开年报", col + "index.html")],
                                           extra=f'<h3>部门信息公开</h3><ul>{dept_channel}</ul>'), aliases=["/zwgk/"])
    entries(b, "xiling", items, listed)
    column = site.absolute(col + "index.html")
    b.pagination.append({"site_id": "xiling", "column": column, "scheme": "next-link",
                         "pages": [site.absolute(col + ("index.html" if n == 1 else f"index_{n}.html"))
                                   for n in range(1, len(pages) + 1)]})
    b.registry.append(registry_row("xiling", [column], "hebei-uuid-columns", len(b.reports)))
    b.web.append(web_entry("xiling", [column], "generic", True))
    b.host_status.append({"host": site.host, "expected": "ok"})
    b.sites.append(site)
    return b


# ------------------------------------------------------------------ yunling: c-col shtml with year sub-columns


def build_yunling(scenario) -> SiteBuild:
    b, site = SiteBuild(), LayoutSite("yunling", scenario)
    rng = g.rng_for("yunling", "layout")
    gov, items = make_items("yunling", [("云岭市财政局", "department"), ("云岭市城关街道办事处", "township"),
                                        ("云岭市住房公积金管理中心", "department")],
                            range(2021, 2026), [("housing_fund_report", 2024), ("rule_of_law_report", 2023)])
    by_year: dict = {}
    for it in items:
        by_year.setdefault(it.year, []).append(it)
    hub = "/yl/c100260/zfxxgknb.shtml"
    listed, columns = {}, []
    for y in sorted(by_year, reverse=True):
        col = f"/yl/c1003{y % 100:02d}/"
        for it in sorted(by_year[y], key=lambda i: (i.published, i.key)):
            ym = it.date[:7].replace("-", "")
            name = (f"c01_{rng.randint(500000, 599999)}" if rng.random() < 0.3
                    else g.docs.sha256(f"{it.key}:hex".encode())[:32])
            it.path = f"{col}{ym}/{name}.shtml"
            it.url, it.extra["href"] = site.absolute(it.path), it.path
            attach(site, it, f"{col}{ym}/")
            site.page(it.path, detail_html(it, WEB["yunling"][1]))
        pages = paged(g.sort_items(by_year[y]), 2)
        for n, chunk in enumerate(pages, 1):
            p = col + ("list.shtml" if n == 1 else f"list_{n}.shtml")
            script = (f"<script>var pageCount = {len(pages)}; var currentPage = {n};\n"
                      "for (var i = 1; i <= pageCount; i++) {\n"
                      "  document.write('<a href=\"' + (i == 1 ? 'list' : 'list_' + i) + '.shtml\">' + i + '</a>');\n}"
                      "</script>")
            body = (f'<div class="crumb">当前位置：首页 &gt; 政府信息公开年报 &gt; {y}年度</div>'
                    f'<div class="lists">{list_entries(chunk)}</div><div class="pages">{script}</div>')
            site.page(p, chrome(f"{y}年度-政府信息公开年报-{WEB['yunling'][1]}", body))
            for it in chunk:
                listed[it.key] = [site.absolute(p)]
        columns.append(site.absolute(col + "list.shtml"))
        b.pagination.append({"site_id": "yunling", "column": site.absolute(col + "list.shtml"), "scheme": "script-list_N",
                             "pages": [site.absolute(col + ("list.shtml" if n == 1 else f"list_{n}.shtml"))
                                       for n in range(1, len(pages) + 1)]})
    years = "".join(f'<li><a href="/yl/c1003{y % 100:02d}/list.shtml">{y}年度</a></li>' for y in sorted(by_year, reverse=True))
    site.page(hub, chrome(f"政府信息公开年报-{WEB['yunling'][1]}", f'<div class="nb-years"><ul>{years}</ul></div>'))
    site.page("/", home_page("yunling", "/yl/c100259/xxgk.shtml"), aliases=["/index.shtml"])
    site.page("/yl/c100259/xxgk.shtml", hub_page("yunling", [("政府信息公开年报", hub)]))
    entries(b, "yunling", items, listed)
    b.registry.append(registry_row("yunling", [site.absolute(hub)], "c-col-shtml", len(b.reports)))
    b.web.append(web_entry("yunling", [site.absolute(hub)], "generic", True))
    b.host_status.append({"host": site.host, "expected": "ok"})
    b.sites.append(site)
    return b


# ------------------------------------------------------------------ shiyan: VSB, GBK, broken markup


def build_shiyan(scenario) -> SiteBuild:
    b, site = SiteBuild(), LayoutSite("shiyan", scenario, charset="gbk", header_charset=False)
    rng = g.rng_for("shiyan", "layout")
    gov, items = make_items("shiyan", [("石岩县喆山镇人民政府", "township"), ("石岩县教育局", "department")],
                            range(2020, 2026), [("website_report", 2024), ("enterprise_guide", 2023)])
    for it in sorted(items, key=lambda i: (i.published, i.key)):
        it.doc_id = rng.randint(590000, 599999)
        it.path = f"/info/1777/{it.doc_id}.htm"
        it.url = site.absolute(it.path)
        attach(site, it, "/__local/7/", "/__local/7/")
        site.page(it.path, detail_html(it, WEB["shiyan"][1], "gbk", broken=True))
    pages = paged(items, 4)
    total = len(pages)
    # VSB: page 1 is xxgknb.htm, page n (n >= 2) is xxgknb/<total - n + 1>.htm
    path = lambda n: "/xxgk/xxgknb.htm" if n == 1 else f"/xxgk/xxgknb/{total - n + 1}.htm"  # noqa: E731
    listed = {}
    for n, chunk in enumerate(pages, 1):
        p = path(n)
        rel = "../info/1777/" if n == 1 else "../../info/1777/"
        for it in chunk:
            it.extra["href"] = rel + f"{it.doc_id}.htm"
            listed[it.key] = [site.absolute(p)]
        here = "xxgknb/" if n == 1 else ""
        pager = f'<span class="p_pages">共{len(items)}条 {n}/{total} '
        if n < total:
            pager += (f'<span class="p_next p_fun"><a href="{here}{total - n}.htm">下页</a></span>'
                      f'<span class="p_last p_fun"><a href="{here}1.htm">尾页</a></span>')
        pager += "</span>"
        body = (f'<div class="main_list"><div class="list_tit">政府信息公开年报\n'
                f'{list_entries(chunk, broken=True)}<div class="pb_sys_common">{pager}')  # unclosed divs
        site.page(p, chrome(f"政府信息公开年报-{WEB['shiyan'][1]}", body, "gbk"))
    site.page("/", home_page("shiyan", "/xxgk.htm", "gbk"), aliases=["/index.htm"])
    site.page("/xxgk.htm", hub_page("shiyan", [("政府信息公开年报", "/xxgk/xxgknb.htm")], "gbk"))
    entries(b, "shiyan", items, listed)
    column = site.absolute("/xxgk/xxgknb.htm")
    b.pagination.append({"site_id": "shiyan", "column": column, "scheme": "vsb-countdown",
                         "pages": [site.absolute(path(n)) for n in range(1, total + 1)]})
    b.registry.append(registry_row("shiyan", [column], "vsb-boda", len(b.reports)))
    b.web.append(web_entry("shiyan", [column], "generic", True))
    b.host_status.append({"host": site.host, "expected": "ok", "note": "GBK, no charset header"})
    b.sites.append(site)
    return b


# ------------------------------------------------------------------ mingxi: Kunming /c/YYYY-MM-DD/, ?page=N


class MingxiSite(LayoutSite):
    def __init__(self, scenario):
        super().__init__("mingxi", scenario, charset="gbk")
        self.pages_of: list = []

    def route(self, req: Request):
        if req.path == "/zfxxgk/ndbg/index.shtml":
            try:
                n = int(req.params.get("page") or 1)
            except ValueError:
                n = 1
            if not 1 <= n <= len(self.pages_of):
                return Response(200, chrome("提示", "<p>没有找到相关信息</p>", "gbk").encode("gbk"), self.ctype())
            return Response(200, self.pages_of[n - 1], self.ctype())
        return super().route(req)


def build_mingxi(scenario) -> SiteBuild:
    b, site = SiteBuild(), MingxiSite(scenario)
    rng = g.rng_for("mingxi", "layout")
    gov, items = make_items("mingxi", [("明溪县堃溪乡人民政府", "township"), ("明溪县市场监督管理局", "department")],
                            range(2019, 2026), [("statistical_bulletin", 2024)])
    for it in sorted(items, key=lambda i: (i.published, i.key)):
        it.doc_id = rng.randint(4600000, 4699999)
        it.path = f"/c/{it.date}/{it.doc_id}.shtml"
        it.url, it.extra["href"] = site.absolute(it.path), it.path
        attach(site, it, f"/upload/{it.date[:7]}/", f"/upload/{it.date[:7]}/")
        site.page(it.path, detail_html(it, WEB["mingxi"][1], "gbk"))
    pages = paged(items, 5)
    listed = {}
    base = "/zfxxgk/ndbg/index.shtml"
    for n, chunk in enumerate(pages, 1):
        nums = "".join(f'<a href="?page={k}">{k}</a>' for k in range(1, len(pages) + 1))
        nxt = f'<a href="?page={n + 1}">下一页</a>' if n < len(pages) else ""
        body = (f'<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</div>'
                f'<div class="newslist">{list_entries(chunk, "em")}</div>'
                f'<div class="page">{nums}{nxt}<span>共{len(pages)}页</span></div>')
        site.pages_of.append(chrome(f"政府信息公开年度报告-{WEB['mingxi'][1]}", body, "gbk").encode("gbk", "xmlcharrefreplace"))
        for it in chunk:
            listed[it.key] = [site.absolute(base + (f"?page={n}" if n > 1 else ""))]
    site.page("/", home_page("mingxi", "/zfxxgk/", "gbk"), aliases=["/index.shtml"])
    site.page("/zfxxgk/", hub_page("mingxi", [("政府信息公开年度报告", base)], "gbk"), aliases=["/zfxxgk/index.shtml"])
    entries(b, "mingxi", items, listed)
    column = site.absolute(base)
    b.pagination.append({"site_id": "mingxi", "column": column, "scheme": "page-param",
                         "pages": [column + (f"?page={n}" if n > 1 else "") for n in range(1, len(pages) + 1)]})
    b.registry.append(registry_row("mingxi", [column], "km-c-date", len(b.reports)))
    b.web.append(web_entry("mingxi", [column], "generic", True))
    b.host_status.append({"host": site.host, "expected": "ok", "note": "GBK"})
    b.sites.append(site)
    return b


# ------------------------------------------------------------------ xlfgw: Shandong gongkai objectid, JSON list


class FgwSite(LayoutSite):
    def __init__(self, scenario):
        super().__init__("xlfgw", scenario)
        self.listing: list = []

    def route(self, req: Request):
        if req.path == f"/gongkai/channel_{FGW_CHANNEL}/list.json":
            prm = req.params
            try:
                n, size = max(1, int(prm.get("pageNo") or 1)), max(1, min(50, int(prm.get("pageSize") or 10)))
            except ValueError:
                n, size = 1, 10
            data = self.listing[(n - 1) * size: n * size]
            body = {"total": len(self.listing), "pageNo": n, "pageSize": size, "data": data}
            return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")
        return super().route(req)


def build_xlfgw(scenario) -> SiteBuild:
    b, site = SiteBuild(), FgwSite(scenario)
    gov, items = make_items("xlfgw", [("西陵省粮食和物资储备局", "department")], range(2019, 2026),
                            [("compilation_notice", 2024)])
    channel = f"/gongkai/channel_{FGW_CHANNEL}/"
    for it in items:
        doc = g.docs.sha256(f"{it.key}:doc".encode())[:24]
        it.path = f"/gongkai/site_xlfgw/channel_{FGW_CHANNEL}/doc_{doc}.html"
        it.url, it.extra["href"] = site.absolute(it.path), it.path
        attach(site, it, f"/gongkai/upload/{it.date[:4]}/", f"/gongkai/upload/{it.date[:4]}/")
        site.page(it.path, detail_html(it, WEB["xlfgw"][1]))
    site.listing = [{"title": it.title, "url": it.path, "publishTime": it.published} for it in items]
    shell = (f'<div class="crumb">当前位置：首页 &gt; 信息公开 &gt; 政府信息公开年报</div><ul id="doclist"></ul>'
             '<div id="pager"></div>\n<script>\n'
             f'var listUrl = "/gongkai/channel_{FGW_CHANNEL}/list.json";\n'
             'function load(p) {\n  $.getJSON(listUrl + "?pageNo=" + p + "&pageSize=10", function (res) {\n'
             '    var html = "";\n    $.each(res.data, function (i, d) { html += "<li><a href=\\"" + d.url + "\\">" + d.title + "</a></li>"; });\n'
             '    $("#doclist").html(html); renderPager(res.total, p, 10);\n  });\n}\nload(1);\n</script>')
    site.page(channel, chrome(f"政府信息公开年报-{WEB['xlfgw'][1]}", shell), aliases=[channel + "index.html"])
    site.page("/", home_page("xlfgw", "/gongkai/"), aliases=["/index.html"])
    site.page("/gongkai/", hub_page("xlfgw", [("政府信息公开年报", channel)]), aliases=["/gongkai/index.html"])
    pages = len(paged(items, 10))
    listed = {it.key: [site.absolute(channel + f"list.json?pageNo={i // 10 + 1}&pageSize=10")] for i, it in enumerate(items)}
    entries(b, "xlfgw", items, listed)
    column = site.absolute(channel)
    b.pagination.append({"site_id": "xlfgw", "column": column, "scheme": "json-pageNo",
                         "pages": [site.absolute(channel + f"list.json?pageNo={n}&pageSize=10") for n in range(1, pages + 1)]})
    b.registry.append(registry_row("xlfgw", [column], "sd-gongkai-objectid", len(b.reports)))
    b.web.append(web_entry("xlfgw", [column], "generic", True))
    b.host_status.append({"host": site.host, "expected": "ok"})
    b.sites.append(site)
    return b


# ------------------------------------------------------------------ xljyt: a department without a 年报 column


def build_xljyt(scenario) -> SiteBuild:
    b, site = SiteBuild(), LayoutSite("xljyt", scenario)
    gov = g.Agency("西陵省教育厅", "省教育厅", "department", "西陵省", "11510000MB0000000X", "jyt")
    negs = [g.build_negative("rule_of_law_report", gov, "西陵省", y, "xljyt") for y in (2023, 2024)]
    col = "/xxgk/fzzfjs/"
    for i, it in enumerate(negs):
        it.path = f"{col}art_{i + 1}.html"
        it.url, it.extra["href"] = site.absolute(it.path), it.path
        site.page(it.path, detail_html(it, "西陵省教育厅"))
    site.page(col, chrome("法治政府建设年度报告-西陵省教育厅", list_entries(negs)), aliases=[col + "index.html"])
    site.page("/", home_page("xljyt", "/xxgk/"), aliases=["/index.html"])
    site.page("/xxgk/", hub_page("xljyt", [("法治政府建设年度报告", col)]), aliases=["/xxgk/index.html"])
    for it in negs:
        b.negatives.append(negative_entry("xljyt", site.host, it, [site.absolute(col)]))
    b.web.append(web_entry("xljyt", [], None, False))
    b.host_status.append({"host": site.host, "expected": "ok", "note": "no 年报 column (discovery must not register it)"})
    b.sites.append(site)
    return b


def build_known(scenario) -> SiteBuild:
    """The web entries of sites of known families that the web links (their pages are built by their
    own modules and stay byte-identical to the other scenarios)."""
    b = SiteBuild()
    b.web.append(web_entry("jiangyuan", [url("jiangyuan", "/public/column/6596571?type=3&nav=5&sub=&hasContent=true")],
                           "province-platform", False))
    return b


BUILDERS = {"webknown": build_known, "xiling": build_xiling, "yunling": build_yunling, "shiyan": build_shiyan, "mingxi": build_mingxi,
            "xlfgw": build_xlfgw, "xljyt": build_xljyt}


def build(name: str, scenario) -> SiteBuild:
    return BUILDERS[name](scenario)
