"""Text-only transcripts a researcher may hold instead of the original: Markdown and plain text.

`looks_like_transcript(text)` says whether a text file is one (Markdown pipe tables, `#` headings,
`标题：` metadata lines, or rows whose numbers are glued together); other text files are the Word text
dumps of textdump.py. `read_transcript(text)` reads it into a Document:

- `#`…`######` headings become paragraphs without the marks; `**bold**` marks are dropped.
- Metadata lines (`标题：`, `发布机构：`/`来源：`, `发布日期：`/`发布时间：`, also `title:`) go to
  `Document.meta` (title, ContentSource, PubDate) and not into the text, so no `标题:` or `#` residue
  reaches titles or sections.
- Pipe tables (`| a | b |`, with or without outer pipes): the separator row (`|---|:--:|`) is dropped;
  a table whose rows have one width is a full grid (a merged cell's text repeated), else ragged;
  a table broken into several pieces stays several ragged tables, which the table parser reads as one
  stream of rows; a piece whose header row is only placeholders (列1, 列2 …, Column1, Unnamed: 0) loses
  that row; a header that does not match its values (a data row promoted to header by a converter) is
  kept as an ordinary row — rows are placed by their labels, never by position under a header.
- Glued rows: a line that is a label followed by a run of digits with no separator
  (`行政规范性文件125370`) is split by `split_glued`: the number of values comes from the section the
  line is in (table 3: 7 values, total last; table 4: 15 values in three groups of 5, total last in
  each; table 2: 3 values, or 1 for the single-value items), and a split is accepted only when the row
  identities hold (the totals are the sums) and it is the only one that does. Where one split fits,
  the row gets those values and a warning 'split_inferred' saying so; where several fit (or no identity
  can decide, as in table 2 unless every value has one digit) the values stay empty (NULL) and a
  warning 'glued_ambiguous' lists the candidates ('glued_unsplittable' when none holds). No digits are
  ever invented or dropped. Where several splits fit, the narrative decides when it can: a split is
  taken only when it is the one candidate whose numbers the report's prose states for that row
  (`narrative_support`: the row's total and, where all candidates share it, its 自然人 count — 结转下年度
  继续办理11件，其中自然人1件 — for table 3; 行政复议…2件 and 行政诉讼…1件 for table 4), and its
  warning 'split_inferred' names the sentence.
"""
from __future__ import annotations

import re
from typing import Optional

from ..document import DocIssue, Document, Paragraph, Table

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_META = re.compile(r"^\s*(?:[-*]\s*)?(?:\*\*)?(标题|题目|名称|title|发布机构|来源|信息来源|发文机关|source|发布日期|发布时间|成文日期|date)"
                   r"(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(.+?)\s*$", re.I)
_META_KEY = {"标题": "title", "题目": "title", "名称": "title", "title": "title", "发布机构": "ContentSource",
             "来源": "ContentSource", "信息来源": "ContentSource", "发文机关": "ContentSource", "source": "ContentSource",
             "发布日期": "PubDate", "发布时间": "PubDate", "成文日期": "PubDate", "date": "PubDate"}
_SEP_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PLACEHOLDER = re.compile(r"^(?:列\s*\d+|column\s*\d+|col\s*\d+|unnamed:?\s*\d*|field\s*\d+|\d+)?$", re.I)
_GLUED = re.compile(r"^\s*(?P<label>.*?[^\d\s.,，])\s*(?P<digits>\d+)\s*$")
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[部分章])")

MAX_SPLITS = 20000  # candidate splits examined per glued row


def looks_like_transcript(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()][:2000]
    if not lines:
        return False
    pipes = sum(1 for ln in lines if ln.strip().startswith("|") or ln.count("|") >= 2)
    seps = sum(1 for ln in lines if _SEP_ROW.match(ln) and "-" in ln)
    heads = sum(1 for ln in lines if _HEADING.match(ln))
    metas = sum(1 for ln in lines[:10] if _META.match(ln))
    tabs = sum(1 for ln in lines if "\t" in ln)
    if tabs >= 5 and tabs > pipes:
        return False  # a Word text dump (textdump.py)
    glued = sum(1 for ln in lines if _GLUED.match(ln) and re.search(r"\d{4,}$", ln) and re.search(r"[\u4e00-\u9fff]", ln))
    return bool(seps or heads >= 2 or metas or (pipes >= 3) or glued >= 3)


def _cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    parts = re.split(r"(?<!\\)\|", s)
    return [re.sub(r"\*\*|__", "", p.replace("\\|", "|")).strip() for p in parts]


def _is_placeholder_row(cells: list[str]) -> bool:
    return len(cells) >= 2 and all(_PLACEHOLDER.match(c.strip()) for c in cells) and any(c.strip() for c in cells)


def _section_of(text: str, current: Optional[str]) -> Optional[str]:
    t = re.sub(r"\s+", "", text)
    if "复议" in t and "诉讼" in t and _SECTION.match(t):
        return "t4"
    if ("收到和处理" in t or "依申请公开" in t) and _SECTION.match(t):
        return "t3"
    if "主动公开" in t and _SECTION.match(t):
        return "t2"
    if _SECTION.match(t):
        return None
    return current


# --------------------------------------------------------------------------- glued digits

def _splits(digits: str, n: int):
    """Every way to cut `digits` into n numbers without leading zeros (a lone 0 is fine)."""
    out = []

    def rec(i, parts):
        if len(out) > MAX_SPLITS:
            return
        left = n - len(parts)
        if left == 0:
            if i == len(digits):
                out.append(tuple(parts))
            return
        rest = len(digits) - i
        if rest < left:
            return
        max_len = rest - (left - 1)
        for k in range(1, max_len + 1):
            piece = digits[i:i + k]
            if len(piece) > 1 and piece[0] == "0":
                break
            rec(i + k, parts + [int(piece)])

    rec(0, [])
    return out


def _holds(section: str, values: tuple) -> bool:
    if section == "t3":
        return sum(values[:6]) == values[6]
    if section == "t4":
        return all(sum(values[g:g + 4]) == values[g + 4] for g in (0, 5, 10))
    return False


def split_glued(digits: str, section: Optional[str], label: str = "") -> tuple[Optional[tuple], list]:
    """(the one split the identities support, or None; the candidates that fit)."""
    if section == "t3":
        n = 7
    elif section == "t4":
        n = 15
    elif section == "t2":
        n = 1 if re.search(r"处理决定|收费金额|许可|处罚|强制|事业性收费", label) and not re.search(r"规章|规范性文件", label) else 3
    else:
        return None, []
    if n == 1:
        return (int(digits),), [(int(digits),)]
    cands = _splits(digits, n)
    if section == "t2":  # no identity: only a run of one-digit values is certain
        return (cands[0] if len(cands) == 1 else None), cands
    fits = [c for c in cands if _holds(section, c)]
    return (fits[0] if len(fits) == 1 else None), fits


# --------------------------------------------------------------------------- the narrative decides

_COUNT = re.compile(r"(\d+)\s*(?:件|条|宗|个)")
_NATURAL = re.compile(r"自然人[^，,。；;、]*?(\d+)\s*件")
# row label -> words a prose sentence stating that row's total uses (table 3, total column)
_T3_ROW_WORDS = (
    (re.compile(r"新收"), ("新收", "收到", "受理")),
    (re.compile(r"上年结转"), ("上年结转",)),
    (re.compile(r"结转下年|继续办理"), ("结转下年", "继续办理", "结转至下")),
    (re.compile(r"予以公开"), ("予以公开",)),
    (re.compile(r"部分公开"), ("部分公开",)),
    (re.compile(r"总计"), ("办结", "答复", "作出")),
)


def _sentences(paragraphs: list[str]) -> list[str]:
    return [s for p in paragraphs for s in re.split(r"[。；;！!？?]", p) if _COUNT.search(s)]


def narrative_support(section: str, label: str, fits: list[tuple], paragraphs: list[str]) -> tuple[Optional[tuple], Optional[str]]:
    """(the one fitting split whose total(s) the prose states, the sentence) or (None, None)."""
    sentences = _sentences(paragraphs)

    def stated(words: tuple, value: int, also=()) -> Optional[str]:
        for s in sentences:
            if any(w in s for w in words) and all(a in s for a in also) and value in {int(n) for n in _COUNT.findall(s)}:
                return s.strip()
        return None

    supported = []
    for f in fits:
        if section == "t3":
            # the identities leave splits with one total: the prose must state the row's total and its
            # natural-person count (自然人…N件), or a total only one candidate has
            words = next((w for rx, w in _T3_ROW_WORDS if rx.search(label)), None)
            why = stated(words, f[6]) if words else None
            if why and len({x[6] for x in fits}) == 1:
                m = _NATURAL.search(why)
                why = why if m and int(m.group(1)) == f[0] else None
        elif section == "t4":
            review = stated(("行政复议", "复议申请"), f[4])
            suits = stated(("行政诉讼",), f[9] + f[14])
            why = "；".join(x for x in (review, suits) if x) if review and suits else None
        else:
            why = None
        if why:
            supported.append((f, why))
    if len(supported) == 1:
        return supported[0]
    return None, None


def _decide_by_narrative(pending: list, paragraphs: list[str], issues: list) -> None:
    for row, section, label, digits, fits, issue in pending:
        best, why = narrative_support(section, label, fits, paragraphs)
        if best is None:
            continue
        row[1:] = [str(v) for v in best]
        issues[issues.index(issue)] = DocIssue(
            "split_inferred", f"{label}: glued digits {digits!r} read as {' | '.join(map(str, best))} (the only "
            f"split the row identities and the narrative support: {why})", "warning")


# --------------------------------------------------------------------------- reading

def read_transcript(text: str) -> Document:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    doc = Document(format="text")
    blocks: list = []
    table: Optional[list[list[str]]] = None
    section: Optional[str] = None
    issues: list[DocIssue] = []
    pending: list = []  # glued rows that several splits fit: the narrative may decide (after reading)

    def end_table():
        nonlocal table
        if table:
            rows = table
            if rows and _is_placeholder_row(rows[0]):
                rows = rows[1:]
            if rows:
                # a pipe table whose rows all have one width is a full grid (converters repeat a merged
                # cell's text in every column it covers, as our HTML/DOCX grids do); else ragged
                ragged = len({len(r) for r in rows}) > 1
                blocks.append(Table(rows=rows, ragged=ragged))
        table = None

    for raw in text.split("\n"):
        line = raw.rstrip()
        if not line.strip():
            continue
        if _SEP_ROW.match(line) and "-" in line:
            if table is not None and len(table) == 1 and _is_placeholder_row(table[0]):
                table = []  # placeholder header of a piece
            continue
        if line.lstrip().startswith("|") or (line.count("|") >= 2 and not _HEADING.match(line)):
            cells = _cells(line)
            if table is None:
                table = []
            if len(cells) == 2 and not cells[1] and _GLUED.match(cells[0]):
                cells = [cells[0]]
            if len(cells) == 1 and _GLUED.match(cells[0]) and section:
                cells = _glued_row(cells[0], section, issues, pending) or cells
            table.append(cells)
            continue
        m = _META.match(line)
        if m and not blocks and table is None:
            key = _META_KEY.get(m.group(1).lower(), _META_KEY.get(m.group(1)))
            if key and key not in doc.meta:
                doc.meta[key] = m.group(2).strip().strip("#").strip()
                continue
        h = _HEADING.match(line)
        body = h.group(2) if h else line.strip()
        body = re.sub(r"\*\*|__", "", body).strip()
        if not body:
            continue
        g = _GLUED.match(body)
        if g and section and not h and re.search(r"[\u4e00-\u9fff]", g.group("label")) and len(g.group("label")) <= 40:
            row = _glued_row(body, section, issues, pending)
            if row:
                if table is None:
                    table = []
                table.append(row)
                continue
        end_table()
        section = _section_of(body, section)
        blocks.append(Paragraph(body))
    end_table()
    _decide_by_narrative(pending, [b.text for b in blocks if isinstance(b, Paragraph)], issues)
    ti = 0
    for b in blocks:
        if isinstance(b, Table):
            b.index = ti
            b.row_pages = [None] * len(b.rows)
            ti += 1
    doc.blocks = blocks
    doc.issues.extend(issues)
    doc.meta["transcript"] = "markdown" if any(isinstance(b, Table) for b in blocks) else "text"
    return doc


def _glued_row(line: str, section: str, issues: list, pending: Optional[list] = None) -> Optional[list[str]]:
    g = _GLUED.match(line)
    if not g:
        return None
    label, digits = g.group("label").strip(), g.group("digits")
    best, fits = split_glued(digits, section, label)
    if best is None and not fits and section not in ("t2", "t3", "t4"):
        return None
    n = {"t3": 7, "t4": 15}.get(section) or (len(best) if best else (len(fits[0]) if fits else 3))
    if best is not None:
        if len(best) > 1:
            issues.append(DocIssue("split_inferred", f"{label}: glued digits {digits!r} read as "
                                   f"{' | '.join(map(str, best))} (the only split the row identities support)", "warning"))
        return [label] + [str(v) for v in best]
    shown = "; ".join(" | ".join(map(str, f)) for f in fits[:5]) + (" …" if len(fits) > 5 else "")
    if fits:
        issue = DocIssue("glued_ambiguous", f"{label}: glued digits {digits!r} fit {len(fits)} splits "
                         f"({shown}); the values are left empty", "warning")
        issues.append(issue)
        row = [label] + [""] * n
        if pending is not None and section in ("t3", "t4"):
            pending.append((row, section, label, digits, fits, issue))
        return row
    else:
        issues.append(DocIssue("glued_unsplittable", f"{label}: no split of the glued digits {digits!r} into {n} "
                               "values satisfies the row identities; the values are left empty", "warning"))
    return [label] + [""] * n
