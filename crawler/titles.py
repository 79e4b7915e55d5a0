"""Deciding from a title whether a listed item is a 政府信息公开工作年度报告, and which year it covers.

Rules from docs/PORTALS.md §6 (checked there against real titles). The report year comes from the
title, never from a folder or URL date; when the title has no year, the body's 统计期限 decides later
(in normalize).
"""
from __future__ import annotations

import re
from typing import Optional

POS = re.compile(r"(政府|政务)?信息公开(工作)?\s*(\d{4}\s*年度?)?\s*(年度)?\s*(工作)?(报告|年报)")
NEG = re.compile(
    r"(公布情况|通知|关于(做好|开展|报送|编制|印发)|格式|制度|要点|考核|评估|解读|图解|一图|答记者问|"
    r"网站(工作)?年度报表|网站工作年报|法治政府|住房公积金|统计(公报|年报|年鉴)|"
    r"企业年报|年度报告公示|事业单位法人年度报告|预算|决算|社会责任|大学|高校|学院|学校|指南)"
)
YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?")
YEAR_LOOSE = re.compile(r"((?:19|20)\d{2})")
# Body markers that confirm an ambiguous item (PORTALS.md §6.4); a real report has at least two.
BODY_MARKERS = (
    re.compile(r"统计期限|本报告所列数据"),
    re.compile(r"第二十条\s*第\s*[（(]\s*一\s*[)）]\s*项"),
    re.compile(r"收到和处理政府信息公开申请情况"),
    re.compile(r"勾稽关系"),
    re.compile(r"行政复议[、和]?\s*行政诉讼情况|行政复议和行政诉讼"),
    re.compile(r"主动公开政府信息情况"),
)
PRE2019_MARKERS = (re.compile(r"政府信息公开的收费及减免情况"), re.compile(r"概述"))


def normalise_title(title: str) -> str:
    return re.sub(r"\s+", "", title or "").replace("…", "").replace("...", "")


def classify_title(title: str) -> tuple[bool, str]:
    """(is_report, reason). reason is 'positive', 'negative:<match>' or 'no_match'."""
    t = normalise_title(title)
    if not t:
        return False, "empty"
    neg = NEG.search(t)
    if neg:
        return False, f"negative:{neg.group(0)}"
    if POS.search(t):
        return True, "positive"
    return False, "no_match"


def looks_truncated(title: str) -> bool:
    return (title or "").rstrip().endswith(("…", "...", "。。。"))


def year_from_title(title: str) -> Optional[int]:
    t = normalise_title(title)
    m = YEAR.search(t)
    if m:
        return int(m.group(1))
    return None


def agency_from_title(title: str) -> Optional[str]:
    """The agency named before the year or before 政府信息公开…; None when the title names none."""
    t = normalise_title(title)
    t = re.sub(r"[（(]\s*(19|20)\d{2}\s*年度?\s*[)）]", "", t)
    t = re.sub(r"(图片版|超链版|（[^）]*版）)$", "", t)
    m = re.match(r"^(?:(?:19|20)\d{2}年度?)?(.+?)(?:(?:19|20)\d{2}年度?)", t)
    if m and m.group(1) and not POS.match(m.group(1)):
        name = m.group(1)
    else:
        m = re.match(r"^(?:(?:19|20)\d{2}年度?)?(.+?)(?:人民)?(?:政府|政务)?信息公开", t)
        if not m:
            return None
        name = m.group(1)
        if t[m.end(1):].startswith("人民政府信息公开") and not name.endswith("政府"):
            name += "人民政府"
    name = name.strip("：:，,、 ")
    if len(name) < 2 or name in ("年度", "关于"):
        return None
    return name


def body_marker_count(text: str) -> int:
    return sum(1 for rx in BODY_MARKERS if rx.search(text or ""))
