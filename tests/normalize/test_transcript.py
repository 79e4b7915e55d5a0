"""Text-only transcripts (normalize/extract/transcript.py): Markdown pipe tables, pieces, placeholder
headers, `#` headings, metadata lines, and rows whose digits are glued together.

The Markdown is made from real bundled reports: each golden report (tests/render_formats.py) rendered
as HTML and extracted; its paragraphs become lines (section headings marked `#`), its tables pipe
tables, each table cut into two pieces, the second under a placeholder header (| 列1 | 列2 | … |), and
the title and date become `标题：` / `发布日期：` lines. Every cell must come back as in the gold.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT / "tests"))

import render_formats as rf  # noqa: E402
from golden_compare import diff_cells  # noqa: E402

from normalize.document import Table  # noqa: E402
from normalize.extract import extract_bytes  # noqa: E402
from normalize.extract.transcript import looks_like_transcript, read_transcript, split_glued  # noqa: E402
from normalize.parse import parse_document  # noqa: E402

CASES = {c.name: c for c in rf.load_cases()}


def to_markdown(case) -> str:
    doc = extract_bytes(rf.render_html(case))
    out = []
    title = doc.meta.get("ArticleTitle") or doc.meta.get("title")
    out.append(f"标题：{title}")
    if doc.meta.get("PubDate"):
        out.append(f"发布日期：{doc.meta['PubDate']}")
    out.append("")
    for b in doc.blocks:
        if isinstance(b, Table):
            rows = b.rows
            cut = max(1, len(rows) // 2)
            for i, piece in enumerate((rows[:cut], rows[cut:])):
                if not piece:
                    continue
                width = len(piece[0])
                head = piece[0] if i == 0 else [f"列{k + 1}" for k in range(width)]
                body = piece[1:] if i == 0 else piece
                out.append("| " + " | ".join(c.replace("\n", "") for c in head) + " |")
                out.append("|" + "---|" * width)
                out.extend("| " + " | ".join(c.replace("\n", "") for c in r) + " |" for r in body)
                out.append("")
        else:
            t = b.text
            if t == title:
                continue
            out.append(("# " if re.match(r"^[一二三四五六七八九十]+、", t) and len(t) < 40 else "") + t)
            out.append("")
    return "\n".join(out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_markdown_transcript_gives_the_golden_cells(name):
    case = CASES[name]
    md = to_markdown(case)
    assert looks_like_transcript(md)
    doc = extract_bytes(md.encode("utf-8"), "report.md")
    assert doc.format == "text" and doc.meta["transcript"] == "markdown"
    res = parse_document(doc)
    diffs = diff_cells(case.expected["cells"], res["cells"], ("value", "raw"))
    assert not diffs, "\n".join(diffs[:40])
    assert res["year"] == case.expected["year"] and res["agency"] == case.expected["agency"]
    assert not re.search(r"标题|^#", res["title"] or ""), res["title"]
    assert all("#" not in t and not t.startswith("标题") for t in res["sections"].values())


def test_glued_rows_split_by_the_row_identities():
    text = "\n".join([
        "标题：示例市示例局2023年政府信息公开工作年度报告",
        "# 三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量120000012",  # 12|0|0|0|0|0|12: the only split whose sum holds
        "二、上年结转政府信息公开申请数量1111116",  # 1|1|1|1|1|1|6
        "四、结转下年度继续办理110000011",  # 1|10|0|0|0|0|11 and 11|0|0|0|0|0|11 both hold
        "（七）总计10000011",  # no split holds
    ])
    doc = read_transcript(text)
    assert doc.meta["title"].startswith("示例市") and "标题" not in doc.text()
    [t] = doc.tables
    assert t.rows[0] == ["一、本年新收政府信息公开申请数量", "12", "0", "0", "0", "0", "0", "12"]
    assert t.rows[1] == ["二、上年结转政府信息公开申请数量", "1", "1", "1", "1", "1", "1", "6"]
    assert t.rows[2] == ["四、结转下年度继续办理"] + [""] * 7
    assert t.rows[3] == ["（七）总计"] + [""] * 7
    rules = [i.rule for i in doc.issues]
    assert rules == ["split_inferred", "split_inferred", "glued_ambiguous", "glued_unsplittable"]
    assert "1 | 10 | 0 | 0 | 0 | 0 | 11" in doc.issues[2].message


def test_ambiguous_glued_row_stays_null_with_an_issue():
    # 行政规范性文件125370: 12|5|370, 1|25|370, 125|3|70 … table 2 has no identity to choose
    best, fits = split_glued("125370", "t2", "行政规范性文件")
    assert best is None and (12, 5, 370) in fits and (1, 25, 370) in fits
    doc = read_transcript("# 二、主动公开政府信息情况\n行政规范性文件125370\n行政许可12\n")
    [t] = doc.tables
    assert t.rows[0] == ["行政规范性文件", "", "", ""] and t.rows[1] == ["行政许可", "12"]
    [issue] = [i for i in doc.issues if i.rule == "glued_ambiguous"]
    assert "12 | 5 | 370" in issue.message and "1 | 25 | 370" in issue.message


def test_word_text_dumps_are_not_taken_for_transcripts():
    for p in sorted((ROOT / "ogi" / "portal" / "documents" / "seeds").glob("*.txt")):
        assert not looks_like_transcript(p.read_text("utf-8")), p.name


def test_the_narrative_decides_between_splits_the_identities_allow():
    # 110000011 fits 1|10|0|0|0|0|11 and 11|0|0|0|0|0|11: the identities cannot choose, the prose can
    glued = "四、结转下年度继续办理110000011"
    _, fits = split_glued("110000011", "t3", glued)
    assert fits == [(1, 10, 0, 0, 0, 0, 11), (11, 0, 0, 0, 0, 0, 11)]
    head = "# 三、收到和处理政府信息公开申请情况\n"
    silent = read_transcript(head + glued + "\n")
    assert silent.tables[0].rows[0][1:] == [""] * 7
    assert [i.rule for i in silent.issues] == ["glued_ambiguous"]
    told = read_transcript("# 一、总体情况\n结转下年度继续办理的申请11件，其中自然人申请1件。\n" + head + glued + "\n")
    assert told.tables[0].rows[0][1:] == ["1", "10", "0", "0", "0", "0", "11"]
    [issue] = told.issues
    assert issue.rule == "split_inferred" and "其中自然人申请1件" in issue.message
    # the total alone, or a sentence about another row with the same numbers, does not decide
    for prose in ("结转下年度继续办理的申请11件。", "本年新收申请11件，其中自然人申请1件。"):
        other = read_transcript("# 一、总体情况\n" + prose + "\n" + head + glued + "\n")
        assert other.tables[0].rows[0][1:] == [""] * 7 and [i.rule for i in other.issues] == ["glued_ambiguous"]


def test_the_narrative_decides_table_4():
    # 15 glued values of table 4 with three splits the group identities allow; the prose states the
    # reviews (11) and lawsuits (3 + 20): only the printed split has both
    digits = "10001112001301010020"
    _, fits = split_glued(digits, "t4", "数量")
    assert len(fits) == 3
    head = "# 四、政府信息公开行政复议、行政诉讼情况\n数量" + digits + "\n"
    doc = read_transcript("# 一、总体情况\n本年度发生政府信息公开行政复议11件，行政诉讼23件。\n" + head)
    assert doc.tables[0].rows[0][1:] == ["10", "0", "0", "1", "11", "2", "0", "0", "1", "3", "0", "10", "10", "0", "20"]
    assert [i.rule for i in doc.issues] == ["split_inferred"]
    # the reviews alone leave two candidates (1|0|0|0|1 … has 1): still chosen only with the lawsuits
    doc = read_transcript("# 一、总体情况\n本年度发生政府信息公开行政复议1件。\n" + head)
    assert doc.tables[0].rows[0][1:] == [""] * 15 and [i.rule for i in doc.issues] == ["glued_ambiguous"]
