"""The code book: stable codes, labels and units of every table row and column.

`normalize/codebook.csv` (package data) is the single source of truth. Columns:
template (both | 2019 | 2021), table (t2 | t3 | t4), kind (row | column), code, label_zh, label_en,
group, unit. Order of the file is the canonical order of rows and columns.

Which table-2 columns belong to which table-2 row is derived from the `group` field: a row's group is
"第二十条第（五）项", a column's group lists the items it applies to ("第二十条第（五）（六）（八）项").
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Optional

TABLES = ("t2", "t3", "t4")
TEMPLATES = ("2019", "2021")


@dataclass(frozen=True)
class Entry:
    template: str
    table: str
    kind: str
    code: str
    label_zh: str
    label_en: str
    group: str
    unit: str
    order: int  # position in the file


@lru_cache(maxsize=1)
def load() -> tuple[Entry, ...]:
    text = resources.files("normalize").joinpath("codebook.csv").read_text(encoding="utf-8")
    out = []
    for i, r in enumerate(csv.DictReader(io.StringIO(text))):
        out.append(Entry(r["template"], r["table"], r["kind"], r["code"], r["label_zh"], r["label_en"],
                         r["group"], r["unit"], i))
    return tuple(out)


def _applies(e: Entry, template: str) -> bool:
    return e.template == "both" or e.template == template


def rows(table: str, template: str) -> list[Entry]:
    """Rows of a table for a template ('2019' | '2021'), in code-book order."""
    return list(_entries(table, "row", template))


def columns(table: str, template: str) -> list[Entry]:
    return list(_entries(table, "column", template))


@lru_cache(maxsize=64)
def _entries(table: str, kind: str, template: str) -> tuple[Entry, ...]:
    return tuple(e for e in load() if e.table == table and e.kind == kind and _applies(e, template))


def row_codes(table: str, template: str) -> list[str]:
    return [e.code for e in rows(table, template)]


def column_codes(table: str, template: str) -> list[str]:
    return [e.code for e in columns(table, template)]


@lru_cache(maxsize=65536)
def entry(table: str, kind: str, code: str, template: Optional[str] = None) -> Optional[Entry]:
    for e in load():
        if e.table == table and e.kind == kind and e.code == code and (template is None or _applies(e, template)):
            return e
    return None


def label(table: str, kind: str, code: str, template: Optional[str] = None) -> str:
    e = entry(table, kind, code, template)
    return e.label_zh if e else code


_ITEM = re.compile(r"（([一二三四五六七八九十]+)）")


def _items(group: str) -> set[str]:
    return set(_ITEM.findall(group or ""))


@lru_cache(maxsize=4)
def t2_row_columns(template: str) -> dict[str, tuple[str, ...]]:
    """Table-2 row code -> its column codes, in order (from the shared 第二十条 item in `group`)."""
    out = {}
    cols = columns("t2", template)
    for r in rows("t2", template):
        items = _items(r.group)
        out[r.code] = tuple(c.code for c in cols if items & _items(c.group))
    return out


@lru_cache(maxsize=16384)
def sort_key(table: str, row: str, col: str) -> tuple:
    """Canonical order of a cell: table, then row, then column as in the code book."""
    ti = TABLES.index(table) if table in TABLES else 9
    ro = co = 10_000
    for e in load():
        if e.table != table:
            continue
        if e.kind == "row" and e.code == row:
            ro = min(ro, e.order)
        elif e.kind == "column" and e.code == col:
            co = min(co, e.order)
    return (ti, ro, co, row, col)


def unit(table: str, row: str, col: str, template: str) -> Optional[str]:
    """Unit of a cell: the column's unit if it has one, else the row's."""
    c = entry(table, "column", col, template)
    if c and c.unit:
        return c.unit
    r = entry(table, "row", row, template)
    if r and r.unit:
        return r.unit
    return None


def t3_groups() -> dict[str, str]:
    """Table-3 row code -> group code ('三', 'denied', 'unavailable', 'not_processed', 'other', None)."""
    g = {
        "（三）不予公开": "denied", "（四）无法提供": "unavailable", "（五）不予处理": "not_processed",
        "（六）其他处理": "other", "三、本年度办理结果": "三",
    }
    return {e.code: g.get(e.group) for e in load() if e.table == "t3" and e.kind == "row"}
