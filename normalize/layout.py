"""Template detection from markers (never from the report year).

Markers are the column and row labels that only one generation of the 国办 tables uses
(see docs/FORMATS.md):

- 2019 table 2: 本年新制作数量, 本年新公开数量, 对外公开总数量, 上一年项目数量, 本年增/减, 采购项目数量,
  采购总金额, 政府集中采购, 其他对外管理服务事项
- 2021 table 2: 本年制发件数, 本年废止件数, 现行有效件数, 本年处理决定数量, 本年收费金额
- 2021 table 3: （六）其他处理 with its sub-items (…逾期不补正…, …收费通知…)
- pre-2019 free form: 概述, 政府信息公开的收费及减免情况, …的情况 headings, and none of the above

The table-3 row set is reported separately (`t3_rows`), because mixtures exist: a 2021 table 2 with
the 2019 single （六）其他处理 row.
"""
from __future__ import annotations

from typing import Optional

from .document import Document
from .labels import norm

T2_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "采购项目数量",
           "采购总金额", "政府集中采购", "其他对外管理服务事项")
T2_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额")
T3_2021 = ("逾期不补正", "收费通知", "不再处理其政府信息公开申请")
T3_ANY = ("本年新收政府信息公开申请", "上年结转政府信息公开申请", "本年度办理结果", "予以公开", "结转下年度继续办理",
          "本机关不掌握相关政府信息", "信访举报投诉类申请")
PRE2019 = ("收费及减免", "概述", "主动公开政府信息的情况", "依申请公开政府信息的情况", "不予公开政府信息的情况",
           "因政府信息公开申请提起行政复议", "申请行政复议、提起行政诉讼的情况", "政府信息公开的收费")


def _table_text(doc: Document) -> str:
    return "".join(norm("".join(r)) for t in doc.tables for r in t.rows)


def _count(markers, text: str) -> list[str]:
    return [m for m in markers if norm(m) in text]


def detect(doc: Document) -> dict:
    """Return {template, t2, t3_rows, mixture, markers}.

    template: '2019' | '2021' | 'pre2019' | 'unknown' — table 2's generation decides; without a
    table 2, table 3's row set decides. t2 / t3_rows: the generation of each table or None.
    """
    ttext = _table_text(doc)
    alltext = ttext + norm(doc.text())
    m19 = _count(T2_2019, ttext)
    m21 = _count(T2_2021, ttext)
    t2: Optional[str] = None
    if m19 or m21:
        t2 = "2021" if len(m21) > len(m19) else "2019"
    m3_21 = _count(T3_2021, ttext)
    m3 = _count(T3_ANY, ttext)
    t3_rows: Optional[str] = None
    if m3_21:
        t3_rows = "2021"
    elif m3:
        t3_rows = "2019"  # table 3 present without the 2021 （六） sub-items
    if t2:
        template = t2
    elif t3_rows:
        template = t3_rows
    elif _count(PRE2019, alltext):
        template = "pre2019"
    else:
        template = "unknown"
    mixture = bool(t2 and t3_rows and t2 != t3_rows) or bool(m19 and m21)
    return {
        "template": template,
        "t2": t2,
        "t3_rows": t3_rows,
        "mixture": mixture,
        "markers": {"t2_2019": m19, "t2_2021": m21, "t3_2021": m3_21, "t3": m3},
    }
