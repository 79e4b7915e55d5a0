"""Deciding from a title whether a listed item is a 政府信息公开工作年度报告, and which year it covers.

Rules from docs/PORTALS.md §6 (checked there against real titles):

- A title is a report when the positive phrase matches (``(政府|政务)?信息公开(工作)?…(报告|年报)``,
  with the year or 年度 anywhere inside it) and no *strong* negative does. Strong negatives are items
  that quote the full positive phrase but are something else: 年报公布情况, 关于做好…年度报告编制工作的通知,
  解读/图解, 评估结果, 网站工作年度报表, enterprise 年报 and 年度报告公示指南, 事业单位法人年度报告,
  university/school 信息公开年度报告.
- *Topic* negatives (法治政府建设年度报告, 住房公积金年度报告, 统计公报/年报, 预算/决算, 政府工作报告…) only
  reject titles that are not positive, because agencies are named after those topics
  (青屿市住房公积金管理中心2023年政府信息公开工作年度报告 is a report).
- The report year comes from the title (the first 4-digit year followed by 年/年度, or in
  ``（2023年度）``), or from the body's 统计期限; never from a folder, the URL t-date or the publication
  date.
- The agency is the name before the year or before ``(人民)?(政府|政务)?信息公开``; titles without an
  agency (2025年政府信息公开工作年度报告) give None and the caller falls back to the page.
"""
from __future__ import annotations

import re
from typing import Optional

POS = re.compile(r"(政府|政务)?信息公开(工作)?\s*(\d{4}\s*年度?)?\s*(年度)?\s*(工作)?(报告|年报)"
                 r"|(政府|政务)信息工作\s*(年度)?\s*(报告|年报)")  # 2020年区数据局政府信息工作年报 (a real title)
STRONG_NEG = re.compile(
    r"(公布情况|通知|关于(做好|开展|报送|编制|印发|公布|发布)|编制(和发布)?工作|格式|制度|要点|考核(结果|情况|办法)|"
    r"评估(结果|报告|情况)|第三方评估|解读|图解|一图|答记者问|网站(工作)?年度报表|网站工作年报|"
    r"企业年报|企业年度报告|年度报告公示|公示指南|事业单位法人年度报告|社会责任|大学|高校|学年|(?<!科)(?<!行政)学院|学校|指南)"
)
TOPIC_NEG = re.compile(
    r"(法治政府|依法行政|住房公积金|统计(公报|年报|年鉴)|预算|决算|政府工作报告|工作总结|工作计划|"
    r"政务公开工作(要点|方案)|审计(结果|工作报告)|国民经济和社会发展)"
)
NEG = re.compile(STRONG_NEG.pattern + "|" + TOPIC_NEG.pattern)  # kept for callers that want one regex
YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?")
YEAR_PAREN = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*年?度?\s*[)）]")
YEAR_BODY = re.compile(r"统计(?:数据)?(?:期限|时限|时间)\s*(?:为|是|自|从)?\s*[:：]?\s*((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
QUOTED_TITLE = re.compile(r"《([^《》]{4,80}?信息公开[^《》]{0,20}?(?:报告|年报))》")
# Body markers that confirm an ambiguous item (PORTALS.md §6.4); a real report has at least two.
BODY_MARKERS = (
    re.compile(r"统计期限|本报告所列数据"),
    re.compile(r"第二十条\s*第\s*[（(]\s*一\s*[)）]\s*项"),
    re.compile(r"收到和处理政府信息公开申请情况"),
    re.compile(r"勾稽关系"),
    re.compile(r"行政复议[、和]?\s*行政诉讼情况|行政复议和行政诉讼"),
    re.compile(r"主动公开政府信息情况"),
)
VERSION_SUFFIX = re.compile(r"[（(【\[]?\s*(图片版|超链版|文字版|PDF版|pdf版|全文|附件)\s*[)）】\]]?$")
_AGENCY_CUT = re.compile(r"(?:19|20)\d{2}\s*年|(?:人民)?(?:政府|政务)?信息公开|(?:人民)?(?:政府|政务)信息工作")
_NOT_AGENCY = {"年度", "关于", "政府", "人民政府", "政务", "本级", "全年", "年"}


def normalise_title(title: str) -> str:
    """Whitespace (titles split across lines or by <br>) and list ellipses removed."""
    t = re.sub(r"\s+", "", title or "")
    return t.replace("…", "").replace("...", "").replace("。。。", "")


def classify_title(title: str) -> tuple[bool, str]:
    """(is_report, reason). reason is 'positive', 'negative:<match>', 'no_match' or 'empty'."""
    t = normalise_title(title)
    if not t:
        return False, "empty"
    neg = STRONG_NEG.search(t)
    if neg:
        return False, f"negative:{neg.group(0)}"
    if POS.search(t):
        return True, "positive"
    neg = TOPIC_NEG.search(t)
    if neg and looks_truncated(title):
        return False, "truncated"  # "青屿市住房公积金管理中心2023年政府信息…" may still be a report
    if neg:
        return False, f"negative:{neg.group(0)}"
    return False, "no_match"


def looks_truncated(title: str) -> bool:
    return (title or "").rstrip().endswith(("…", "...", "。。。", ".."))


def year_from_title(title: str) -> Optional[int]:
    """The first 4-digit year followed by 年/年度 (or in （2023年度）); None when the title has none."""
    t = normalise_title(title)
    years = [(m.start(), int(m.group(1))) for m in YEAR.finditer(t)]
    years += [(m.start(), int(m.group(1))) for m in YEAR_PAREN.finditer(t)]
    if years:
        return min(years)[1]
    return None


def year_from_body(text: str) -> Optional[int]:
    """The year of the 统计期限 ("本报告所列数据统计期限自2023年1月1日起至2023年12月31日止")."""
    m = YEAR_BODY.search(re.sub(r"\s+", "", text or ""))
    return int(m.group(1)) if m else None


def agency_from_title(title: str) -> Optional[str]:
    """The agency named before the year or before (人民)?(政府|政务)?信息公开; None when the title names none."""
    t = normalise_title(title)
    t = re.sub(r"^[【\[《<]+|[】\]》>]+$", "", t)
    t = YEAR_PAREN.sub("", t)
    t = VERSION_SUFFIX.sub("", t)
    t = re.sub(r"^(?:19|20)\d{2}(?:年度?)?", "", t)  # leading year, also the doubled-year form "2025湖口县…2025年度"
    m = _AGENCY_CUT.search(t)
    if not m or m.start() == 0:
        return None
    name = t[:m.start()]
    rest = t[m.start():]
    if rest.startswith("人民政府信息公开") and not name.endswith("政府"):
        name += "人民政府"
    name = name.strip("：:，,、·- ")
    if len(name) < 2 or name in _NOT_AGENCY:
        return None
    return name


def agency_from_body(text: str) -> Optional[str]:
    """The agency of a report title quoted in the body ("现向社会公布《白银市平川区发展和改革局2025年度…》")."""
    for m in QUOTED_TITLE.finditer(text or ""):
        name = agency_from_title(m.group(1))
        if name and classify_title(m.group(1))[0]:
            return name
    return None


def body_marker_count(text: str) -> int:
    return sum(1 for rx in BODY_MARKERS if rx.search(text or ""))
