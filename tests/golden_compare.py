"""Golden-file helpers for parser tests (juriscraper style): a failure names every differing cell.

    diff_cells(expected, actual)        -> list of human-readable differences (empty when equal)
    assert_cells_equal(expected, actual) -> AssertionError listing ALL differences
    dev_gold_to_cells(gold)             -> cells (table, row, col, value, raw) from the
                                           tests/golden/dev-reports/*.json structure
"""
from __future__ import annotations

from typing import Iterable, Optional

CELL_FIELDS = ("value", "raw", "unit", "remark", "page", "table_index", "grid_row", "grid_col")


def _key(c: dict) -> tuple[str, str, str]:
    return (c["table"], c["row"], c["col"])


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) < 1e-9
    return a == b


def diff_cells(expected: list[dict], actual: list[dict], fields: Optional[Iterable[str]] = None) -> list[str]:
    """Every difference between two cell lists, keyed by (table, row, col)."""
    fields = tuple(fields or CELL_FIELDS)
    out = []
    exp, act = {}, {}
    for c in expected:
        if _key(c) in exp:
            out.append(f"expected lists {_key(c)} twice")
        exp[_key(c)] = c
    for c in actual:
        if _key(c) in act:
            out.append(f"parser emitted {_key(c)} twice")
        act[_key(c)] = c
    for k in exp:
        name = ".".join(k)
        if k not in act:
            out.append(f"{name}: missing (expected value={exp[k].get('value')!r} raw={exp[k].get('raw')!r})")
            continue
        for f in fields:
            if f not in exp[k]:
                continue
            if not _same(exp[k].get(f), act[k].get(f)):
                out.append(f"{name}.{f}: expected {exp[k].get(f)!r}, got {act[k].get(f)!r}")
    for k in act:
        if k not in exp:
            out.append(f"{'.'.join(k)}: unexpected cell (value={act[k].get('value')!r} raw={act[k].get('raw')!r})")
    return out


def assert_cells_equal(expected: list[dict], actual: list[dict], fields: Optional[Iterable[str]] = None,
                       label: str = "") -> None:
    diffs = diff_cells(expected, actual, fields)
    if diffs:
        head = f"{label}: " if label else ""
        raise AssertionError(f"{head}{len(diffs)} cell difference(s):\n  " + "\n  ".join(diffs))


def diff_fields(expected: dict, actual: dict, keys: Iterable[str]) -> list[str]:
    return [f"{k}: expected {expected.get(k)!r}, got {actual.get(k)!r}" for k in keys
            if not _same(expected.get(k), actual.get(k))]


# ---------------------------------------------------------------------------------------------
# tests/golden/dev-reports/*.json -> cells

T2_ROWS = {"规章": "regulations", "规范性文件": "normative_documents", "行政规范性文件": "normative_documents",
           "行政许可": "licensing", "其他对外管理服务事项": "other_services", "行政处罚": "penalties",
           "行政强制": "coercion", "行政事业性收费": "fees", "政府集中采购": "procurement"}
T2_COLS = {"本年新制作数量": "made", "本年新公开数量": "published", "对外公开总数量": "published_total",
           "上一年项目数量": "prev_items", "本年增/减": "change", "处理决定数量": "decisions",
           "采购项目数量": "projects", "采购总金额": "amount", "本年制发件数": "issued", "本年废止件数": "repealed",
           "现行有效件数": "in_force", "本年处理决定数量": "decisions", "本年收费金额": "amount"}
T3_COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]
T4_GROUPS = {"行政复议": "review", "行政诉讼.未经复议直接起诉": "suit_direct", "行政诉讼.复议后起诉": "suit_after_review"}
T4_COLS = {"结果维持": "upheld", "结果纠正": "corrected", "其他结果": "other", "尚未审结": "pending", "总计": "total"}


def dev_gold_to_cells(gold: dict, t3_row_codes: list[str]) -> list[dict]:
    """Convert a dev-report gold file to cells with (table, row, col, value[, raw, unit]).

    `t3_row_codes`: the code-book row codes of the gold's row set, in order (the gold's own row keys
    differ from the code book's; rows are matched by position and checked by label).
    """
    cells = []
    for label, cols in gold["table2"].items():
        if label == "format":
            continue
        row = T2_ROWS[label]
        for col_label, v in cols.items():
            col = T2_COLS[col_label]
            c = {"table": "t2", "row": row, "col": col}
            if isinstance(v, dict):
                c.update(value=v["value"], raw=v.get("raw"), unit=v.get("unit"))
            else:
                c["value"] = v
            cells.append(c)
    rows = gold["table3"]["rows"]
    assert len(rows) == len(t3_row_codes), (len(rows), len(t3_row_codes))
    for code, r in zip(t3_row_codes, rows):
        for col, v in zip(T3_COLS, r["values"]):
            cells.append({"table": "t3", "row": code, "col": col, "value": v})
    for key, v in zip(gold["table4"]["keys"], gold["table4"]["values"]):
        group, _, col_label = key.rpartition(".")
        cells.append({"table": "t4", "row": T4_GROUPS[group], "col": T4_COLS[col_label], "value": v})
    return cells
