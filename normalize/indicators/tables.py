"""Statistics tables of pre-2019 reports -> coded statements (pure functions over `Table` grids).

Shapes read (docs/FORMATS.md, provincial notices of 2008–2013 and 国办发〔2014〕32号):

- 指标名称 | 计量单位 | <year>年度 | 历年累计     (provincial 统计表; 年末统计 instead of 年度)
- 指标名称 | 数量                               (two columns, no unit)
- 统计指标 | 单位 | 统计数                      (2014–2018 national table, sections 一…九)
- any of these with a 代码/序号 column, or without a header row (label, then numbers)

Row labels are matched to codes through `table_labels.csv` (label, code, under): the label is
normalised (NFKC, no spaces, "其中：" and numbering such as "1．" "（一）" "四、" removed, bracketed
explanations dropped). A label listed with `under` counts below a row of that code or group ("其他情形数" is
admin_review_other under 行政复议数, admin_litigation_other under 行政诉讼数); elsewhere only when it names
one code and is at least five characters long.

Each numeric cell of a value column is one statement: `raw` is the cell text, `sentence` the row's
cells joined with " | ", period 'cumulative' for a 累计 column, else 'year'. Blank, "—" and words
are not statements (a printed number is never invented).
"""
from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources
from typing import Optional

from ..document import Table
from ..labels import clean_ws, dec_to_py, norm, parse_value, split_numbering, strip_parens
from . import codebook
from .prose import Statement

_LABEL_HEAD = re.compile(r"^(?:指标名称|指标|统计指标|指标项目|项目|项目名称|名称|内容|类别|统计项目)$")
_UNIT_HEAD = re.compile(r"^(?:计量单位|单位)$")
_CODE_HEAD = re.compile(r"^(?:代码|序号|编号|行次)$")
_CUM_HEAD = re.compile(r"历年|(?<!本年)累计")
_YEAR_HEAD = re.compile(r"年度|年末|本年|数量|统计数|数值|数据|合计|^\d{4}年|^\d{4}$|^数$|情况")
_OTHER_YEAR_HEAD = re.compile(r"上年|去年|上一年|同期|增减|增长|比较|本期|本季|本月")
_QIZHONG = re.compile(r"^(?:其中)[:]?")


@lru_cache(maxsize=1)
def _aliases() -> dict[str, list[tuple[str, str]]]:
    text = resources.files("normalize.indicators").joinpath("table_labels.csv").read_text(encoding="utf-8")
    known = codebook.load()
    out: dict[str, list[tuple[str, str]]] = {}
    for r in csv.DictReader(io.StringIO(text)):
        if r["code"] not in known:
            raise ValueError(f"table_labels.csv: unknown code {r['code']}")
        out.setdefault(label_key(r["label"]), []).append((r["code"], r["under"] or ""))
    return out


def label_key(label: str) -> str:
    """Comparable key of a printed row label ("其中：1．网站公开" -> "网站公开")."""
    t = norm(label)
    for _ in range(3):
        before = t
        t = _QIZHONG.sub("", t)
        t = split_numbering(t).core
        if t == before:
            break
    t = strip_parens(t).rstrip(":").replace('"', "").replace("'", "").rstrip("*")
    return t


def match_label(label: str, context: tuple[str, str]) -> Optional[str]:
    """Code of a row label, given the (code, group) of the last top-level row above it."""
    key = label_key(label)
    if not key:
        return None
    cands = _aliases().get(key) or _aliases().get(key + "数") or (
        _aliases().get(key[:-1]) if key.endswith("数") else None) or []
    ctx_code, ctx_group = context
    for code, under in cands:
        if under and under in (ctx_code, ctx_group):
            return code
    for code, under in cands:
        if not under:
            return code
    # outside its parent: only a label long enough to be unambiguous ("同意公开答复数", not "其他方式")
    if len({c for c, _ in cands}) == 1 and len(key) >= 5:
        return cands[0][0]
    return None


def _header(rows: list[list[str]], year: Optional[int] = None) -> tuple[int, dict[int, str]]:
    """(index of the header row or -1, {column: role}) with roles label/unit/code/year/cumulative."""
    for i, row in enumerate(rows[:3]):
        keys = [norm(c) for c in row]
        if any(_LABEL_HEAD.match(k) for k in keys) and any(_UNIT_HEAD.match(k) or _CUM_HEAD.search(k)
                                                           or _YEAR_HEAD.search(k) for k in keys):
            roles: dict[int, str] = {}
            for j, k in enumerate(keys):
                if _LABEL_HEAD.match(k):
                    roles.setdefault(j, "label")
                elif _UNIT_HEAD.match(k):
                    roles[j] = "unit"
                elif _CODE_HEAD.match(k):
                    roles[j] = "code"
                elif _CUM_HEAD.search(k):
                    roles[j] = "cumulative"
                elif _OTHER_YEAR_HEAD.search(k) or (year and re.search(r"\d{4}", k)
                                                     and str(year) not in k):
                    roles[j] = "other_year"  # a comparison column (上年, 2010年度 in a 2011 report): not stated for this year
                elif _YEAR_HEAD.search(k):
                    roles[j] = "year"
            # a label header merged over two columns repeats: the later copy is a sub-label column
            return i, roles
    return -1, {}


def _headerless_roles(rows: list[list[str]]) -> dict[int, str]:
    width = max((len(r) for r in rows), default=0)
    roles = {0: "label"}
    for j in range(1, width):
        cells = [r[j] for r in rows if j < len(r) and clean_ws(r[j])]
        nums = [c for c in cells if parse_value(c).kind == "number"]
        if cells and len(nums) >= max(2, len(cells) * 0.6):
            roles[j] = "year"
    return roles


def _row_sentence(row: list[str]) -> str:
    cells = [clean_ws(c) for c in row]
    out: list[str] = []
    for c in cells:  # a merged label repeated across columns is printed once
        if out and c == out[-1] and not parse_value(c).kind == "number":
            continue
        out.append(c)
    return " | ".join(out)


def table_statements(table: Table, year: Optional[int] = None) -> list[Statement]:
    """Coded statements of one table; `year` (the report year) tells this year's column from a comparison one."""
    rows = [list(r) for r in table.rows if any(clean_ws(c) for c in r)]
    if not rows:
        return []
    h, roles = _header(rows, year)
    if h < 0:
        roles = _headerless_roles(rows)
    body = rows[h + 1:]
    label_cols = [j for j, r in sorted(roles.items()) if r == "label"]
    value_cols = [(j, r) for j, r in sorted(roles.items()) if r in ("year", "cumulative")]
    if not label_cols or not value_cols:
        return []
    unit_col = next((j for j, r in roles.items() if r == "unit"), None)
    first_value = min(j for j, _ in value_cols)
    known = codebook.load()
    context = ("", "")
    out: list[Statement] = []
    for row in body:
        # the label: the label column, plus text cells between it and the first value column (sub-labels)
        parts = []
        for j in range(label_cols[0], first_value):
            if j < len(row) and roles.get(j) not in ("unit", "code"):
                t = clean_ws(row[j])
                if t and t not in parts and parse_value(t).kind != "number":
                    parts.append(t)
        if not parts:
            continue
        label = parts[-1]
        code = match_label(label, context)
        if code is None and len(parts) > 1:
            code = match_label("".join(parts), context)
        if code is None:
            continue
        # a top-level code (listed without `under`) becomes the context of the rows below it
        if any(c == code and not u for c, u in _aliases().get(label_key(label), []) + _aliases().get(
                label_key("".join(parts)), [])):
            context = (code, known[code].group)
        unit = clean_ws(row[unit_col]) if unit_col is not None and unit_col < len(row) else ""
        sentence = _row_sentence(row)
        for j, period in value_cols:
            if j >= len(row):
                continue
            raw = clean_ws(row[j])
            v = parse_value(raw)
            if v.kind != "number":
                continue
            out.append(Statement(code, dec_to_py(v.value), raw, sentence, unit or v.unit or None, period,
                                 "table", where="table"))
    return out


def is_statistics_table(statements: list[Statement]) -> bool:
    """A table counts when at least two of its rows gave coded numbers (one match may be chance)."""
    return len({(s.code, s.sentence) for s in statements}) >= 2
