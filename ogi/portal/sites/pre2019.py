"""平潭 pre-2019 reports (``archive.pingtan.fixture.gov.cn``): three real report pages of 2009 and 2011.

Family: trs-wcm. The real pages (``documents/pre2019/``, byte for byte) are served at their real paths;
the two columns that list them are generated in the real 平潭 list template (the 2023 listing of
``documents/dev-reports/``), newest first:

- ``/zwgk/zfxxgk/zfxxgknb/``: 平潭综合实验区 2011 and 平潭县人民政府 2011 (whole-area summaries)
- ``/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqczj/zfxxgknb/``: 平潭县财政局 2009 (a county department)

Markups a parser meets (issue 12): Word-exported ``MsoNormal`` paragraphs with ``<o:p>`` and no editor
wrapper, inline-styled paragraphs without ``TRS_Editor``, home-made statistics tables with 计量单位 and
历年累计 / 年末统计 columns, and ~40k characters of portal chrome around the report.
"""
from __future__ import annotations

from importlib import resources

from .. import generate as g
from ..world import SiteBuild, report_entry
from .base import Site
from .trs import pingtan_dept_list

HOST = "archive.pingtan.fixture.gov.cn"
REGION = "福建省平潭综合实验区"
AREA_COLUMN = "/zwgk/zfxxgk/zfxxgknb/"
CZJ_COLUMN = "/zwgk/zfxxgk/dfbmptlj/ptzhsyqbm/ptzhsyqczj/zfxxgknb/"

# (file, column, path, title, published, agency, level, year)
REPORTS = [
    ("pingtan_pre2019_2011_area.html", AREA_COLUMN, AREA_COLUMN + "201204/t20120420_80678.htm",
     "平潭综合实验区2011年政府信息公开工作年度报告", "2012-04-11 09:30", "平潭综合实验区", "city", 2011),
    ("pingtan_pre2019_2011_county.html", AREA_COLUMN, AREA_COLUMN + "201204/t20120418_80716.htm",
     "平潭县人民政府2011年政府信息公开工作年度报告", "2012-04-18 10:00", "平潭县人民政府", "county", 2011),
    ("pingtan_pre2019_2009_czj.html", CZJ_COLUMN, CZJ_COLUMN + "201005/t20100512_80646.htm",
     "平潭县财政局2009年度政府信息公开年度报告", "2010-05-12 08:40", "平潭县财政局", "department", 2009),
]


def _doc(folder: str, name: str) -> bytes:
    return resources.files("ogi.portal").joinpath(f"documents/{folder}/{name}").read_bytes()


class PingtanArchiveSite(Site):
    server_header = "nginx"


def build(name: str, scenario) -> SiteBuild:
    if name != "pingtan_pre2019":
        raise ValueError(name)
    b = SiteBuild()
    site = PingtanArchiveSite(HOST, name, scenario)
    list_tpl = _doc("dev-reports", "pingtan_zfxxgknb_list.html").decode("utf-8")
    columns: dict[str, list] = {}
    for fname, column, path, title, published, agency, level, year in REPORTS:
        site.add(path, _doc("pre2019", fname), "text/html")
        columns.setdefault(column, []).append(("./" + path[len(column):], title, published[:10]))
        item = g.Item(kind="report", agency=g.Agency(agency, "", level, REGION, "", ""), year=year, title=title,
                      published=published, template="pre2019", mode="html")
        item.url = site.absolute(path)
        b.reports.append(report_entry(name, HOST, item, listed_in=[site.absolute(column)], generated=False,
                                      extra={"real_document": f"documents/pre2019/{fname}",
                                             "quirks": ["pre2019_real_markup"]}))
    for column, entries in columns.items():
        entries.sort(key=lambda e: e[2], reverse=True)
        site.add(column, pingtan_dept_list(list_tpl, entries).encode("utf-8"), "text/html",
                 aliases=[column + "index.htm"])
    b.host_status.append({"host": HOST, "expected": "ok", "note": "UTF-8; real pre-2019 pages byte for byte"})
    b.registry.append({
        "id": name, "name": "平潭 2019年以前的政府信息公开年报", "agency": "平潭综合实验区党工委管委会",
        "level": "city", "region": REGION, "family": "trs-wcm",
        "entry_urls": [site.absolute(c) for c in columns], "encoding": None, "enabled": True,
        "disabled_reason": None, "expected_min_reports": len(REPORTS),
    })
    b.sites.append(site)
    return b
