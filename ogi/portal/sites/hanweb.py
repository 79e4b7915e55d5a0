"""Hanweb JCMS (大汉) province portal: 东岚省 and two department subsites, UTF-8.

Imitates the Hanweb JCMS family of PORTALS.md §2.2 and the site design of §8.2 B:
- columns ``/col/col<colid>/index.html`` whose page embeds the first group of records as
  ``<div id="{unitid}"><script type="text/xml"><datastore><nextgroup>…<recordset><record><![CDATA[…]]>``
  (groupSize 3 × perPage 15 = 45 records) and a ``$('#unitid').jpage({… totalRecord: N, perPage: 15 …})`` call;
- ``/module/web/jpage/dataproxy.jsp`` (POST form or GET query; ``startrecord``/``endrecord``/``perpage`` or
  ``page``) answering ``<datastore><totalrecord>…<totalpage>…<nextgroup>…<recordset>…``; more than 300
  records are silently cut to 300; without ``columnid``/``unitid`` it answers the empty 54-byte datastore;
  on the "encrypted" column of the 教育厅 subsite (nhsa/nrta style blobs) every group past the second is
  the empty datastore too; ``/module/jpage/dataproxy.jsp`` (no ``web/``) is a 404;
- three record markups (``<li><a>…</a><span>``, ``<li class="clearfix"><a>…</a><b>``, table rows with 文号);
- a Shandong-style column filtered by ``?vc_xxgkarea=<统一社会信用代码>`` whose data proxy answers empty;
- details ``/art/{Y}/{M}/{D}/art_{colid}_{id}.html`` (no zero padding) with the metas, the Zhejiang
  信息公开元数据 table, ``<div id="zoom">`` and ``ContentStart``/``ContentEnd`` metas;
- attachments ``/module/download/downfile.jsp?classid=0&filename=<32hex>.<ext>`` → 302 to
  ``/attach/0/<32hex>.<ext>`` with a ``Content-Disposition`` (percent-encoded UTF-8; raw GBK bytes on one
  file, which is a guess: PORTALS.md marks it unv);
- ``/module/xxgk/xxgkAnnualReport.jsp?fbtime=Y&area=<code>`` (lishui.gov.cn, obs) listing a year;
- ``robots.txt`` answers 404; in the hostile scenario requests without ``Accept-Language`` get the
  Jiangsu-style CDN WAF page (``online-desc-con``, §5).

Guesses (inf/unv): the exact jpage option names beyond totalRecord/perPage/groupSize, the behaviour of
``page=`` on GET, the XML content type, the blob format of the encrypted ids.
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

from .. import docs
from .. import generate as g
from ..world import SiteBuild, negative_entry, report_entry
from .base import Request, Response, Site, nginx_404

REGION = "东岚省"
WWW = "www.donglan.fixture.gov.cn"
FGW = "fgw.donglan.fixture.gov.cn"
JYT = "jyt.donglan.fixture.gov.cn"
EMPTY54 = b"<datastore>\r\n<recordset>\r\n</recordset>\r\n</datastore>\r\n"
assert len(EMPTY54) == 54
PROXY = "/module/web/jpage/dataproxy.jsp"

DEPTS = [
    ("东岚省发展和改革委员会", "省发展改革委", "fgw"), ("东岚省教育厅", "省教育厅", "jyt"),
    ("东岚省科学技术厅", "省科技厅", "kjt"), ("东岚省公安厅", "省公安厅", "gat"), ("东岚省民政厅", "省民政厅", "mzt"),
    ("东岚省司法厅", "省司法厅", "sft"), ("东岚省财政厅", "省财政厅", "czt"),
    ("东岚省人力资源和社会保障厅", "省人力社保厅", "rlsbt"), ("东岚省自然资源厅", "省自然资源厅", "zrzyt"),
    ("东岚省生态环境厅", "省生态环境厅", "sthjt"), ("东岚省住房和城乡建设厅", "省建设厅", "zjt"),
    ("东岚省交通运输厅", "省交通运输厅", "jtt"),
]


class Column:
    def __init__(self, colid: int, unitid: int, name: str, markup: str, per_page: int = 15, group_size: int = 3,
                 encrypted: bool = False, proxy_empty: bool = False):
        self.colid, self.unitid, self.name, self.markup = colid, unitid, name, markup
        self.per_page, self.group_size = per_page, group_size
        self.encrypted, self.proxy_empty = encrypted, proxy_empty
        self.items: list = []
        self.col_blob = _blob(f"col{colid}") if encrypted else str(colid)
        self.unit_blob = _blob(f"unit{unitid}") if encrypted else str(unitid)

    @property
    def group(self) -> int:
        return self.per_page * self.group_size

    @property
    def path(self) -> str:
        return f"/col/col{self.colid}/index.html"


def _blob(s: str) -> str:
    import base64
    return base64.b64encode(hashlib.md5(s.encode()).digest()).decode().rstrip("=")


def record_html(it: g.Item, markup: str) -> str:
    href = it.path
    short = g.truncate(it.title, 30)
    if markup == "span":
        return (f"<li><a href='{href}' title='{it.title}' target='_blank'>{g.esc(short)}</a>"
                f"<span>{it.date}</span></li>")
    if markup == "b":
        return (f"<li class=\"clearfix\"><a href=\"{href}\" title=\"{g.esc(it.title)}\" target=\"_blank\">"
                f"{g.esc(short)}</a><b>{it.date}</b></li>")
    # table row with 文号 (Zhejiang xxgk style)
    wh = it.extra.get("wenhao", "")
    return (f"<tr><td class=\"bt\"><a href=\"{href}\" title=\"{g.esc(it.title)}\" target=\"_blank\">{g.esc(short)}"
            f"</a></td><td class=\"wh\">{wh}</td><td class=\"rq\">{it.date}</td></tr>")


class HanwebSite(Site):
    server_header = "Apache-Coyote/1.1"

    def __init__(self, host, site_id, scenario, name, webid):
        super().__init__(host, site_id, scenario)
        self.name = name
        self.webid = webid
        self.columns: dict = {}  # colid or blob -> Column
        self.files: dict = {}  # "<32hex>.<ext>" -> (Attachment, raw_gbk_disposition)
        self.annual: dict = {}  # area code -> [items]

    # ---------------------------------------------------------------- markup
    def nextgroup(self, col: Column) -> str:
        return (f'<a href="{PROXY}?page=1&appid=1&webid={self.webid}&path=/&columnid={col.col_blob}'
                f'&unitid={col.unit_blob}&webname={self.name}&permissiontype=0"></a>')

    def datastore(self, col: Column, items, totals: bool) -> str:
        recs = "\n".join(f"<record><![CDATA[{record_html(it, col.markup)}]]></record>" for it in items)
        head = ""
        if totals:
            total = len(col.items)
            head = f"<totalrecord>{total}</totalrecord><totalpage>{-(-total // col.per_page)}</totalpage>\n"
        return (f"<datastore>{head}<nextgroup><![CDATA[{self.nextgroup(col)}]]></nextgroup>\n"
                f"<recordset>\n{recs}\n</recordset></datastore>")

    def column_page(self, col: Column, items=None, heading_extra: str = "") -> bytes:
        items = col.items if items is None else items
        first = items[: col.group]
        wrap_open, wrap_close = ("<table class=\"xxgk_list\">", "</table>") if col.markup == "table" else ("<ul>", "</ul>")
        html = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{col.name} {self.name}</title>
<meta name="SiteName" content="{self.name}">
<meta name="SiteDomain" content="{self.host.replace('.fixture', '')}">
<meta name="SiteIDCode" content="{3300000000 + self.webid}">
<meta name="ColumnName" content="{col.name}">
<meta name="ColumnType" content="政府信息公开年报">
<link rel="stylesheet" href="/module/jslib/jquery/jpage/jpage.css">
</head>
<body>
<div class="bt-position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col{col.colid}/index.html">政府信息公开年报</a> &gt; <span>{col.name}</span></div>
{heading_extra}<div class="main-list">{wrap_open}
<div id="{col.unit_blob}"><script type="text/xml">{self.datastore(col, first, totals=False)}</script></div>
{wrap_close}</div>
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<script language="javascript" src="/module/jslib/jquery/jpage/jquery.jpage.js"></script>
<script>
$(document).ready(function(){{
    $('#{col.unit_blob}').jpage({{
        dataStore: null,
        containerID: '{col.unit_blob}',
        proxyUrl: '{PROXY}',
        perPage: {col.per_page},
        groupSize: {col.group_size},
        totalRecord: {len(items)},
        barPosition: 'bottom',
        ajaxParam: {{col: 1, appid: 1, webid: {self.webid}, path: '/', columnid: '{col.col_blob}', sourceContentType: 1, unitid: '{col.unit_blob}', webname: '{self.name}', permissiontype: 0}},
        showMode: 'full'
    }});
}});
</script>
<div class="footer">主办：{self.name}办公厅 &nbsp; 网站标识码：{3300000000 + self.webid}</div>
</body>
</html>
"""
        return html.encode("utf-8")

    def detail_page(self, it: g.Item, col: Column) -> bytes:
        ag = it.agency
        body = ('<p style="text-indent:2em">详见附件。</p>' if it.mode == "att_only" else g.blocks_html(it.blocks))
        links = "".join(f'<p>附件{i + 1 if len(it.attachments) > 1 else ""}：<a href="{a.href}" target="_blank">'
                        f"{g.esc(a.filename)}</a></p>" for i, a in enumerate(it.attachments))
        index_no = f"{ag.code}/{it.date[:4]}-{it.doc_id % 1000000:06d}"
        html = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{g.esc(it.title)}</title>
<meta name="SiteName" content="{self.name}">
<meta name="SiteDomain" content="{self.host.replace('.fixture', '')}">
<meta name="SiteIDCode" content="{3300000000 + self.webid}">
<meta name="ColumnName" content="{col.name}">
<meta name="ColumnType" content="政府信息公开年报">
<meta name="ArticleTitle" content="{g.esc(it.title)}">
<meta name="PubDate" content="{it.published}">
<meta name="ContentSource" content="{g.esc(ag.short)}">
<meta name="Keywords" content="">
<meta name="Author" content="">
<meta name="Description" content="">
<meta name="Url" content="{self.absolute(it.path).replace('.fixture', '')}">
</head>
<body>
<div class="bt-position">当前位置：<a href="/">首页</a> &gt; <a href="{col.path}">{col.name}</a></div>
<div class="xxgk-metadata">
<table class="xxgk_table" cellspacing="0" cellpadding="0">
<tr><th colspan="4">信息公开元数据</th></tr>
<tr><td class="name">索引号</td><td>{index_no}</td><td class="name">公开方式</td><td>主动公开</td></tr>
<tr><td class="name">发布机构</td><td>{g.esc(ag.name)}</td><td class="name">成文日期</td><td>{it.date}</td></tr>
<tr><td class="name">组配分类</td><td>政府信息公开年报</td><td class="name">公开范围</td><td>面向社会</td></tr>
</table>
</div>
<div class="article">
<div class="title">{g.heading_html(it.title, it.heading_split)}</div>
<div class="info">发布日期：{it.published} &nbsp; 来源：{g.esc(ag.short)} &nbsp; 浏览次数：<span id="art_hits"></span></div>
<div id="zoom">
<meta name="ContentStart">
{body}
{links}
<meta name="ContentEnd">
</div>
</div>
<div class="footer">主办：{self.name}办公厅</div>
</body>
</html>
"""
        return html.encode("utf-8")

    # ---------------------------------------------------------------- dynamic routes
    def route(self, req: Request):
        if self.scenario.waf_without_accept_language and not req.headers.get("accept-language"):
            return waf_page()
        p = req.path
        if p == PROXY:
            return self.dataproxy(req)
        if p == "/module/download/downfile.jsp":
            return self.downfile(req)
        if p == "/module/xxgk/xxgkAnnualReport.jsp":
            return self.annual_report(req)
        if p == "/robots.txt":
            return nginx_404()
        m = re.match(r"^/col/col(\d+)/index\.html$", p)
        if m and int(m.group(1)) in self.columns and self.columns[int(m.group(1))].proxy_empty:
            return self.area_column(req, self.columns[int(m.group(1))])
        return None

    def dataproxy(self, req: Request) -> Response:
        prm = req.params
        cid, uid = prm.get("columnid", ""), prm.get("unitid", "")
        xml = "text/xml;charset=UTF-8"
        col = self.columns.get(cid) or (self.columns.get(int(cid)) if cid.isdigit() else None)
        if not cid or not uid or col is None or uid != col.unit_blob or col.proxy_empty:
            return Response(200, EMPTY54, xml)
        if col.encrypted and cid.isdigit():
            return Response(200, EMPTY54, xml)
        try:
            perpage = min(int(prm.get("perpage") or col.per_page), 300)
            if prm.get("startrecord"):
                start = int(prm["startrecord"])
                end = int(prm.get("endrecord") or start + col.group - 1)
            else:
                page = max(1, int(prm.get("page") or 1))
                start = (page - 1) * col.group + 1
                end = start + col.group - 1
        except ValueError:
            return Response(200, EMPTY54, xml)
        perpage = max(perpage, 1)
        if col.encrypted and start > 2 * col.group:
            return Response(200, EMPTY54, xml)
        start = max(start, 1)
        count = max(0, min(end - start + 1, 300))
        items = col.items[start - 1: start - 1 + count]
        total = len(col.items)
        recs = "\n".join(f"<record><![CDATA[{record_html(it, col.markup)}]]></record>" for it in items)
        body = (f"<datastore><totalrecord>{total}</totalrecord><totalpage>{-(-total // perpage)}</totalpage>\n"
                f"<nextgroup><![CDATA[{self.nextgroup(col)}]]></nextgroup>\n<recordset>\n{recs}\n</recordset>"
                "</datastore>")
        return Response(200, body.encode("utf-8"), xml)

    def downfile(self, req: Request) -> Response:
        name = req.params.get("filename", "")
        if name not in self.files:
            return nginx_404()
        att, raw_gbk = self.files[name]
        return Response(302, b"", "text/html", [("Location", self.absolute(f"/attach/0/{name}")),
                                                ("Content-Disposition", disposition(att.filename, raw_gbk))])

    def annual_report(self, req: Request) -> Response:
        prm = req.params
        year, area = prm.get("fbtime", ""), prm.get("area", "")
        items = [it for it in self.annual.get(area, []) if year.isdigit() and it.year == int(year)]
        rows = "\n".join(f'<tr><td><a href="{it.path}" target="_blank" title="{g.esc(it.title)}">{g.esc(it.title)}</a>'
                         f"</td><td>{it.date}</td></tr>" for it in g.sort_items(items))
        html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年度报告</title></head><body>'
                f'<div class="nb-year">{g.esc(year)}年度</div><table class="xxgk_nb">\n{rows}\n</table></body></html>')
        return Response(200, html.encode("utf-8"), "text/html;charset=UTF-8")

    def area_column(self, req: Request, col: Column) -> Response:
        area = req.params.get("vc_xxgkarea", "")
        items = [it for it in col.items if it.agency.code == area]
        areas = sorted({it.agency.code: it.agency.name for it in col.items}.items())
        nav = "<div class=\"area-nav\">" + "".join(
            f'<a href="/col/col{col.colid}/index.html?vc_xxgkarea={code}&jh=264">{g.esc(name)}</a>'
            for code, name in areas) + "</div>\n"
        return Response(200, self.column_page(col, items, heading_extra=nav), "text/html;charset=UTF-8")


def disposition(filename: str, raw_gbk: bool) -> str:
    if raw_gbk:  # raw GBK bytes in the header (unv); http.server writes str headers as latin-1
        return 'attachment;filename="' + filename.encode("gbk", "replace").decode("latin-1") + '"'
    return "attachment;filename=" + quote(filename)


def waf_page() -> Response:
    html = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全提示</title></head><body>"
            "<div class=\"online-desc\"><div class=\"online-desc-con\"><h3>您的请求已被拦截</h3>"
            "<p>您的访问请求疑似存在安全风险，已被网站防护系统拦截。</p><p>请使用浏览器正常访问本网站。</p>"
            "</div></div></body></html>")
    return Response(200, html.encode("utf-8"), "text/html;charset=utf-8", compress=False)


# ============================================================================ building


class Builder:
    def __init__(self, scenario):
        self.scenario = scenario
        self.rng = g.rng_for("donglan", "layout")
        self.next_id = 4100000
        self.b = SiteBuild()
        self.www = HanwebSite(WWW, "donglan", scenario, "东岚省人民政府", 1)
        self.fgw = HanwebSite(FGW, "donglan-fgw", scenario, "东岚省发展和改革委员会", 21)
        self.jyt = HanwebSite(JYT, "donglan-jyt", scenario, "东岚省教育厅", 22)

    def agency(self, name, short, level, slug, region=REGION):
        return g.Agency(name, short, level, region, g.credit_code(g.rng_for("donglan-code", name), "11"), slug)

    def place(self, site: HanwebSite, col: Column, it: g.Item, seed: str, restamp: bool = False):
        """Give `it` a detail path under `col` on `site`, and attachments behind downfile.jsp."""
        y, m, d = (int(x) for x in it.date.split("-"))
        self.next_id += self.rng.randint(7, 400)
        it.doc_id = self.next_id
        it.path = f"/art/{y}/{m}/{d}/art_{col.colid}_{it.doc_id}.html"
        it.url = site.absolute(it.path)
        it.extra.setdefault("wenhao", "")
        for a in it.attachments:
            hexname = hashlib.md5(f"{seed}:{it.key}:{a.filename}".encode()).hexdigest()
            fname = f"{hexname}.{a.ext}"
            a.path = f"/attach/0/{fname}"
            a.url = site.absolute(a.path)
            a.href = f"/module/download/downfile.jsp?classid=0&filename={fname}"
            site.files[fname] = (a, False)
            site.attachment(a.path, a, headers=[("Content-Disposition", disposition(a.filename, False))])
        col.items.append(it)

    def copy_item(self, it: g.Item) -> g.Item:
        """The same report as published again elsewhere: same text, re-stamped attachment bytes."""
        c = g.Item(kind=it.kind, agency=it.agency, year=it.year, title=it.title, published=it.published,
                   template=it.template, mode=it.mode, blocks=it.blocks, values=it.values, reason=it.reason,
                   title_style=it.title_style, heading_split=it.heading_split, key=it.key + ":copy")
        for a in it.attachments:
            if a.ext == "pdf":
                na = g.Attachment(a.filename, "pdf",
                                  lambda t=it.title, bl=it.blocks: docs.make_pdf(t, bl, subject="政府信息公开"),
                                  a.signature_only, a.role, key=a.key + ":restamped" if a.key else "")
            else:
                na = g.Attachment(a.filename, a.ext, a.source, a.signature_only, a.role, key=a.key)
            c.attachments.append(na)
        return c

    def run(self):
        www, fgw, jyt = self.www, self.fgw, self.jyt
        gov = self.agency("东岚省人民政府", "省政府办公厅", "province", "szf")
        depts = [self.agency(n, s, "department", slug) for n, s, slug in DEPTS]
        rng = g.rng_for("donglan", "years")

        c101 = Column(1229000101, 4001, "省政府年报", "span")
        c102 = Column(1229000102, 4002, "部门年报", "b")
        c103 = Column(1229000103, 4003, "市县年报", "table", proxy_empty=True)
        c201 = Column(1229000201, 5001, "政府信息公开年报", "table")
        c301 = Column(1229000301, 6001, "政府信息公开年报", "span", per_page=4, group_size=2, encrypted=True)
        for site, cols in ((www, (c101, c102, c103)), (fgw, (c201,)), (jyt, (c301,))):
            for c in cols:
                site.columns[c.colid] = c
                if c.encrypted:
                    site.columns[c.col_blob] = c
                site.columns[str(c.colid)] = c

        # 省政府 2008–2025 and two negatives
        items101 = [g.build_report(gov, y, "donglan") for y in range(2012, 2026)]
        items101 += [g.build_negative("compilation_notice", gov, "东岚省", 2023, "donglan"),
                     g.build_negative("publication_notice", gov, "东岚省", 2024, "donglan")]
        for it in g.sort_items(items101):
            self.place(www, c101, it, "www")

        # departments 2019–2025 in 部门年报; 发改委 and 教育厅 also on their own sites
        dept_items = {}
        items102 = []
        for d in depts:
            for y in range(2019, 2026):
                it = g.build_report(d, y, "donglan")
                dept_items[(d.slug, y)] = it
                items102.append(it)
        negs = [("rule_of_law_report", 2, 2023), ("website_report", 3, 2022), ("housing_fund_report", 0, 2021),
                ("statistical_bulletin", 0, 2024), ("enterprise_guide", 5, 2023), ("website_report", 7, 2024),
                ("rule_of_law_report", 9, 2021), ("publication_notice", 0, 2022), ("website_report", 11, 2025),
                ("rule_of_law_report", 4, 2025)]
        for kind, i, y in negs:
            ag = gov if kind in ("housing_fund_report", "statistical_bulletin", "publication_notice") else depts[i]
            items102.append(g.build_negative(kind, ag, "东岚省", y, "donglan"))
        for it in g.sort_items(items102):
            self.place(www, c102, it, "www")
        assert len(c102.items) > 2 * c102.group, "部门年报 needs a third data-proxy group"

        # 市县年报 with vc_xxgkarea (Shandong style): two areas, 2022–2024
        areas = [self.agency("岚州市人民政府", "岚州市政府", "city", "lzs", "东岚省岚州市"),
                 self.agency("南浦县人民政府", "南浦县政府", "county", "npx", "东岚省岚州市南浦县")]
        items103 = [g.build_report(a, y, "donglan") for a in areas for y in (2022, 2023, 2024)]
        for it in g.sort_items(items103):
            self.place(www, c103, it, "www")

        # fgw subsite: own reports 2015–2025 (2019+ re-stamped copies of the 部门年报 ones) + a negative
        fgw_ag = depts[0]
        items201 = []
        for y in range(2015, 2026):
            it = self.copy_item(dept_items[("fgw", y)]) if y >= 2019 else g.build_report(fgw_ag, y, "donglan-fgw")
            it.extra["wenhao"] = f"东发改〔{y + 1}〕{rng.randint(1, 30)}号" if rng.random() < 0.5 else ""
            items201.append(it)
        items201.append(g.build_negative("rule_of_law_report", fgw_ag, "东岚省", 2023, "donglan-fgw"))
        for it in g.sort_items(items201):
            self.place(fgw, c201, it, "fgw")

        # jyt subsite: the encrypted column, 2008–2025 + 2 negatives; groups past the second are empty
        jyt_ag = depts[1]
        items301 = [self.copy_item(dept_items[("jyt", y)]) if y >= 2019 else g.build_report(jyt_ag, y, "donglan-jyt")
                    for y in range(2008, 2026)]
        items301 += [g.build_negative("website_report", jyt_ag, "东岚省", 2023, "donglan-jyt"),
                     g.build_negative("enterprise_guide", jyt_ag, "东岚省", 2021, "donglan-jyt")]
        for it in g.sort_items(items301):
            self.place(jyt, c301, it, "jyt")

        # one attachment with a raw GBK Content-Disposition (unv)
        for it in c102.items:
            if it.attachments:
                fname = it.attachments[0].path.rsplit("/", 1)[1]
                www.files[fname] = (it.attachments[0], True)
                break

        # pages
        for site in (www, fgw, jyt):
            cols = {id(c): c for c in site.columns.values()}.values()
            for col in cols:
                for it in col.items:
                    site.add(it.path, site.detail_page(it, col), "text/html;charset=UTF-8")
                if not col.proxy_empty:
                    site.add(col.path, site.column_page(col), "text/html;charset=UTF-8",
                             aliases=[col.path.replace("index.html", "")])
        www.annual[gov.code] = c101.items + c102.items
        for a in areas:
            www.annual[a.code] = [it for it in c103.items if it.agency.code == a.code]
        hub = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报 东岚省人民政府</title></head><body>'
               '<div class="nb-hub"><a href="/col/col1229000101/index.html">省政府年报</a>'
               '<a href="/col/col1229000102/index.html">部门年报</a>'
               '<a href="/col/col1229000103/index.html">市县年报</a>'
               f'<a href="/module/xxgk/xxgkAnnualReport.jsp?fbtime=2024&area={gov.code}">年度报告（2024）</a></div>'
               '</body></html>')
        www.add("/col/col1229000100/index.html", hub.encode("utf-8"), "text/html;charset=UTF-8")
        for site in (www, fgw, jyt):
            first = next(iter(c for c in site.columns.values() if isinstance(c, Column)))
            home = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{site.name}</title></head><body>'
                    f'<a href="/col/col{first.colid}/index.html">政府信息公开年报</a>'
                    f'<a href="{first.path}">{first.name}</a></body></html>')
            site.add("/index.html", home.encode("utf-8"), "text/html;charset=UTF-8", aliases=["/"])

        self.manifest(gov, depts, areas, c101, c102, c103, c201, c301, dept_items)

    # ---------------------------------------------------------------- manifest
    def manifest(self, gov, depts, areas, c101, c102, c103, c201, c301, dept_items):
        b, www, fgw, jyt = self.b, self.www, self.fgw, self.jyt
        colurl = {c101: www.absolute(c101.path), c102: www.absolute(c102.path), c201: fgw.absolute(c201.path),
                  c301: jyt.absolute(c301.path)}
        area_url = {a.code: www.absolute(f"{c103.path}?vc_xxgkarea={a.code}&jh=264") for a in areas}
        reachable301 = {it.key for it in c301.items[: 2 * c301.group]}

        def listed(col, it):
            if col is c103:
                return [area_url[it.agency.code]]
            if col is c301 and it.key not in reachable301:
                return []
            return [colurl[col]]

        copies = {}  # original key -> [(site, col, copy item)]
        for site, col in ((fgw, c201), (jyt, c301)):
            for it in col.items:
                if it.key.endswith(":copy"):
                    copies.setdefault(it.key[: -len(":copy")], []).append((site, col, it))
        for site, col in ((www, c101), (www, c102), (www, c103), (fgw, c201), (jyt, c301)):
            for it in col.items:
                if it.kind == "negative":
                    b.negatives.append(negative_entry(site.site_id, site.host, it, listed(col, it)))
                    continue
                if it.key.endswith(":copy"):
                    continue  # folded into the 部门年报 entry
                extra = {}
                mirrors, listed_in = [], listed(col, it)
                for (csite, ccol, c) in copies.get(it.key, []):
                    mirrors.append(c.url)
                    listed_in += listed(ccol, c)
                    extra.setdefault("copies", []).append(
                        {"url": c.url, "host": csite.host, "attachments": list(c.attachments),
                         "note": "same text; PDF re-stamped (different bytes)"})
                if col is c301 and not listed_in:
                    extra["unreachable_reason"] = "encrypted_column_group_past_second"
                b.reports.append(report_entry(site.site_id, site.host, it, listed_in=listed_in, mirrors=mirrors,
                                              extra=extra))
        for col, url in ((c101, colurl[c101]), (c102, colurl[c102]), (c201, colurl[c201]), (c301, colurl[c301])):
            n = len(col.items)
            groups = []
            start = col.group + 1
            while start <= n:
                end = start + col.group - 1
                groups.append({"startrecord": start, "endrecord": end, "perpage": col.per_page,
                               "empty": col.encrypted and start > 2 * col.group})
                start = end + 1
            b.pagination.append({"site_id": "donglan", "column": url, "scheme": "hanweb-jpage",
                                 "total_record": n, "per_page": col.per_page, "group_size": col.group_size,
                                 "inline_records": min(n, col.group), "proxy_groups": groups,
                                 "encrypted": col.encrypted})
        note = "needs Accept-Language (WAF page otherwise)" if self.scenario.waf_without_accept_language else ""
        for h in (WWW, FGW, JYT):
            b.host_status.append({"host": h, "expected": "ok", "note": note or "robots.txt 404"})
        # faults
        dep_report = next(it for it in c102.items if it.kind == "report" and it.agency.slug == "kjt")
        b.fault_targets = {
            "reset": [dep_report.url],
            "flaky": [www.absolute(PROXY)],
        }
        n101 = sum(1 for it in c101.items if it.kind == "report")
        n102 = sum(1 for it in c102.items if it.kind == "report") + sum(1 for it in c103.items)
        b.registry += [
            {"id": "donglan", "name": "东岚省人民政府 政府信息公开年报", "agency": "东岚省人民政府", "level": "province",
             "region": REGION, "family": "hanweb-jcms",
             "entry_urls": [colurl[c101], colurl[c102], www.absolute(c103.path) + f"?vc_xxgkarea={areas[0].code}&jh=264",
                            www.absolute(c103.path) + f"?vc_xxgkarea={areas[1].code}&jh=264"],
             "encoding": None, "enabled": True, "disabled_reason": None,
             "expected_min_reports": int((n101 + n102) * 0.8)},
            {"id": "donglan-fgw", "name": "东岚省发展和改革委员会 政府信息公开年报", "agency": "东岚省发展和改革委员会",
             "level": "department", "region": REGION, "family": "hanweb-jcms", "entry_urls": [colurl[c201]],
             "encoding": None, "enabled": True, "disabled_reason": None, "expected_min_reports": 8},
            {"id": "donglan-jyt", "name": "东岚省教育厅 政府信息公开年报", "agency": "东岚省教育厅",
             "level": "department", "region": REGION, "family": "hanweb-jcms", "entry_urls": [colurl[c301]],
             "encoding": None, "enabled": True, "disabled_reason": None, "expected_min_reports": 10},
        ]
        b.sites += [www, fgw, jyt]


def build(name: str, scenario) -> SiteBuild:
    bl = Builder(scenario)
    bl.run()
    return bl.b
