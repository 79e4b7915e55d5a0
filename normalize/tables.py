"""Map tables 2, 3 and 4 of a report to code-book cells.

Input: a `Document` (full grids from HTML/DOCX/PDF, or ragged rows from text dumps) and the layout
from `layout.detect`. Output: cells and issues. Nothing is ever repaired: a cell holds what was
printed (`raw`), its reading (`value`, None for blank / placeholder / unreadable) and where it was.

How rows are found
    All table rows of the document are read as one stream (tables break across pages and text dumps
    split table 2 into pieces). A row carrying a marker of table 2, 3 or 4 (a row or column label of
    that table, or its 第二十条 / 勾稽关系 / 行政复议 headings) switches the stream to that table; rows without
    markers (e.g. table 4's data row) stay in the current table. A paragraph that is a section
    heading (see `sections.heading_of`) also switches to its table, or ends the current one.

How a row is split
    The label cells come first, the values after: the label part ends at the last label-like cell
    before the first numeric cell; everything after it is value cells (empty cells included — an empty
    cell after the label is a printed blank).

How values are placed (N = number of columns)
    - grids (not ragged) with a recognisable header: by the header's grid columns;
    - otherwise by position. When a row has MORE than N value cells, empty cells at the ends are
      dropped first (padding of the dump: trailing first, then leading); if still more than N, every
      alignment of N consecutive cells is tried: a column whose value is the same under every
      alignment is placed (from the last N cells), a column where alignments disagree is NOT placed
      and reported. The row is flagged (`extra_cells`). When a row has FEWER than N value cells, the
      values are placed left to right and the missing columns are reported (`missing_cells`).
    - A cell that cannot be placed is never invented: it is left out of the cells and reported.

Row labels
    Matched on normalised text (NFKC, no whitespace, numbering split off, bracketed explanations
    optional) with a similarity score, numbering and the current group (（三）不予公开, …) as evidence;
    a row whose label cannot be read but sits between two matched rows with exactly one code-book row
    between them is placed by the known row order and flagged (`row_placed_by_order`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Optional

from . import codebook
from .document import Document, Paragraph, Table
from .sections import heading_of
from .labels import (clean_ws, dec_to_py, is_label_cell, label_score, norm, parse_value, split_numbering,
                     strip_parens)

T3_COLS_N = 7
T4_N = 15

# ---------------------------------------------------------------------------------------------
# Row stream and segmentation

T4_MARKERS = ("行政复议", "行政法复议", "行政诉讼", "复议后起诉", "未经复议", "结果维持", "尚未审结", "结果纠正")
T3_MARKERS = ("勾稽关系", "申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "本年新收",
              "上年结转", "本年度办理结果", "予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "结转下年度",
              "收到和处理", "国家秘密", "三安全一稳定", "第三方合法权益", "过程性信息", "行政执法案卷", "行政查询事项",
              "不掌握相关政府信息", "另行制作", "信访举报投诉", "重复申请", "公开出版物", "大量反复申请", "重新出具")
T2_MARKERS = ("第二十条", "信息内容", "本年新制作", "本年新公开", "对外公开总数量", "本年制发", "本年废止", "现行有效",
              "上一年项目", "采购项目", "采购总金额", "收费金额", "规章", "规范性文件", "行政许可", "行政处罚", "行政强制",
              "行政事业性收费", "政府集中采购", "主动公开政府信息", "其他对外管理服务", "处理决定数量")

T3_COLUMN_LABELS = {
    "natural_person": ("自然人",),
    "commercial": ("商业企业",),
    "research": ("科研机构",),
    "social_welfare": ("社会公益组织",),
    "legal_services": ("法律服务机构",),
    "other_org": ("其他",),
    "total": ("总计", "合计"),
}


@dataclass
class Row:
    cells: list[str]
    table_index: int
    grid_row: int
    page: Optional[int]
    ragged: bool
    joined_from: Optional[int] = None  # grid row of the label when a broken row was joined
    col_offset: int = 0  # cells prepended to `cells` (joined rows): grid column = index - col_offset


def row_marker(cells: list[str]) -> Optional[str]:
    """Which table a row clearly belongs to ('t2' | 't3' | 't4'), from its labels; None if unclear."""
    key = norm("".join(cells))
    if not key:
        return None
    if any(m in key for m in T4_MARKERS):
        return "t4"
    if any(m in key for m in T3_MARKERS):
        return "t3"
    if any(m in key for m in T2_MARKERS):
        return "t2"
    return None


SECTION_TABLE = {"proactive": "t2", "requests": "t3", "review_litigation": "t4"}


def heading_table(text: str) -> Optional[str]:
    """A paragraph that is a section heading: which table follows it ('t2'|'t3'|'t4'|'none'), else None."""
    h = heading_of(text)
    if not h:
        return None
    return SECTION_TABLE.get(h[0], "none")


def segment(doc: Document) -> dict[str, list[Row]]:
    """Assign every table row of the document to table 't2', 't3' or 't4' (or nothing)."""
    out: dict[str, list[Row]] = {"t2": [], "t3": [], "t4": []}
    state: Optional[str] = None
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            h = heading_table(b.text)
            if h:
                state = None if h == "none" else h
            continue
        if not isinstance(b, Table):
            continue
        for i, cells in enumerate(b.rows):
            cells = [c if c is not None else "" for c in cells]
            m = row_marker(cells)
            if m:
                state = m
            if state:
                out[state].append(Row(list(cells), b.index, i, b.page_of(i), bool(b.ragged)))
    return out


# ---------------------------------------------------------------------------------------------
# Splitting and aligning rows


def split_row(cells: list[str]) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(label cells, value cells) as (grid column, text) pairs; see module doc."""
    labels, values = _split_row(tuple(cells))
    return list(labels), list(values)


@lru_cache(maxsize=4096)
def _split_row(cells: tuple[str, ...]) -> tuple[tuple, tuple]:
    """split_row, memoized (a row is split several times while its table is read)."""
    first_num = None
    for i, c in enumerate(cells):
        if parse_value(c).kind in ("number", "placeholder"):
            first_num = i
            break
    limit = first_num if first_num is not None else len(cells)
    last_label = None
    for i in range(limit):
        if is_label_cell(cells[i]):
            last_label = i
    if last_label is None:
        return (), tuple((i, c) for i, c in enumerate(cells))
    labels = tuple((i, cells[i]) for i in range(last_label + 1) if clean_ws(cells[i]))
    values = tuple((i, cells[i]) for i in range(last_label + 1, len(cells)))
    return labels, values


@dataclass
class Alignment:
    placed: list[Optional[tuple[int, str]]]  # per column: (grid col, raw) or None (not placed)
    problem: Optional[str] = None  # 'extra_cells' | 'missing_cells' | None
    detail: str = ""


def align(values: list[tuple[int, str]], n: int) -> Alignment:
    """Place value cells into n columns (rules in the module doc)."""
    vals = list(values)
    if len(vals) == n:
        return Alignment(list(vals))
    if len(vals) > n:
        while len(vals) > n and not clean_ws(vals[-1][1]):
            vals.pop()
        while len(vals) > n and not clean_ws(vals[0][1]):
            vals.pop(0)
        if len(vals) == n:
            return Alignment(list(vals))
        extra = len(vals) - n
        windows = [vals[o:o + n] for o in range(extra + 1)]
        placed: list[Optional[tuple[int, str]]] = []
        unplaced = []
        for j in range(n):
            keys = {norm(w[j][1]) for w in windows}
            if len(keys) == 1:
                placed.append(windows[-1][j])
            else:
                placed.append(None)
                unplaced.append(j)
        raw = [clean_ws(v[1]) for v in vals]
        detail = (f"{len(vals)} value cells for {n} columns {raw}; "
                  + ("every alignment gives the same values, placed from the last cells" if not unplaced
                     else f"alignments disagree in columns {unplaced}: those are not placed"))
        return Alignment(placed, "extra_cells", detail)
    placed = list(vals) + [None] * (n - len(vals))
    raw = [clean_ws(v[1]) for v in vals]
    return Alignment(placed, "missing_cells",
                     f"{len(vals)} value cells for {n} columns {raw}: placed left to right, "
                     f"the last {n - len(vals)} columns are not placed")


# ---------------------------------------------------------------------------------------------
# Cell construction

MONEY_TO_WAN = {"万元": Decimal(1), "万": Decimal(1), "元": Decimal("0.0001"), "千元": Decimal("0.1"),
                "亿元": Decimal(10000)}


def money(raw: str, header_unit: Optional[str]) -> tuple[Optional[Decimal], Optional[str], Optional[str]]:
    """(value in 万元, remark, problem) of a printed money cell. `header_unit` from the column header."""
    v = parse_value(raw)
    if v.kind != "number":
        return None, None, ("unreadable_value" if v.kind == "text" else None)
    unit = v.unit if v.unit in MONEY_TO_WAN else None
    remark = v.remark
    if v.unit and v.unit not in MONEY_TO_WAN:
        return None, remark, "amount_unit_unknown"
    src = unit or header_unit
    if src is None:
        if v.value == 0:
            return Decimal(0), remark, None
        return None, remark, "amount_unit_unknown"
    wan = v.value * MONEY_TO_WAN[src]
    if src not in ("万元", "万"):
        note = f"printed in {src}, converted to 万元"
        remark = f"{remark}; {note}" if remark and not remark.replace("单位", "").strip("：: ") == src else note
    return wan, remark, None


def make_cell(table: str, row_code: str, col_code: str, template: str, pos: tuple[int, str], r: Row,
              issues: list, money_unit: Optional[str] = None, is_money: bool = False) -> dict:
    grid_col, raw_text = pos
    grid_col -= r.col_offset
    raw = clean_ws(raw_text)
    unit = codebook.unit(table, row_code, col_code, template)
    remark = None
    if is_money:
        val, remark, problem = money(raw, money_unit)
        value = dec_to_py(val)
        unit = "万元"
    else:
        pv = parse_value(raw)
        problem = "unreadable_value" if pv.kind == "text" else None
        value = dec_to_py(pv.value) if pv.kind == "number" else None
        remark = pv.remark
    if problem:
        issues.append({
            "level": "warning", "rule": problem, "table": table, "row": row_code, "col": col_code,
            "table_index": r.table_index, "grid_row": r.grid_row, "grid_col": grid_col,
            "message": f"{table}.{row_code}.{col_code}: cannot read a value from {raw!r}"
            + (" (money without a unit)" if problem == "amount_unit_unknown" else ""),
        })
    return {
        "table": table, "row": row_code, "col": col_code, "value": value, "raw": raw, "unit": unit,
        "page": r.page, "remark": remark, "table_index": r.table_index, "grid_row": r.grid_row,
        "grid_col": grid_col,
    }


def _row_issue(rule: str, table: str, r: Row, message: str, level: str = "warning", **extra) -> dict:
    d = {"level": level, "rule": rule, "table": table, "table_index": r.table_index, "grid_row": r.grid_row,
         "message": message}
    d.update(extra)
    return d


def _place(table: str, row_code: str, cols: list[str], template: str, al: Alignment, r: Row, issues: list,
           money_cols: dict[str, Optional[str]] | None = None) -> list[dict]:
    out = []
    money_cols = money_cols or {}
    if al.problem:
        issues.append(_row_issue(al.problem, table, r, f"{table}.{row_code}: {al.detail}", row=row_code))
    for j, col in enumerate(cols):
        pos = al.placed[j] if j < len(al.placed) else None
        if pos is None:
            issues.append(_row_issue("cell_not_placed", table, r,
                                     f"{table}.{row_code}.{col}: no printed cell can be placed here",
                                     row=row_code, col=col))
            continue
        out.append(make_cell(table, row_code, col, template, pos, r, issues,
                             money_unit=money_cols.get(col), is_money=col in money_cols))
    return out


# ---------------------------------------------------------------------------------------------
# Header helpers


def is_t3_header(cells: list[str]) -> bool:
    return _is_t3_header(tuple(cells))


@lru_cache(maxsize=4096)
def _is_t3_header(cells: tuple[str, ...]) -> bool:
    keys = [norm(c) for c in cells if clean_ws(c)]
    joined = "".join(keys)
    if "勾稽关系" in joined or "申请人情况" in joined:
        return True
    hits = sum(1 for k in keys for labels in T3_COLUMN_LABELS.values() if k in labels)
    return hits >= 2 or "法人或其他组织" in joined


def t3_header_columns(rows: list[Row]) -> Optional[dict[str, int]]:
    """Grid column of each t3 column code from the header rows (grids only)."""
    cols: dict[str, int] = {}
    for r in rows:
        if not is_t3_header(r.cells):
            continue
        for i, c in enumerate(r.cells):
            k = norm(c)
            for code, labels in T3_COLUMN_LABELS.items():
                if k in labels and code not in cols:
                    cols[code] = i
    if len(cols) == T3_COLS_N and len(set(cols.values())) == T3_COLS_N:
        return cols
    return None


# ---------------------------------------------------------------------------------------------
# Table 2


def _t2_header(cells: list[str], template: str) -> Optional[dict[str, tuple[int, Optional[str]]]]:
    """Column code -> (grid col, money unit from the label) for a table-2 header row, else None."""
    cols = codebook.columns("t2", template)
    found: dict[str, tuple[int, Optional[str]]] = {}
    prev = None
    for i, c in enumerate(cells):
        k = norm(c)
        if not k or k == prev:
            prev = k
            continue
        prev = k
        best, score = None, 0.0
        for e in cols:
            s = max(label_score(k, e.label_zh), label_score(strip_parens(k), strip_parens(norm(e.label_zh))))
            if s > score:
                best, score = e, s
        if best and score >= 0.8 and best.code not in found:
            unit = None
            for u in ("万元", "千元", "亿元", "元"):
                if u in k:
                    unit = u
                    break
            found[best.code] = (i, unit)
    if not found:
        return None
    first = norm(cells[0]) if cells else ""
    if "信息内容" in first or len(found) >= 1 and not any(parse_value(c).kind == "number" for c in cells):
        return found
    return None


def _match_t2_row(labels: list[tuple[int, str]], template: str) -> tuple[Optional[str], float]:
    best, score = None, 0.0
    for e in codebook.rows("t2", template):
        refs = [e.label_zh]
        if e.code == "normative_documents":
            refs = ["规范性文件", "行政规范性文件"]
        for _, text in labels:
            if "第二十条" in norm(text):
                continue
            for ref in refs:
                s = label_score(text, ref)
                if s > score:
                    best, score = e.code, s
    return best, score


def map_t2(rows: list[Row], template: str, issues: list) -> list[dict]:
    cells: list[dict] = []
    row_cols = codebook.t2_row_columns(template)
    header: Optional[dict[str, tuple[int, Optional[str]]]] = None
    money_unit = "万元" if template == "2021" else None  # 2021 prescribes 万元; 2019 prescribes nothing
    seen: set[str] = set()
    current_table = None
    for r in join_broken_rows(rows):
        if r.joined_from is not None:
            issues.append(_row_issue("row_joined", "t2", r, f"t2: label on grid row {r.joined_from} and values on "
                                     f"grid row {r.grid_row} read as one row", level="info"))
        if r.table_index != current_table:
            current_table, header = r.table_index, None  # a header holds for its own table block only
        labels, values = split_row(r.cells)
        if not labels:
            if any(parse_value(v).kind == "number" for _, v in values):
                issues.append(_row_issue("unknown_row", "t2", r, f"t2: values without a label, not used: "
                                         f"{[clean_ws(c) for c in r.cells]}"))
            continue
        has_numbers = any(parse_value(v).kind in ("number", "placeholder") for _, v in values)
        h = _t2_header(r.cells, template)
        if h and not has_numbers:
            header = h
            if "amount" in h and h["amount"][1]:
                money_unit = h["amount"][1]
            continue
        code, score = _match_t2_row(labels, template)
        if code is None or score < 0.75:
            if has_numbers:
                issues.append(_row_issue("unknown_row", "t2", r, "t2: row not in the code book, not used: "
                                         f"{[clean_ws(c) for c in r.cells]}", level="info"))
            continue
        if code in seen:
            issues.append(_row_issue("duplicate_row", "t2", r, f"t2.{code}: row printed twice; the first is kept",
                                     row=code))
            continue
        seen.add(code)
        if not values:
            issues.append(_row_issue("row_without_values", "t2", r, f"t2.{code}: label printed without values",
                                     row=code))
            continue
        cols = list(row_cols[code])
        money_cols = {c: money_unit for c in cols if c == "amount"}
        if not r.ragged and header and all(c in header for c in cols) \
                and all(header[c][0] < len(r.cells) for c in cols):
            al = Alignment([(header[c][0], r.cells[header[c][0]]) for c in cols])
        else:
            vals = values
            if not r.ragged and len(vals) > len(cols):
                vals = _collapse_spans(vals, len(cols))
            al = align(vals, len(cols))
        cells.extend(_place("t2", code, cols, template, al, r, issues, money_cols))
    if rows:
        for code in row_cols:
            if code not in seen:
                issues.append({"level": "warning", "rule": "missing_row", "table": "t2", "row": code,
                               "message": f"t2.{code} ({codebook.label('t2', 'row', code, template)}) not found"})
    return cells


def _collapse_spans(vals: list[tuple[int, str]], n: int) -> list[tuple[int, str]]:
    """Grid rows repeat a merged cell in every column it covers: collapse runs of equal cells if that gives n."""
    out: list[tuple[int, str]] = []
    for v in vals:
        if out and norm(out[-1][1]) == norm(v[1]):
            continue
        out.append(v)
    return out if len(out) == n else vals


# ---------------------------------------------------------------------------------------------
# Table 3

GROUP_WORDS = {3: "denied", 4: "unavailable", 5: "not_processed", 6: "other"}
GROUP_TEXT = {"denied": "不予公开", "unavailable": "无法提供", "not_processed": "不予处理", "other": "其他处理"}


def _expected_numbering(code_label: str):
    n = split_numbering(code_label)
    return n.kind, n.number


def _group_of_cell(text: str) -> Optional[str]:
    """Group named by a label cell: '三' for 三、本年度办理结果; 'denied' etc.; 'top' for 一/二/四 rows."""
    n = split_numbering(text)
    core = n.core
    if n.kind == "cn" and n.number == 3 and ("办理结果" in core or not core):
        return "三"
    if n.kind == "paren_cn" and n.number in GROUP_WORDS:
        g = GROUP_WORDS[n.number]
        word = GROUP_TEXT[g]
        if label_score(core, word) >= 0.6 or (core and word.startswith(core[:2])):
            return g
    for g, word in GROUP_TEXT.items():
        if core == word:
            return g
    if "本年度办理结果" in core:
        return "三"
    return None


@lru_cache(maxsize=8)
def _t3_candidates(template: str) -> tuple:
    groups = codebook.t3_groups()
    out = []
    for e in codebook.rows("t3", template):
        kind, num = _expected_numbering(e.label_zh)
        out.append((e.code, e.label_zh, groups.get(e.code), kind, num))
    return tuple(out)


def _score_t3(text: str, group: Optional[str], cand) -> float:
    code, label, cgroup, kind, num = cand
    n = split_numbering(text)
    s = label_score(text, label)
    if n.kind and kind:
        same_kind = (n.kind == kind) or (n.kind in ("ar", "paren_ar") and kind == "ar")
        if same_kind and n.number == num:
            s += 0.15
            if kind == "ar" and group is not None and cgroup == group:
                s += 0.25  # numbered item of the current group
        elif same_kind:
            s -= 0.1
    if kind == "ar" and group is not None and cgroup != group:
        s -= 0.3
    return s


def match_t3_row(label_cells: list[str], group: Optional[str], template: str) -> tuple[Optional[str], float, str]:
    """(code, score, how) for the most specific label cell of a table-3 row."""
    cands = _t3_candidates(template)
    text = label_cells[-1]
    best, score = None, -1.0
    for c in cands:
        s = _score_t3(text, group, c)
        if s > score:
            best, score = c, s
    if best is None:
        return None, 0.0, ""
    code, label, cgroup, kind, num = best
    raw_sim = label_score(text, label)
    if raw_sim >= 0.75:
        return code, score, "label"
    if score >= 0.75:
        return code, score, "label+numbering"
    return None, score, ""


def join_broken_rows(rows: list[Row]) -> list[Row]:
    """A label row without values directly followed by a value row without a label is one row
    (a row broken over two lines of a dump, or over a page break). The joined row is read by position;
    `col_offset` keeps the value cells' grid columns those of the row that printed them."""
    out: list[Row] = []
    i = 0
    while i < len(rows):
        r = rows[i]
        if i + 1 < len(rows):
            labels, values = split_row(r.cells)
            nl, nv = split_row(rows[i + 1].cells)
            if (labels and not any(clean_ws(v) for _, v in values) and not nl
                    and any(parse_value(v).kind == "number" for _, v in nv)
                    and not is_t3_header(r.cells) and not is_t3_header(rows[i + 1].cells)):
                nxt = rows[i + 1]
                head = [t for _, t in labels]
                out.append(Row(head + list(nxt.cells), nxt.table_index, nxt.grid_row, nxt.page, True,
                               joined_from=r.grid_row, col_offset=len(head)))
                i += 2
                continue
        out.append(r)
        i += 1
    return out


def map_t3(rows: list[Row], template: str, issues: list) -> list[dict]:
    cols = codebook.column_codes("t3", template)
    order = codebook.row_codes("t3", template)
    groups = codebook.t3_groups()
    # header columns per table block (a table continued on the next page may have another width)
    header_by_table: dict[int, Optional[dict[str, int]]] = {}
    for ti in {r.table_index for r in rows if not r.ragged}:
        header_by_table[ti] = t3_header_columns([r for r in rows if r.table_index == ti and not r.ragged])
    rows = join_broken_rows([r for r in rows if not is_t3_header(r.cells)])
    group: Optional[str] = None
    # (code or None, row, label cells, value cells, how)
    matched: list[list] = []
    for r in rows:
        if is_t3_header(r.cells):
            continue
        labels, values = split_row(r.cells)
        has_numbers = any(parse_value(v).kind in ("number", "placeholder") for _, v in values)
        specific = []
        for _, t in labels:
            g = _group_of_cell(t)
            if g == "other" and template == "2019":
                specific.append(t)  # （六）其他处理 is a data row in the 2019 row set
            elif g:
                group = g
            else:
                specific.append(t)
        if not specific:
            if has_numbers:
                matched.append([None, r, labels, values, "no_label"])
            continue
        code, score, how = match_t3_row(specific, group, template)
        if code:
            cg = groups.get(code)
            group = cg if cg in GROUP_TEXT else (None if cg is None else group)
        if code or has_numbers:
            matched.append([code, r, labels, values, how])
        if r.joined_from is not None:
            issues.append(_row_issue("row_joined", "t3", r, f"t3.{code}: label on grid row {r.joined_from} and "
                                     f"values on grid row {r.grid_row} read as one row", level="info", row=code))

    # rows whose label cannot be read: place by the known row order when it is unambiguous
    for i, m in enumerate(matched):
        if m[0] is not None:
            continue
        prev = next((matched[j][0] for j in range(i - 1, -1, -1) if matched[j][0]), None)
        nxt_i = next((j for j in range(i + 1, len(matched)) if matched[j][0]), None)
        nxt = matched[nxt_i][0] if nxt_i is not None else None
        pi = order.index(prev) if prev in order else -1
        ni = order.index(nxt) if nxt in order else len(order)
        unlabelled_between = (nxt_i if nxt_i is not None else len(matched)) - i
        r, labels = m[1], m[2]
        if ni - pi == 2 and unlabelled_between == 1 and (prev or nxt):
            guess = order[pi + 1]
            m[0], m[4] = guess, "order"
            issues.append(_row_issue("row_placed_by_order", "t3", r,
                                     f"t3: label {[t for _, t in labels]} not recognised; placed as {guess} "
                                     f"({codebook.label('t3', 'row', guess, template)}) between {prev} and {nxt}",
                                     row=guess))
        else:
            issues.append(_row_issue("unknown_row", "t3", r, "t3: row not recognised, its values are not used: "
                                     f"{[clean_ws(c) for c in r.cells]}"))

    cells: list[dict] = []
    seen: set[str] = set()
    for code, r, labels, values, how in matched:
        if code is None:
            continue
        if code in seen:
            issues.append(_row_issue("duplicate_row", "t3", r, f"t3.{code}: row printed twice; the first is kept",
                                     row=code))
            continue
        seen.add(code)
        if how == "label+numbering":
            issues.append(_row_issue("label_variant", "t3", r, f"t3.{code}: label {labels[-1][1]!r} matched "
                                     "by its numbering and group", level="info", row=code))
        if not values:
            issues.append(_row_issue("row_without_values", "t3", r, f"t3.{code}: label printed without values",
                                     row=code))
            continue
        header_cols = header_by_table.get(r.table_index)
        if header_cols and not r.ragged and max(header_cols.values()) < len(r.cells):
            al = Alignment([(header_cols[c], r.cells[header_cols[c]]) for c in cols])
        else:
            al = align(values, len(cols))
        cells.extend(_place("t3", code, cols, template, al, r, issues))
    if rows:
        for code in order:
            if code not in seen:
                issues.append({"level": "warning", "rule": "missing_row", "table": "t3", "row": code,
                               "message": f"t3.{code} ({codebook.label('t3', 'row', code, template)}) not found"})
    return cells


# ---------------------------------------------------------------------------------------------
# Table 4


def map_t4(rows: list[Row], template: str, issues: list) -> list[dict]:
    data: list[tuple[Row, list[tuple[int, str]]]] = []
    for r in rows:
        labels, values = split_row(r.cells)
        if any(row_marker([t]) for _, t in labels):
            continue  # header row
        if len(values) >= 5 or (values and any(parse_value(v).kind == "number" for _, v in values)):
            data.append((r, values))
    if not data:
        if rows:
            issues.append({"level": "warning", "rule": "missing_row", "table": "t4",
                           "message": "t4: no data row found"})
        return []
    groups = codebook.row_codes("t4", template)
    cols = codebook.column_codes("t4", template)
    keys = [(g, c) for g in groups for c in cols]
    exact = [d for d in data if len(d[1]) == T4_N]
    if exact:
        parts = [exact[0]]
    else:
        parts = data
        if len(data) > 1:
            issues.append(_row_issue("t4_rows_joined", "t4", data[0][0],
                                     f"t4: values spread over {len(data)} rows, read in order"))
    seq: list[tuple[Row, tuple[int, str]]] = [(r, v) for r, vals in parts for v in vals]
    al = align([v for _, v in seq], T4_N)
    rows_of = {id(v): r for r, v in seq}
    if al.problem:
        issues.append(_row_issue(al.problem, "t4", parts[0][0], f"t4: {al.detail}"))
    cells = []
    for j, (g, c) in enumerate(keys):
        pos = al.placed[j]
        if pos is None:
            issues.append({"level": "warning", "rule": "cell_not_placed", "table": "t4", "row": g, "col": c,
                           "message": f"t4.{g}.{c}: no printed cell can be placed here"})
            continue
        r = rows_of.get(id(pos), parts[0][0])
        cells.append(make_cell("t4", g, c, template, pos, r, issues))
    return cells


# ---------------------------------------------------------------------------------------------


def extract_cells(doc: Document, layout: dict) -> tuple[list[dict], list[dict]]:
    """All code-book cells of tables 2, 3, 4, sorted in code-book order, and the issues met."""
    # rows are memoized within a document (each is split and tested several times), not across documents
    _split_row.cache_clear()
    _is_t3_header.cache_clear()
    issues: list[dict] = []
    template = layout.get("template")
    if template not in ("2019", "2021"):
        return [], issues
    t2_template = layout.get("t2") or template
    t3_template = layout.get("t3_rows") or template
    seg = segment(doc)
    cells = []
    if seg["t2"]:
        cells += map_t2(seg["t2"], t2_template, issues)
    else:
        issues.append({"level": "warning", "rule": "missing_table", "table": "t2", "message": "table 2 not found"})
    if seg["t3"]:
        cells += map_t3(seg["t3"], t3_template, issues)
    else:
        issues.append({"level": "warning", "rule": "missing_table", "table": "t3", "message": "table 3 not found"})
    if seg["t4"]:
        cells += map_t4(seg["t4"], template, issues)
    else:
        issues.append({"level": "warning", "rule": "missing_table", "table": "t4", "message": "table 4 not found"})
    cells.sort(key=lambda c: codebook.sort_key(c["table"], c["row"], c["col"]))
    return cells, issues
