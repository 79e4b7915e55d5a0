"""TRS WCM (拓尔思) sites: 青屿市 (legacy GBK city portal) and 平潭 (real pages, UTF-8).

Imitates the TRS WCM family of PORTALS.md §2.1 and the site design of §8.2 A:
- column roots of pinyin abbreviations, list pages ``index.html``, ``index_1.html`` … with the 0-based
  ``createPageHTML(countPage, currentPage, "index", "html")`` script, and one column with the newer
  1-based ``createPageHTML('page_div', N, cur, 'fg', 'shtml', total)`` (``fg.shtml``, ``fg_2.shtml`` …);
- list items ``<li><a href="./YYYYMM/tYYYYMMDD_id.html" title="full title">truncated…</a><span>date</span></li>``,
  ``../`` links where a list aggregates several columns;
- details with the metas ArticleTitle / PubDate / ContentSource / catalogs / contentid, an xxgk table,
  ``.TRS_Editor`` bodies, attachments ``./P0….pdf`` written by ``document.write`` from ``file_appendix``,
  ``OLDSRC="/protect/…"`` anchors, 图片版 reports made of ``./W0….jpg`` images;
- GBK bytes declared ``charset=gb2312`` in the page, ``charset=GBK`` in the HTTP header of lists and no
  charset on details; agency names with 喆 and 堃 (outside GB2312) force gb18030; 404 pages are
  ISO-8859-1 English (§2.1 Encoding, §4);
- one detail answers 301 to its ``.shtml``; one report's URL t-date differs from its PubDate (§2.1:
  rongchang); one report listed in two columns; one revised report (更正) published later.

平潭 (``www.pingtan.fixture.gov.cn``) serves the real bundled listing page byte for byte at its column
path and the real 2023 report of 行政审批局 byte for byte at its real relative path (see
``documents/dev-reports/README.md``). The other nine listed area-wide reports get generated bodies inside
the real detail template; the JS/API second page of the column (``listModel``/trsapi) is not imitated.

平潭 also models the next day (``scenario.day == 2``, scenario ``demo-day2``): the 2021 area-wide report
is taken down (its list entry goes, its page and attachment answer 404), the 行政审批局 2025 report
appears at the top of the department column, and the 2019 report page is revised at the same URL under
the same list entry (a 更正 note at the top of its body). The changes are listed in ``build.changes``.
"""
from __future__ import annotations

import re
from importlib import resources

from .. import generate as g
from ..world import SiteBuild, negative_entry, report_entry
from .base import Request, Response, Site, apache_404

# ============================================================================ 青屿市 (GBK)

QY_HOST = "www.qingyu.fixture.gov.cn"
QY_NAME = "青屿市人民政府"
QY_REGION = "东岚省青屿市"
HUB = "/zwgk/zfxxgknb/"
LNNB = HUB + "lnnb/"
XZJD = HUB + "xzjd/"
YEARS_COLUMNS = range(2019, 2026)

SEEDS = [
    # file, agency as the real report names it, region, published, title as printed (lines joined)
    ("000_7d613c7766117e9e.txt", "下城区数据资源管理局", "浙江省杭州市下城区", "2021-01-20 10:12"),
    ("001_472b2b4150455121.txt", "六安市金安区数据资源管理局（政务服务管理局）", "安徽省六安市金安区", "2021-01-25 16:40"),
    ("002_30fde63b7d2b0111.txt", "淄博市大数据局", "山东省淄博市", "2021-01-26 15:30"),
    ("003_d67fec3efbc2aac7.txt", "道外区机关服务中心", "黑龙江省哈尔滨市道外区", "2021-01-30 09:20"),
    ("004_f46a9f797d970bff.txt", "秀洲区政务服务和数据资源管理办公室", "浙江省嘉兴市秀洲区", "2021-01-28 11:05"),
]


def gbk(text: str) -> bytes:
    return text.encode("gbk", "xmlcharrefreplace")


def _agency(name, short, level, slug, rng, region=QY_REGION):
    return g.Agency(name, short, level, region, g.credit_code(rng, "11"), slug)


def qingyu_agencies():
    rng = g.rng_for("qingyu", "agencies")
    gov = _agency(QY_NAME, "市政府", "city", "szf", rng)
    office = _agency("青屿市人民政府办公室", "市政府办公室", "department", "bgs", rng)
    depts = [
        _agency("青屿市发展和改革委员会", "市发展改革委", "department", "fgw", rng),
        _agency("青屿市教育局", "市教育局", "department", "jyj", rng),
        _agency("青屿市财政局", "市财政局", "department", "czj", rng),
        _agency("青屿市喆山新区管理委员会", "喆山新区管委会", "department", "zsxq", rng),
        _agency("青屿市卫生健康委员会", "市卫生健康委", "department", "wjw", rng),
        _agency("青屿市市场监督管理局", "市市场监管局", "department", "scjgj", rng),
    ]
    towns = [
        _agency("堃头镇人民政府", "堃头镇", "township", "ktz", rng),
        _agency("喆溪乡人民政府", "喆溪乡", "township", "zxx", rng),
        _agency("青屿市龙湾街道办事处", "龙湾街道", "township", "lwjd", rng),
    ]
    return gov, office, depts, towns


CREATE_PAGE_JS = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){
		return;
	}
	var nCurrIndex = _nCurrIndex || 0;
	if(nCurrIndex == 0)
		document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;");
	else{
		document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;");
		if(nCurrIndex == 1)
			document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">上一页</a>&nbsp;");
		else
			document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex-1) + "."+_sPageExt+"\\">上一页</a>&nbsp;");
	}
	if(nCurrIndex == (_nPageCount-1))
		document.write("<span>下一页</span>&nbsp;<span>尾页</span>");
	else{
		document.write("<a href=\\""+_sPageName+"_" + (nCurrIndex+1) + "."+_sPageExt+"\\">下一页</a>&nbsp;");
		document.write("<a href=\\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\\">尾页</a>");
	}
	document.write("&nbsp;共"+_nPageCount+"页");
}
</script>"""

PAGE_DIV_JS = """<script type="text/javascript" src="/js/page_div.js"></script>"""
PAGE_DIV_LIB = """function createPageHTML(divId, pageCount, curPage, pageName, pageExt, totalRecords) {
  // 1-based: page 1 is pageName.pageExt, page n>1 is pageName_n.pageExt
  var html = '';
  for (var i = 1; i <= pageCount; i++) {
    var href = i == 1 ? pageName + '.' + pageExt : pageName + '_' + i + '.' + pageExt;
    html += i == curPage ? '<span class="current">' + i + '</span>' : '<a href="' + href + '">' + i + '</a>';
  }
  html += '<span>共' + totalRecords + '条</span>';
  document.getElementById(divId).innerHTML = html;
}
"""


def page_head(title: str, column: str, extra_meta: str = "") -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<meta http-equiv="X-UA-Compatible" content="IE=EmulateIE7" />
<title>{g.esc(title)}</title>
<meta name="SiteName" content="{QY_NAME}">
<meta name="SiteDomain" content="www.qingyu.gov.cn">
<meta name="SiteIDCode" content="3502000001">
<meta name="ColumnName" content="{g.esc(column)}">
<meta name="ColumnType" content="政府信息公开年报">
{extra_meta}<link href="/images/style.css" rel="stylesheet" type="text/css" />
</head>
<body>
<div class="top"><div class="logo"><a href="/"><img src="/images/logo.gif" alt="{QY_NAME}" /></a></div>
<div class="nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="{HUB}">政府信息公开年报</a></div></div>
"""


PAGE_FOOT = """<div class="footer"><p>主办：青屿市人民政府办公室 &nbsp; 网站标识码：3502000001 &nbsp; 东ICP备05000001号</p></div>
</body>
</html>
"""


class QingyuSite(Site):
    server_header = "Apache"

    def not_found(self, req: Request) -> Response:
        return apache_404(req.path)


def _ymd(published: str) -> str:
    return published[:10].replace("-", "")


class QingyuBuilder:
    def __init__(self, scenario):
        self.scenario = scenario
        self.site = QingyuSite(QY_HOST, "qingyu", scenario)
        self.rng = g.rng_for("qingyu", "layout")
        self.next_id = 100100
        self.listed = {}  # item key -> [list page urls]
        self.items = []
        self.build = SiteBuild()

    # ---------------------------------------------------------------- content
    def make_items(self):
        gov, office, depts, towns = qingyu_agencies()
        rng = g.rng_for("qingyu", "years")
        cols = {}  # column dir -> items whose home is there

        def add(item, home):
            item.extra["home"] = home
            self.items.append(item)
            cols.setdefault(home, []).append(item)
            return item

        special = {}
        # the city government, every year
        for y in range(2008, 2026):
            home = LNNB if y <= 2018 else f"{HUB}{y}nb/szf/"
            kw = {}
            if y == 2021:
                kw["published"] = "2022-03-20 10:00"  # republished later: URL t-date 2022-06-15
            it = add(g.build_report(gov, y, "qingyu", **kw), home)
            if y == 2021:
                it.extra["tdate"] = "2022-06-15"
                special["tdate_differs"] = it
        # the city government office: also listed in the szf column of 2023 (listed in two columns)
        for y in (2019, 2021, 2022, 2023, 2024):
            it = add(g.build_report(office, y, "qingyu"), f"{HUB}{y}nb/szfbm/")
            if y == 2023:
                it.extra["also_in"] = [f"{HUB}{y}nb/szf/"]
                special["two_columns"] = it
        # departments: a few years each; two of them have pre-2019 reports in the legacy column
        for d in depts:
            years = sorted(rng.sample(list(YEARS_COLUMNS), rng.randint(2, 3)))
            if d.slug == "jyj" and 2022 not in years:
                years = sorted(years + [2022])
            if d.slug == "czj" and 2022 not in years:
                years = sorted(years + [2022])
            if d.slug == "fgw" and 2023 not in years:
                years = sorted(years + [2023])
            if d.slug == "wjw" and 2024 not in years:
                years = sorted(years + [2024])
            if d.slug == "scjgj" and 2021 not in years:
                years = sorted(years + [2021])
            for y in years:
                kw = {}
                if d.slug == "jyj" and y == 2022:
                    kw["mode"] = "image"
                if d.slug == "fgw" and y == 2023:
                    kw["mode"], kw["attach_kind"] = "html+att", "pdf"
                if d.slug == "wjw" and y == 2024:
                    kw["mode"], kw["attach_kind"] = "html+att", "docx"
                if d.slug == "scjgj" and y == 2021:
                    kw["mode"], kw["attach_kind"] = "att_only", None
                it = add(g.build_report(d, y, "qingyu", **kw), f"{HUB}{y}nb/szfbm/")
                if d.slug == "jyj" and y == 2022:
                    special["image"] = it
                if d.slug == "czj" and y == 2022:
                    it.extra["shtml_redirect"] = True
                    special["shtml"] = it
                if d.slug == "fgw" and y == 2023:
                    it.extra["oldsrc"] = True
                    special["oldsrc"] = it
                if d.slug == "wjw" and y == 2024:
                    it.extra["dotdot"] = True
                    special["dotdot"] = it
                if d.slug == "scjgj" and y == 2021:
                    special["revised"] = it
            if d.slug in ("fgw", "jyj"):
                for y in (2016, 2017, 2018):
                    add(g.build_report(d, y, "qingyu"), LNNB)
        # a revised version of one report, published later with new bytes (same agency and year)
        orig = special["revised"]
        rev = g.build_report(orig.agency, orig.year, "qingyu-rev", mode="att_only",
                             title=orig.title + "（更正版）", published=f"{orig.year + 1}-03-16 09:00")
        rev.attachments = [g.make_attachment(rev.title, orig.blocks, "pdf", stamp="（更正版）")]
        rev.values = orig.values
        rev.extra["revision_of"] = orig
        add(rev, orig.extra["home"])
        # the five real seed reports, in the 2020 department column
        for fname, agency_name, region, published in SEEDS:
            add(self.seed_item(fname, agency_name, region, published), f"{HUB}2020nb/szfbm/")
        # townships: the 1-based fg.shtml column
        for t in towns:
            years = sorted(rng.sample(list(range(2021, 2026)), rng.randint(3, 4)))
            for y in years:
                add(g.build_report(t, y, "qingyu"), XZJD)
        # negatives, in the same lists
        negs = [
            ("publication_notice", gov, 2024, f"{HUB}2024nb/szf/"),
            ("compilation_notice", gov, 2022, f"{HUB}2022nb/szf/"),
            ("rule_of_law_report", depts[0], 2023, f"{HUB}2023nb/szfbm/"),
            ("website_report", depts[1], 2021, f"{HUB}2021nb/szfbm/"),
            ("housing_fund_report", gov, 2023, f"{HUB}2024nb/szfbm/"),
            ("website_report", depts[4], 2025, f"{HUB}2025nb/szfbm/"),
            ("statistical_bulletin", gov, 2018, LNNB),
            ("housing_fund_report", gov, 2017, LNNB),
            ("enterprise_guide", depts[5], 2019, LNNB),
            ("publication_notice", towns[0], 2023, XZJD),
            ("website_report", towns[2], 2022, XZJD),
        ]
        for kind, ag, y, home in negs:
            pub = None
            if kind == "housing_fund_report" and home != LNNB:
                pub = "2024-03-28 15:00"
            add(g.build_negative(kind, ag, "青屿市", y, "qingyu", published=pub, with_pdf=(kind == "compilation_notice")),
                home)
        self.special = special
        self.cols = cols

    def seed_item(self, fname, agency_name, region, published) -> g.Item:
        data = resources.files("ogi.portal").joinpath("documents/seeds/" + fname).read_bytes()
        text = data.decode("utf-8")
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        title = lines[0]
        if not re.search(r"报告|年报$", title):  # title printed over two lines
            title = title + lines[1]
        title = re.sub(r"\s+", "", title)
        slug = "seed" + fname[:3]
        ag = g.Agency(agency_name, agency_name, "department", region, "", slug)
        item = g.Item(kind="report", agency=ag, year=2020, title=title, published=published, template="2019",
                      mode="att_only", blocks=[("title", title), ("p", "详见附件。")], values={},
                      key=f"qingyu:seed:{fname}")
        item.attachments.append(g.Attachment(f"{title}.txt", "txt", data, role="report"))
        item.extra["seed"] = fname
        return item

    # ---------------------------------------------------------------- paths
    def assign_paths(self):
        for it in sorted(self.items, key=lambda i: (i.published, i.key)):
            it.doc_id = self.next_id
            self.next_id += self.rng.randint(3, 97)
        for it in self.items:
            tdate = it.extra.get("tdate", it.date)
            ymd = tdate.replace("-", "")
            ext = ".shtml" if it.extra.get("shtml_redirect") else ".html"
            it.path = f"{it.extra['home']}{ymd[:6]}/t{ymd}_{it.doc_id}{ext}"
            it.url = self.site.absolute(it.path)
            folder = it.path.rsplit("/", 1)[0] + "/"
            prefix = "W0" if it.mode == "image" else "P0"
            for i, att in enumerate(it.attachments):
                digits = "".join(self.rng.choice("0123456789") for _ in range(12))
                name = f"{prefix}{ymd}{digits}.{att.ext}"
                att.path = folder + name
                att.url = self.site.absolute(att.path)
                att.href = f"./{name}"
                if it.extra.get("dotdot"):
                    att.href = f"../{ymd[:6]}/{name}"

    # ---------------------------------------------------------------- pages
    def detail_page(self, it: g.Item) -> bytes:
        rng = g.rng_for("qingyu-detail", it.key)
        ag = it.agency
        column = {LNNB: "历年年报", XZJD: "乡镇（街道）年报"}.get(it.extra["home"], "政府信息公开年报")
        index_no = f"{ag.code or '113502000000000000'}/{it.year or it.date[:4]}-{it.doc_id % 100000:05d}"
        metas = (f'<meta name="ArticleTitle" content="{g.esc(it.title)}">\n'
                 f'<meta name="PubDate" content="{it.published}">\n'
                 f'<meta name="ContentSource" content="{g.esc(ag.short)}">\n'
                 f'<meta name="Keywords" content="政府信息公开,年度报告">\n'
                 f'<meta name="Description" content="{g.esc(it.title)}">\n'
                 f'<meta name="catalogs" content="{1000 + len(it.extra["home"])}">\n'
                 f'<meta name="contentid" content="{it.doc_id}">\n'
                 f'<meta name="publishdate" content="{it.date}">\n'
                 f'<meta name="author" content="">\n<meta name="source" content="{g.esc(ag.short)}">\n')
        out = [page_head(f"{it.title}_{column}_{QY_NAME}", column, metas)]
        depth = it.path.count("/") - 1
        up = "../" * depth
        out.append(f'<div class="position">当前位置：<a href="{up}">首页</a> &gt; <a href="{up}zwgk/">政务公开</a> &gt; '
                   f'<a href="../../">政府信息公开年报</a> &gt; <a href="../">{g.esc(column)}</a></div>\n')
        out.append('<div class="xxgk_table"><table width="100%" border="0" cellspacing="1" cellpadding="0">\n'
                   f'<tr><td class="t1">索 引 号：</td><td>{index_no}</td><td class="t1">主题分类：</td><td>政务公开</td></tr>\n'
                   f'<tr><td class="t1">发布机构：</td><td>{g.esc(ag.name)}</td><td class="t1">成文日期：</td><td>{it.date}</td></tr>\n'
                   f'<tr><td class="t1">名　　称：</td><td colspan="3">{g.esc(it.title)}</td></tr>\n'
                   f'<tr><td class="t1">文　　号：</td><td></td><td class="t1">发布日期：</td><td>{it.date}</td></tr>\n'
                   '</table></div>\n')
        out.append('<div class="article">\n')
        out.append(f'<h1 class="title">{g.heading_html(it.title, it.heading_split)}</h1>\n')
        out.append(f'<div class="info">日期:{it.published} &nbsp;&nbsp; 来源:{g.esc(ag.short)} &nbsp;&nbsp; '
                   '【字体：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> '
                   '<a href="javascript:doZoom(12)">小</a>】</div>\n')
        style = g.weighted(rng, [("TRS_Editor", 7), ("ueditor", 2), ("union", 1)])
        if it.mode == "image":
            inner = "\n".join(
                f'<p style="text-align: center;"><img src="{a.href}" OLDSRC="/protect/W0{a.path.split("/W0")[1][:6]}/'
                f'{a.path.rsplit("/", 1)[1]}" title="{g.esc(a.filename)}" /></p>' for a in it.attachments)
        elif it.mode == "att_only":
            inner = '<p style="text-indent: 2em;">详见附件。</p>'
        else:
            inner = g.blocks_html(it.blocks)
        if it.extra.get("oldsrc"):
            for a in it.attachments:
                oldsrc = f"/protect/P0{a.path.split('/P0')[1][:6]}/{a.path.rsplit('/', 1)[1]}"
                inner += (f'\n<p><a href="{a.href}" appendix="true" needdownload="true" OLDSRC="{oldsrc}">'
                          f'附件：{g.esc(a.filename)}</a></p>')
        if style == "TRS_Editor":
            out.append(f'<div class="TRS_Editor">{inner}</div>\n')
        elif style == "ueditor":
            out.append(f'<div class="trs_editor_view TRS_UEDITOR trs_paper_default trs_web">{inner}</div>\n')
        else:
            out.append(f'<div class="TRS_Editor"><div class="Custom_UnionStyle">{inner}</div></div>\n')
        appendix = ""
        if it.mode in ("html+att", "att_only") and not it.extra.get("oldsrc"):
            links = []
            for i, a in enumerate(it.attachments):
                label = f"附件{i + 1}：" if len(it.attachments) > 1 else "附件："
                links.append(f'<a href="{a.href}">{label}{g.esc(a.filename)}</a>')
            appendix = "<br>".join(links)
        out.append('<div class="fj"><script type="text/javascript">\n'
                   f"var file_appendix='{appendix}';\n"
                   "if(file_appendix!=''){document.write('相关附件：'+file_appendix);}\n"
                   "</script></div>\n</div>\n")
        out.append(PAGE_FOOT)
        return gbk("".join(out))

    def list_items_html(self, items, list_dir: str) -> str:
        lis = []
        for it in items:
            href = relpath(list_dir, it.path)
            if it.extra.get("shtml_redirect"):
                href = href[: -len(".shtml")] + ".html"
            text = g.truncate(it.title, 24)
            lis.append(f'<li><a href="{href}" target="_blank" title="{g.esc(it.title)}">{g.esc(text)}</a>'
                       f'<span>{it.date}</span></li>')
        return '<ul class="list">\n' + "\n".join(lis) + "\n</ul>\n"

    def list_page(self, title: str, list_dir: str, items, pager: str) -> bytes:
        html = page_head(f"{title}_{QY_NAME}", title)
        html += (f'<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
                 f'<a href="{HUB}">政府信息公开年报</a> &gt; <span>{g.esc(title)}</span></div>\n')
        html += f'<div class="list_box"><div class="list_title">{g.esc(title)}</div>\n'
        html += self.list_items_html(items, list_dir)
        html += pager + "</div>\n" + PAGE_FOOT
        return gbk(html)

    def add_list(self, path, body, aliases=()):
        self.site.add(path, body, "text/html; charset=GBK", aliases=aliases)

    def make_pages(self):
        site = self.site
        b = self.build
        # details and attachments
        for it in self.items:
            site.add(it.path, self.detail_page(it), "text/html")
            if it.extra.get("shtml_redirect"):
                html_path = it.path[: -len(".shtml")] + ".html"
                site.add(html_path, b"", "text/html", status=301, headers=[("Location", it.url)])
            for a in it.attachments:
                ctype = "image/jpeg" if a.ext == "jpg" else "image/png" if a.ext == "png" else "application/octet-stream"
                site.attachment(a.path, a, ctype)

        def record(items, url):
            for it in items:
                self.listed.setdefault(it.key, []).append(url)

        # year sub-columns (single page each)
        for y in YEARS_COLUMNS:
            for sub, label in (("szf", f"{y}年度市政府年报"), ("szfbm", f"{y}年度部门年报")):
                d = f"{HUB}{y}nb/{sub}/"
                items = list(self.cols.get(d, []))
                items += [it for it in self.items if d in it.extra.get("also_in", [])]
                items = g.sort_items(items)
                pager = ('<div class="page"><script>\nvar currentPage = 0;//所在页从0开始\n'
                         'var prevPage = currentPage-1;\nvar nextPage = currentPage+1;\nvar countPage = 1//共多少页\n'
                         'createPageHTML(countPage, currentPage, "index", "html");\n</script></div>\n')
                self.add_list(d + "index.html", self.list_page(label, d, items, CREATE_PAGE_JS + pager), aliases=[d])
                record(items, site.absolute(d))
        # the legacy all-years column: 6 pages, 0-based, index_6.html is a 404
        d = LNNB
        agg = list(self.cols.get(LNNB, []))
        for y in YEARS_COLUMNS:
            for sub in ("szf", "szfbm"):
                agg += self.cols.get(f"{HUB}{y}nb/{sub}/", [])
        agg = g.sort_items(list({it.key: it for it in agg}.values()))
        per = -(-len(agg) // 6)
        pages = [agg[i * per:(i + 1) * per] for i in range(6)]
        assert all(pages), "legacy column must have exactly 6 pages"
        page_urls = []
        for n, items in enumerate(pages):
            name = "index.html" if n == 0 else f"index_{n}.html"
            pager = ('<div class="page"><script>\n'
                     f'var currentPage = {n};//所在页从0开始\nvar prevPage = currentPage-1;\n'
                     'var nextPage = currentPage+1;\nvar countPage = 6//共多少页\n'
                     'createPageHTML(countPage, currentPage, "index", "html");\n</script></div>\n')
            url = site.absolute(d + name)
            if n == 5 and self.scenario.trs_stub:
                site.add(d + name, stub_page(), "text/html; charset=GBK")
                b.broken.append({"url": url, "kind": "stub"})
            else:
                self.add_list(d + name, self.list_page("历年年报", d, items, CREATE_PAGE_JS + pager),
                              aliases=[d] if n == 0 else [])
            page_urls.append(url)
            record(items, url)
        end = ({"url": page_urls[5], "kind": "stub", "bytes": 350} if self.scenario.trs_stub
               else {"url": site.absolute(d + "index_6.html"), "status": 404})
        b.pagination.append({"site_id": "qingyu", "column": site.absolute(d), "scheme": "trs-createPageHTML-0",
                             "count_page": 6, "pages": page_urls[:5] if self.scenario.trs_stub else page_urls,
                             "end": end})
        # the townships column: 1-based 'page_div' pager, fg.shtml, fg_2.shtml …
        d = XZJD
        items = g.sort_items(self.cols[XZJD])
        per = 5
        pages = [items[i:i + per] for i in range(0, len(items), per)]
        urls = []
        for n, chunk in enumerate(pages, start=1):
            name = "fg.shtml" if n == 1 else f"fg_{n}.shtml"
            pager = (f'<div class="page" id="page_div"></div>\n{PAGE_DIV_JS}\n<script type="text/javascript">'
                     f"createPageHTML('page_div',{len(pages)},{n},'fg','shtml',{len(items)});</script>\n")
            self.add_list(d + name, self.list_page("乡镇（街道）年报", d, chunk, pager), aliases=[d] if n == 1 else [])
            urls.append(site.absolute(d + name))
            record(chunk, urls[-1])
        b.pagination.append({"site_id": "qingyu", "column": site.absolute(d + "fg.shtml"),
                             "scheme": "trs-page_div-1", "count_page": len(pages), "pages": urls,
                             "end": {"url": site.absolute(d + f"fg_{len(pages) + 1}.shtml"), "status": 404}})
        site.add("/js/page_div.js", gbk(PAGE_DIV_LIB), "application/javascript")
        # hub, home, robots
        hub = page_head(f"政府信息公开年报_{QY_NAME}", "政府信息公开年报")
        hub += '<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <span>政府信息公开年报</span></div>\n'
        hub += '<div class="nb_hub">\n'
        for y in sorted(YEARS_COLUMNS, reverse=True):
            hub += (f'<dl><dt>{y}年度</dt><dd><a href="./{y}nb/szf/">市政府年报</a></dd>'
                    f'<dd><a href="./{y}nb/szfbm/">部门年报</a></dd></dl>\n')
        hub += '<dl><dt>其他</dt><dd><a href="./xzjd/fg.shtml">乡镇（街道）年报</a></dd><dd><a href="./lnnb/">历年年报</a></dd></dl>\n'
        hub += "</div>\n" + PAGE_FOOT
        self.add_list(HUB + "index.html", gbk(hub), aliases=[HUB])
        home = page_head(QY_NAME, "首页") + ('<div class="main"><ul><li><a href="/zwgk/">政务公开</a></li>'
                                            '<li><a href="/zwgk/zfxxgknb/">政府信息公开年报</a></li></ul></div>\n' + PAGE_FOOT)
        self.add_list("/index.html", gbk(home), aliases=["/"])
        zwgk = page_head(f"政务公开_{QY_NAME}", "政务公开") + (
            '<div class="main"><ul><li><a href="./zfxxgknb/">政府信息公开年报</a></li></ul></div>\n' + PAGE_FOOT)
        self.add_list("/zwgk/index.html", gbk(zwgk), aliases=["/zwgk/"])
        site.add("/robots.txt", b"User-agent: *\nDisallow: /protect/\n", "text/plain", compress=False)

    # ---------------------------------------------------------------- manifest
    def make_manifest(self):
        b = self.build
        site = self.site
        revised = self.special["revised"]
        rev_item = next(it for it in self.items if it.extra.get("revision_of") is revised)
        for it in self.items:
            listed = self.listed.get(it.key, [])
            if it.kind == "negative":
                b.negatives.append(negative_entry("qingyu", QY_HOST, it, listed))
                continue
            if it is revised:
                continue  # folded into the revised version below
            extra = {}
            mirrors = []
            if it.extra.get("seed"):
                extra["seed"] = it.extra["seed"]
                extra["generated"] = False
            if it.extra.get("shtml_redirect"):
                extra["aliases"] = [it.url[: -len(".shtml")] + ".html"]
                extra["quirks"] = ["301_to_shtml"]
            if it.extra.get("tdate"):
                extra["quirks"] = ["url_tdate_differs_from_pubdate"]
            if it.extra.get("oldsrc"):
                extra["quirks"] = ["oldsrc_anchor"]
            if it.extra.get("dotdot"):
                extra["quirks"] = ["dotdot_attachment_link"]
            if it.extra.get("also_in"):
                extra["quirks"] = ["listed_in_two_columns"]
            if it.mode == "image":
                extra["quirks"] = ["image_only"]
            if it is rev_item:
                mirrors = [revised.url]
                listed = listed + self.listed.get(revised.key, [])
                extra["quirks"] = ["revised_version"]
                extra["versions"] = [
                    {"url": revised.url, "title": revised.title, "published": revised.published,
                     "attachments": list(revised.attachments)},
                    {"url": it.url, "title": it.title, "published": it.published,
                     "attachments": list(it.attachments)},
                ]
            generated = extra.pop("generated", True)
            b.reports.append(report_entry("qingyu", QY_HOST, it, listed_in=listed, mirrors=mirrors,
                                          generated=generated, extra=extra))
        # fault targets (used by scenarios that switch faults on)
        reports = [it for it in self.items if it.kind == "report" and not it.extra.get("seed")
                   and not it.extra.get("revision_of") and it is not revised and not it.extra.get("shtml_redirect")
                   and it.agency.level == "department" and it.extra.get("home", "").endswith("szfbm/")
                   and not it.extra.get("also_in") and it.mode != "image" and not it.extra.get("oldsrc")
                   and not it.extra.get("dotdot")]
        reports = sorted(reports, key=lambda i: i.key)
        gov2024 = next(it for it in self.items if it.kind == "report" and it.agency.slug == "szf" and it.year == 2024)
        b.fault_targets = {
            "slow": [site.absolute(f"{HUB}2023nb/szf/"), site.absolute(f"{HUB}2023nb/szf/index.html")],
            "flaky": [site.absolute(LNNB + "index_2.html"), gov2024.url],
            "truncated": [reports[0].url],
            "redirect_loop": [reports[1].url],
        }
        b.host_status.append({"host": QY_HOST, "expected": "ok", "note": "GBK pages; robots disallows /protect/"})
        # one entry point, as in the real registry: the spider discovers the year, department,
        # township and legacy columns from the hub
        entry = [site.absolute(HUB)]
        n_reports = sum(1 for r in b.reports)
        b.registry.append({
            "id": "qingyu", "name": f"{QY_NAME} 政府信息公开年报", "agency": QY_NAME, "level": "city",
            "region": QY_REGION, "family": "trs-wcm", "entry_urls": entry, "encoding": None, "enabled": True,
            "disabled_reason": None, "expected_min_reports": int(n_reports * 0.8),
        })


def stub_page() -> bytes:
    """A 350-byte deep page with no links (PORTALS.md §2.1: stubs of 300–400 bytes)."""
    head = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312" />'
            '<title>历年年报</title></head><body><div class="list_box"><ul class="list"></ul></div><!-- ')
    tail = " --></body></html>\n"
    body = gbk(head)
    pad = 350 - len(body) - len(tail)
    return body + b" " * pad + tail.encode("ascii")


def relpath(from_dir: str, to_path: str) -> str:
    """Relative link from a directory (ending in /) to a path, TRS style ('./x' or '../../x')."""
    a = [p for p in from_dir.split("/") if p]
    bparts = to_path.split("/")[1:]
    i = 0
    while i < len(a) and i < len(bparts) - 1 and a[i] == bparts[i]:
        i += 1
    ups = len(a) - i
    rest = "/".join(bparts[i:])
    return ("./" if ups == 0 else "../" * ups) + rest


def build_qingyu(scenario) -> SiteBuild:
    q = QingyuBuilder(scenario)
    q.make_items()
    q.assign_paths()
    q.make_pages()
    q.make_manifest()
    q.build.sites.append(q.site)
    return q.build


# ============================================================================ 平潭 (real pages, UTF-8)

PT_HOST = "www.pingtan.fixture.gov.cn"
PT_COLUMN = "/zwgk/zfxxgk/zfxxgknb/"
PT_DEPT_COLUMN = "/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqhzs/zfxxgknb/"
PT_REAL_PATH = PT_DEPT_COLUMN + "202401/t20240130_86659.htm"
PT_REGION = "福建省平潭综合实验区"


def _dev(name: str) -> bytes:
    return resources.files("ogi.portal").joinpath("documents/dev-reports/" + name).read_bytes()


class PingtanSite(Site):
    server_header = "nginx"


# the next day (scenario.day == 2): one take-down, one new report, one revision at the same URL
PT_TAKEN_DOWN = "./202202/t20220208_80613.htm"  # 平潭综合实验区2021年度…: list entry, page, attachment gone
PT_REVISED = "./202001/t20200120_80576.htm"  # 平潭综合实验区2019年度…: same URL and list entry, new bytes
PT_CORRECTION = "更正说明：2026年6月2日更正了本报告第一部分“总体情况”中的文字表述，其余内容不变。"
PT_NEW = ("平潭综合实验区行政审批局2025年政府信息公开工作年度报告", "2026-01-28 10:00", 106012)


def build_pingtan(scenario) -> SiteBuild:
    b = SiteBuild()
    site = PingtanSite(PT_HOST, "pingtan", scenario)
    day2 = scenario.day >= 2
    list_bytes = _dev("pingtan_zfxxgknb_list.html")
    real_bytes = _dev("pingtan_xzspj_2023.html")
    list_html = list_bytes.decode("utf-8")
    real_html = real_bytes.decode("utf-8")
    if day2:
        list_bytes = drop_list_entry(list_html, PT_TAKEN_DOWN).encode("utf-8")
    site.add(PT_COLUMN, list_bytes, "text/html", aliases=[PT_COLUMN + "index.htm", PT_COLUMN + "nlist.htm"])
    site.add(PT_REAL_PATH, real_bytes, "text/html")
    list_url = site.absolute(PT_COLUMN)

    # the ten listed area-wide reports: generated bodies in the real detail template
    items = re.findall(r'<a href="(\./\d{6}/t(\d{8})_(\d+)\.htm)" target="_blank" title="([^"]+)">[^<]*</a>\s*</dd>\s*'
                       r'<dd[^>]*>\s*(\d{4}-\d{2}-\d{2})\s*</dd>', list_html)
    assert len(items) == 10, len(items)
    agency = g.Agency("平潭综合实验区", "平潭综合实验区党工委管委会", "city", PT_REGION, "", "pt")
    for href, tdate, doc_id, title, date in items:
        year = int(re.search(r"(\d{4})年度", title).group(1))
        rng = g.rng_for("pingtan", doc_id)
        published = f"{date} {rng.randint(9, 17):02d}:{rng.choice([0, 10, 20, 30, 40, 50]):02d}"
        mode = "html" if year <= 2018 else g.weighted(rng, [("html", 5), ("html+att", 4), ("att_only", 1)])
        it = g.build_report(agency, year, "pingtan", title=title, published=published, mode=mode,
                            attach_kind="pdf" if mode != "html" else None)
        it.doc_id = int(doc_id)
        it.path = PT_COLUMN + href[2:]
        it.url = site.absolute(it.path)
        folder = it.path.rsplit("/", 1)[0] + "/"
        for a in it.attachments:
            digits = "".join(rng.choice("0123456789") for _ in range(12))
            name = f"P0{tdate}{digits}.{a.ext}"
            a.path, a.url, a.href = folder + name, site.absolute(folder + name), "./" + name
        quirks = ["real_listing_generated_body"]
        if day2 and href == PT_TAKEN_DOWN:  # taken down: nothing served, no longer expected
            b.changes.append(dict(report_entry("pingtan", PT_HOST, it, listed_in=[]), change="taken_down", day=2))
            continue
        for a in it.attachments:
            site.attachment(a.path, a)
        correction = PT_CORRECTION if day2 and href == PT_REVISED else None
        site.add(it.path, pingtan_detail(real_html, it, correction=correction).encode("utf-8"), "text/html")
        if correction:
            quirks.append("revised_same_url")
            b.changes.append({"change": "revised", "day": 2, "site_id": "pingtan", "url": it.url, "title": it.title,
                              "agency": it.agency.name, "year": it.year, "correction": correction})
        b.reports.append(report_entry("pingtan", PT_HOST, it, listed_in=[list_url], generated=True,
                                      extra={"quirks": quirks}))

    # the department column (generated in the real list template) that links the real report
    dept_entries = [("./202401/t20240130_86659.htm", "平潭综合实验区行政审批局2023年政府信息公开工作年度报告", "2024-01-30")]
    if day2:  # a new report at the top of the department column
        title, published, doc_id = PT_NEW
        hzs = g.Agency("平潭综合实验区行政审批局", "行政审批局", "department", PT_REGION, "", "hzs")
        new = g.build_report(hzs, 2025, "pingtan", title=title, published=published, mode="html+att",
                             attach_kind="pdf")
        tdate = new.date.replace("-", "")
        new.doc_id, new.path = doc_id, f"{PT_DEPT_COLUMN}{tdate[:6]}/t{tdate}_{doc_id}.htm"
        new.url = site.absolute(new.path)
        rng = g.rng_for("pingtan", str(doc_id))
        for a in new.attachments:
            name = f"P0{tdate}{''.join(rng.choice('0123456789') for _ in range(12))}.{a.ext}"
            a.path, a.href = new.path.rsplit("/", 1)[0] + "/" + name, "./" + name
            a.url = site.absolute(a.path)
            site.attachment(a.path, a)
        site.add(new.path, pingtan_detail(real_html, new, publisher=hzs.name, channel="1819").encode("utf-8"),
                 "text/html")
        entry = report_entry("pingtan", PT_HOST, new, listed_in=[site.absolute(PT_DEPT_COLUMN)], generated=True,
                             extra={"quirks": ["real_listing_generated_body", "new_on_day_2"]})
        b.reports.append(entry)
        b.changes.append(dict(entry, change="added", day=2))
        dept_entries.insert(0, ("./" + new.path[len(PT_DEPT_COLUMN):], title, new.date))
    dept_list = pingtan_dept_list(list_html, dept_entries)
    site.add(PT_DEPT_COLUMN, dept_list.encode("utf-8"), "text/html", aliases=[PT_DEPT_COLUMN + "index.htm"])
    real = g.Item(kind="report", agency=g.Agency("平潭综合实验区行政审批局", "", "department", PT_REGION, "", "hzs"),
                  year=2023, title="平潭综合实验区行政审批局2023年政府信息公开工作年度报告",
                  published="2024-01-30 15:01", template="2021", mode="html")
    real.url = site.absolute(PT_REAL_PATH)
    b.reports.append(report_entry("pingtan", PT_HOST, real, listed_in=[site.absolute(PT_DEPT_COLUMN)],
                                  generated=False,
                                  extra={"real_document": "documents/dev-reports/pingtan_xzspj_2023.html",
                                         "quirks": ["agency_only_in_title", "empty_ContentSource"]}))
    b.pagination.append({"site_id": "pingtan", "column": list_url, "scheme": "trs-listModel-static",
                         "count_page": 1, "pages": [list_url],
                         "end": {"url": site.absolute(PT_COLUMN + "index_1.htm"), "status": 404},
                         "note": "the real page says recordCount 20; only the 10 static items are served"})
    b.host_status.append({"host": PT_HOST, "expected": "ok", "note": "UTF-8; real pages byte for byte"})
    b.registry.append({
        "id": "pingtan", "name": "平潭综合实验区 政府信息公开年报", "agency": "平潭综合实验区党工委管委会",
        "level": "city", "region": PT_REGION, "family": "trs-wcm",
        "entry_urls": [list_url, site.absolute(PT_DEPT_COLUMN)], "encoding": None, "enabled": True,
        "disabled_reason": None, "expected_min_reports": 11,
    })
    b.sites.append(site)
    return b


def pingtan_detail(tpl: str, it: g.Item, *, publisher: str = "平潭综合实验区党工委管委会", channel: str = "1813",
                   correction: str | None = None) -> str:
    """The real detail page of 平潭 with the title, dates, ids, body and attachments of `it` (and a
    更正 note at the top of the body for a page revised at the same URL)."""
    real_title = "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"
    head_end = tpl.index("<div class=TRS_Editor>")
    head, rest = tpl[:head_end], tpl[head_end:]
    body_end = _div_end(rest)
    tail = rest[body_end:]
    head = head.replace(real_title, it.title).replace("2024-01-30 15:01", it.published)
    head = head.replace("平潭综合实验区行政审批局", publisher)  # a no-op for the 行政审批局's own reports
    head = head.replace(PT_REAL_PATH, it.path)
    head = head.replace('content="86659"', f'content="{it.doc_id}"').replace('content="1819"', f'content="{channel}"')
    if it.mode == "att_only":
        inner = '<p style="text-indent: 2em; text-align: left;">详见附件。</p>'
    else:
        inner = g.blocks_html(it.blocks, p_style='style="text-indent: 2em; text-align: left;"')
    if correction:
        inner = f'<p style="text-indent: 2em; text-align: left;"><strong>{g.esc(correction)}</strong></p>' + inner
    body = f"<div class=TRS_Editor>{inner}</div>"
    tail = tail.replace("var docid = '86659';", f"var docid = '{it.doc_id}';")
    if it.attachments:
        lis = "".join(f'\n                                  <li><a href="{a.href}" title="{g.esc(a.filename)}">'
                      f"{g.esc(a.filename)}</a></li>" for a in it.attachments)
        tail = tail.replace('<ul id="file_ul_fj">', '<ul id="file_ul_fj">' + lis, 1)
        apps = ",".join(f'{{"name":"{a.filename}","url":"{a.href}"}}' for a in it.attachments)
        tail = re.sub(r"var apps = \[\s*\];", f"var apps = [{apps}];", tail, count=1)
    return head + body + tail


def _div_end(s: str) -> int:
    depth = 0
    for m in re.finditer(r"<(/?)div\b", s):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return s.index(">", m.end()) + 1
    raise ValueError("unbalanced div")


def pingtan_dept_list(list_html: str, entries) -> str:
    """The department column in the real list template: `entries` are (href, title, date), newest first."""
    start = list_html.index('ms-visible="showStatic">') + len('ms-visible="showStatic">')
    end = list_html.index('<div class="rules_tabs_01 rules_tabs_no_bg" ms-visible="!showStatic"')
    end = list_html.rindex("</div>", start, end)
    items = "".join(f"""
                                        <dl>
                                            <dd class="trt-col-sm-24 slb-trt-col-24 text_align_left">
                                                <a href="{href}" target="_blank" title="{g.esc(title)}">{g.esc(title)}</a>
                                            </dd>
                                            <dd class="trt-col-4 trt-col-sm-24 slb-trt-col-24 text_align_left">
                                                {date}
                                            </dd>
                                        </dl>
                                    """ for href, title, date in entries)
    out = list_html[:start] + items + "\n                                " + list_html[end:]
    out = out.replace('content="1813"', 'content="1819"').replace("chnlid=1813", "chnlid=1819")
    out = out.replace("recordCount: '20'", f"recordCount: '{len(entries)}'")
    return out


def drop_list_entry(list_html: str, href: str) -> str:
    """The real listing without the ``<dl>`` entry linking `href` (a report taken down)."""
    link = list_html.index(f'<a href="{href}"')
    start = list_html.rindex("<dl>", 0, link)
    end = list_html.index("</dl>", link) + len("</dl>")
    end += len(list_html[end:]) - len(list_html[end:].lstrip())
    return list_html[:start] + list_html[end:]


def build(name: str, scenario) -> SiteBuild:
    if name == "qingyu":
        return build_qingyu(scenario)
    if name == "pingtan":
        return build_pingtan(scenario)
    raise ValueError(name)
