"""Locate the six sections of a report by keyword.

Sections (docs/FORMATS.md): overview 一、总体情况 · proactive 二、主动公开政府信息情况 · requests 三、收到和处理政府信息
公开申请情况 · review_litigation 四、政府信息公开行政复议、行政诉讼情况 · problems 五、存在的主要问题及改进情况 ·
other 六、其他需要报告的事项.

A heading is a paragraph whose text, after an optional top-level numbering (一、 / 1、 / 1. / 第一部分 /
none — never a bracketed （一）, which numbers sub-items), starts with the section's keywords. Headings
are short; a long paragraph counts only when it is numbered and the keywords come first
("一、总体情况。2020年…"), its remainder then being body text. Variants handled: lost or changed numbering,
"1、" mixed with "三、", no number, 四 as "因政府信息公开工作被申请行政复议和提起行政诉讼情况" or with the typo
行政法复议, 五 as "…存在的主要问题及整改措施" etc.

Choice among several candidates for one section: each candidate is scored — the expected number
(+4), no number (+2), a wrong number (−2, −3 for arabic numbering, usually a sub-item), the full
canonical wording (+2) — and a candidate followed directly by another heading (a table of contents,
an introduction listing the sections line by line) gets −10. An introduction naming all six
sections in one paragraph is not a heading at all (too long, not numbered).

Numbered candidates in the full wording that are not chosen but lie after the first chosen heading
and have a body (e.g. an
agency that writes its own sections 一…六 and then numbers the statistical tables 一、二、三 again)
start a secondary part: their text is cut from the section they sit in and appended to their own
section. A dated signature at the end (agency line + "2021年1月26日") is left out of the last section.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .document import Document, Paragraph, Table
from .labels import norm, split_numbering
from .meta import signature

SECTION_CODES = ("overview", "proactive", "requests", "fees", "review_litigation", "problems", "other")
# 收费及减免 is a section of the pre-2019 reports only (一 概述 … 四 收费及减免 五 复议诉讼 六 问题 七 其他)
OPTIONAL_CODES = ("fees",)
# the number a section's heading usually carries (2019/2021 numbering; pre-2019 shifts 复议诉讼 and later by one)
EXPECTED_NUMBER = {"overview": 1, "proactive": 2, "requests": 3, "fees": 4, "review_litigation": 4, "problems": 5,
                   "other": 6}
SECTION_LABELS = {
    "overview": "一、总体情况",
    "proactive": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "fees": "政府信息公开的收费及减免情况（2019年以前的报告）",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}

# (strong pattern, weak pattern) anchored at the start of the normalised core text
_P = {
    "overview": (r"(政府信息公开(工作)?)?总体情况", r"(政府信息公开(工作)?)?(概述|基本情况|总体概况|概况|工作概况)"),
    "proactive": (r"主动公开政府信息(的)?情况", r"(主动公开政府信息|主动公开情况|主动公开)"),
    "requests": (r"收到和处理政府信息公开申请(的)?情况",
                 r"(收到和处理|收到、处理|受理和处理|依申请公开政府信息|依申请公开情况|政府信息公开申请(的)?(受理|办理|处理))"),
    "fees": (r"(政府信息公开(工作)?的?)?收费(及|和)减免(的)?情况", r"(政府信息公开(工作)?的?)?(收费|收取费用)(及|和)?减免"),
    "review_litigation": (r"(政府信息公开)?(工作)?(行政复议|行政法复议)、?(和|及)?行政诉讼(的)?情况",
                          r".{0,14}?(行政复议|行政法复议|复议).{0,8}?诉讼"),
    "problems": (r"(政府信息公开)?(工作)?存在的主要问题及改进情况",
                 r"(政府信息公开)?(工作)?(存在的?主要问题|主要问题|存在的?问题|存在不足)"),
    "other": (r"其他需要报告的事项", r"(其他需要报告|其他事项|需要说明的(其他)?事项|其他需要说明)"),
}
_RX = {k: (re.compile(a), re.compile(b)) for k, (a, b) in _P.items()}
_SHORT = 40  # a heading's core text is at most this long (without a trailing remainder)


@dataclass
class Candidate:
    code: str
    block: int  # index into doc.blocks
    score: int
    rest: str  # body text on the heading line itself
    strong: bool
    numbered: bool


def _raw_after(raw: str, norm_pos: int) -> str:
    """The raw text after the first `norm_pos` characters of its normalised key (see labels.norm)."""
    count = 0
    for i, ch in enumerate(raw):
        if count >= norm_pos:
            return raw[i:]
        count += len(norm(ch))
    return ""


def heading_of(text: str) -> Optional[tuple[str, bool, Optional[str], Optional[int], str]]:
    """(code, strong, numbering kind, number, remainder) if the paragraph is a section heading."""
    raw = (text or "").strip()
    if not raw:
        return None
    n = split_numbering(raw)
    if n.kind in ("paren_cn", "paren_ar"):
        return None
    core = n.core
    if not core:
        return None
    for code in SECTION_CODES:
        strong_rx, weak_rx = _RX[code]
        m = strong_rx.match(core)
        strong = bool(m)
        if not m:
            m = weak_rx.match(core)
        if not m:
            continue
        if code == "proactive" and not strong and n.kind is None and not core.startswith("主动公开政府信息"):
            continue  # "主动公开情况" without a number is a sub-heading in 一
        tail = core[m.end():]
        if n.kind is None and (core.endswith(":") or core.endswith("如下") or len(core) > 30):
            return None  # "主动公开政府信息情况如下：" introduces a list, it is not a heading
        tail_words = tail[:-1] if tail.endswith("。") else tail
        if len(core) <= _SHORT and len(tail_words) <= 14 and not re.search(r"[。；;,:\d]", tail_words):
            return code, strong, n.kind, n.number, ""  # the heading alone ("…情况", "…情况综述")
        if re.fullmatch(r"[.…·・\-—_]*\d{0,3}", tail_words):
            return code, strong, n.kind, n.number, ""  # a table-of-contents line ("一、总体情况……1")
        # long line: numbered, keywords first, then the body ("一、总体情况。2020年…", "一、总体情况 2020年…")
        if n.kind in ("cn", "ar", "part") and (strong or re.match(r"^(情况)?[。：:；;]", tail)):
            pos = len(norm(raw)) - len(core) + m.end()
            rest = _raw_after(raw, pos).strip()
            return code, strong, n.kind, n.number, re.sub(r"^(情况)?[。：:；;，,\s]+", "", rest).strip()
        return None
    return None


def _block_text(b) -> str:
    if isinstance(b, Paragraph):
        return b.text
    if isinstance(b, Table):
        return "\n".join("\t".join(c or "" for c in r) for r in b.rows)
    return ""


def candidates(doc: Document) -> list[Candidate]:
    out = []
    for i, b in enumerate(doc.blocks):
        if not isinstance(b, Paragraph):
            continue
        h = heading_of(b.text)
        if not h:
            continue
        code, strong, kind, num, rest = h
        expected = EXPECTED_NUMBER[code]
        score = 0
        if kind is None:
            score += 2
        elif num == expected:
            score += 4
        else:
            score -= 3 if kind == "ar" else 2
        if strong:
            score += 2
        out.append(Candidate(code, i, score, rest, strong, kind is not None))
    # a candidate followed directly by another candidate has no body: table of contents
    blocks_with_heading = {c.block for c in out}
    for c in out:
        if not c.rest and (c.block + 1 in blocks_with_heading or c.block + 1 >= len(doc.blocks)):
            c.score -= 10
    return out


def find_sections(doc: Document) -> dict[str, str]:
    """Section code -> body text, in canonical order; sections not found are absent."""
    cands = candidates(doc)
    chosen: dict[str, Candidate] = {}
    for c in cands:
        cur = chosen.get(c.code)
        if cur is None or c.score > cur.score:
            chosen[c.code] = c
    if not chosen:
        return {}
    first = min(c.block for c in chosen.values())
    starts: list[Candidate] = sorted(chosen.values(), key=lambda c: c.block)
    chosen_blocks = {c.block for c in starts}
    secondary = [c for c in cands if c.block not in chosen_blocks and c.block > first and c.strong and c.numbered]
    bounds = sorted(starts + secondary, key=lambda c: c.block)
    # a dated signature at the very end (agency line + date) belongs to no section
    sig_start = signature(doc)[2]
    doc_end = sig_start if sig_start is not None and sig_start > bounds[-1].block else len(doc.blocks)
    parts: dict[str, list[str]] = {}
    for k, c in enumerate(bounds):
        end = bounds[k + 1].block if k + 1 < len(bounds) else doc_end
        body = [c.rest] if c.rest else []
        body += [_block_text(b) for b in doc.blocks[c.block + 1:end]]
        text = "\n".join(t for t in body if t)
        if c in secondary and not text:
            continue
        parts.setdefault(c.code, []).append(text)
    return {code: "\n".join(parts[code]) for code in SECTION_CODES if code in parts}


def section_headings(doc: Document) -> dict[str, str]:
    """Section code -> the printed heading chosen for it (for diagnostics)."""
    cands = candidates(doc)
    chosen: dict[str, Candidate] = {}
    for c in cands:
        if c.code not in chosen or c.score > chosen[c.code].score:
            chosen[c.code] = c
    return {code: doc.blocks[chosen[code].block].text for code in SECTION_CODES if code in chosen}
