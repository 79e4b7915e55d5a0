"""平潭 管委会 site (``www.ptgwh.fixture.gov.cn``, trs-wcm, the real 平潭 list and detail templates).

Two things a corpus must get right about agencies (issue 7):

- the same report on two sites under two spellings: the 平潭 area report of 2019, listed on
  ``www.pingtan`` as ``平潭综合实验区2019年度…``, is copied here as ``平潭综合实验区管委会2019年…`` (same body,
  other title and publisher); the manifest lists it as a report of the same agency and year with
  ``same_report_as`` the original URL — a build must make one report with two documents;
- a page the crawler must reject after reading it: a ``事业单位法人年度报告书公示`` listed in the report
  column (its title is ambiguous, its body has none of the report's markers): a negative
  (``no_body_markers``), never a report.
"""
from __future__ import annotations

import dataclasses
import re

from .. import generate as g
from ..world import SiteBuild, negative_entry, report_entry
from . import trs

HOST = "www.ptgwh.fixture.gov.cn"
COLUMN = "/zwgk/ndbg/"
COPY_YEAR = 2019
COPY_TITLE = "平潭综合实验区管委会2019年政府信息公开工作年度报告"
COPY_PATH = COLUMN + "202002/t20200210_30011.htm"
NEG_TITLE = "平潭综合实验区事业单位法人2023年度报告书公示"
NEG_PATH = COLUMN + "202403/t20240315_30187.htm"
NEG_BODY = [
    ("p", "根据《事业单位登记管理暂行条例》及其实施细则，现将本区事业单位法人2023年度报告书予以公示。"),
    ("p", "单位名称：平潭综合实验区综合服务中心；宗旨和业务范围：为实验区提供综合保障服务。"),
    ("p", "开办资金：50万元；资产损益情况：年初数120万元，年末数118万元。"),
    ("p", "对《条例》和实施细则有关变更登记规定的执行情况：无变更事项。"),
]


class MirrorSite(trs.PingtanSite):
    pass


def build(name: str, scenario) -> SiteBuild:
    b = SiteBuild()
    site = MirrorSite(HOST, name, scenario)
    # the original report's bytes as first published (day 1: a later revision on 平潭 is not copied here)
    src = trs.build_pingtan(dataclasses.replace(scenario, day=1))
    orig = next(r for r in src.reports if r["site_id"] == "pingtan" and r["year"] == COPY_YEAR
                and "管委会" not in r["title"] and r["agency"] == "平潭综合实验区")
    orig_path = orig["url"].split(trs.PT_HOST, 1)[1]
    html = src.sites[0].pages[orig_path].body.decode("utf-8")
    html = html.replace(orig["title"], COPY_TITLE).replace(orig_path, COPY_PATH)
    html = html.replace('content="平潭综合实验区党工委管委会"', 'content="平潭综合实验区管委会"')
    site.add(COPY_PATH, html.encode("utf-8"), "text/html")

    real_html = trs._dev("pingtan_xzspj_2023.html").decode("utf-8")
    agency = g.Agency("平潭综合实验区", "平潭综合实验区管委会", "city", trs.PT_REGION, "", "pt")
    neg = g.Item(kind="negative", agency=agency, year=2023, title=NEG_TITLE, published="2024-03-15 10:20",
                 mode="html", blocks=NEG_BODY, reason="institution_annual_report")
    neg.doc_id, neg.path = 30187, NEG_PATH
    neg.url = site.absolute(NEG_PATH)
    site.add(NEG_PATH, trs.pingtan_detail(real_html, neg, publisher="平潭综合实验区管委会").encode("utf-8"), "text/html")

    entries = [("./" + NEG_PATH[len(COLUMN):], NEG_TITLE, "2024-03-15"),
               ("./" + COPY_PATH[len(COLUMN):], COPY_TITLE, "2020-02-10")]
    list_html = trs.pingtan_dept_list(trs._dev("pingtan_zfxxgknb_list.html").decode("utf-8"), entries)
    site.add(COLUMN, list_html.encode("utf-8"), "text/html", aliases=[COLUMN + "index.htm"])
    list_url = site.absolute(COLUMN)

    copy = g.Item(kind="report", agency=agency, year=COPY_YEAR, title=COPY_TITLE, published=orig["published"],
                  template=orig["template"], mode=orig["body"], values=orig.get("values") or {})
    copy.url = site.absolute(COPY_PATH)
    b.reports.append(report_entry(name, HOST, copy, listed_in=[list_url], generated=True,
                                  extra={"same_report_as": orig["url"],
                                         "quirks": ["same_report_other_site_other_spelling"]}))
    b.negatives.append(negative_entry(name, HOST, neg, [list_url]))
    b.host_status.append({"host": HOST, "expected": "ok", "note": "UTF-8; a copy of a 平潭 report under another spelling"})
    b.registry.append({
        "id": name, "name": "平潭综合实验区管委会 政府信息公开", "agency": "平潭综合实验区管理委员会", "level": "city",
        "region": trs.PT_REGION, "family": "trs-wcm", "entry_urls": [list_url], "encoding": None, "enabled": True,
        "disabled_reason": None, "expected_min_reports": 1,
    })
    b.sites.append(site)
    assert re.search(re.escape(COPY_TITLE), html)
    return b
