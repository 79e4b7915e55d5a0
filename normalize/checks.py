"""Arithmetic checks of docs/FORMATS.md over parsed cells.

Every check is a dict::

    {"rule": "1", "level": "hard" | "soft", "status": ..., "scope": ..., "expected": ..., "found": ...,
     "message": ...}

Hard identities (one row per column / row / group; status 'pass' | 'fail' | 'not_assessable'):
  1  t3, each column: 一 + 二 = （七）总计 + 四              scope = column code; expected = 一+二, found = （七）+四
  2  t3, each column: （七） = （一）+（二）+Σ（三）+Σ（四）+Σ（五）+（六）   scope = column code; expected = sum of parts
  3  t3, each row: 总计 = the six applicant columns           scope = row code; expected = sum, found = printed 总计
  4  t4, each group: 总计 = 维持 + 纠正 + 其他 + 尚未审结         scope = group code
  5  counts are non-negative integers (except 2019 本年增/减; money excluded)  scope = table; found = offending cells

Strict: any participant that is blank, a placeholder, unreadable or missing makes the check
'not_assessable' (never treated as 0). Nothing is repaired; a failing check only reports.

Soft checks (level 'soft'; status 'pass' | 'warn' | 'not_assessable'):
  9  numbers quoted in 一、总体情况 against the tables ("收到…申请N件", "答复/办结N件", "行政复议N件/起",
     "行政诉讼N件/起", "现行有效…规范性文件N件", "制定/制发…规范性文件N件")
  10 2021 template: section 六 should state the 信息处理费 charged or that none was charged
Cross-year soft checks 6–8 need several reports of one agency: `cross_year_checks(reports)`.
"""
from __future__ import annotations

import re
from typing import Optional

from . import codebook

Num = Optional[float]


def cell_index(cells: list[dict]) -> dict[tuple[str, str, str], dict]:
    return {(c["table"], c["row"], c["col"]): c for c in cells}


def _val(idx, table, row, col) -> tuple[Num, str]:
    """(value, why-missing) of one cell."""
    c = idx.get((table, row, col))
    if c is None:
        return None, f"{table}.{row}.{col} missing"
    if c.get("value") is None:
        raw = c.get("raw")
        return None, f"{table}.{row}.{col} blank" if not raw else f"{table}.{row}.{col} is {raw!r}"
    return c["value"], ""


def _sum(idx, table, parts: list[tuple[str, str]]) -> tuple[Num, list[str]]:
    total, why = 0, []
    for row, col in parts:
        v, w = _val(idx, table, row, col)
        if v is None:
            why.append(w)
        else:
            total += v
    return (None if why else _clean(total)), why


def _clean(x):
    if isinstance(x, float):
        x = round(x, 6)
        if x == int(x):
            return int(x)
    return x


def _check(rule, scope, expected, found, why_missing, message, level="hard") -> dict:
    if why_missing:
        status = "not_assessable"
        message = f"{message}: not assessable ({'; '.join(why_missing[:4])}{'…' if len(why_missing) > 4 else ''})"
    elif expected == found:
        status = "pass"
    else:
        status = "fail" if level == "hard" else "warn"
        message = f"{message}: expected {expected}, printed {found}"
    return {"rule": rule, "level": level, "status": status, "scope": scope, "expected": expected,
            "found": found, "message": message}


def t3_part_rows(t3_rows: str) -> list[str]:
    """Rows whose sum is （七）总计, for the 2019 or 2021 row set."""
    rows = codebook.row_codes("t3", t3_rows)
    skip = {"new_received", "carried_over", "total_processed", "carried_forward"}
    return [r for r in rows if r not in skip]


def hard_checks(cells: list[dict], template: str, t3_rows: Optional[str] = None) -> list[dict]:
    """Identities 1–5 for a 2019/2021 report (empty list for other templates)."""
    if template not in ("2019", "2021"):
        return []
    t3_rows = t3_rows or template
    idx = cell_index(cells)
    out = []
    cols = codebook.column_codes("t3", t3_rows)
    parts = t3_part_rows(t3_rows)
    for col in cols:
        lhs, w1 = _sum(idx, "t3", [("new_received", col), ("carried_over", col)])
        rhs, w2 = _sum(idx, "t3", [("total_processed", col), ("carried_forward", col)])
        out.append(_check("1", col, lhs, rhs, w1 + w2, f"t3 {col}: 一+二 = （七）总计+四"))
    for col in cols:
        s, w1 = _sum(idx, "t3", [(r, col) for r in parts])
        tot, w2 = _val(idx, "t3", "total_processed", col)
        out.append(_check("2", col, s, tot, w1 + ([w2] if w2 else []), f"t3 {col}: （七）总计 = sum of （一）–（六）"))
    part_cols = [c for c in cols if c != "total"]
    for row in codebook.row_codes("t3", t3_rows):
        s, w1 = _sum(idx, "t3", [(row, c) for c in part_cols])
        tot, w2 = _val(idx, "t3", row, "total")
        out.append(_check("3", row, s, tot, w1 + ([w2] if w2 else []), f"t3 {row}: 总计 = sum of applicant columns"))
    t4cols = [c for c in codebook.column_codes("t4", template) if c != "total"]
    for g in codebook.row_codes("t4", template):
        s, w1 = _sum(idx, "t4", [(g, c) for c in t4cols])
        tot, w2 = _val(idx, "t4", g, "total")
        out.append(_check("4", g, s, tot, w1 + ([w2] if w2 else []), f"t4 {g}: 总计 = 维持+纠正+其他+尚未审结"))
    for table in ("t2", "t3", "t4"):
        tc = [c for c in cells if c["table"] == table]
        bad = []
        for c in tc:
            v = c.get("value")
            if v is None or c["col"] == "amount":
                continue
            if c["col"] == "change" and table == "t2":
                if isinstance(v, float) and v != int(v):
                    bad.append(f"{c['row']}.{c['col']}={c['raw']}")
                continue
            if v < 0 or (isinstance(v, float) and v != int(v)):
                bad.append(f"{c['row']}.{c['col']}={c['raw']}")
        if not tc:
            out.append(_check("5", table, "non-negative integers", None, [f"{table} has no cells"],
                              f"{table}: counts are non-negative integers"))
            continue
        out.append({"rule": "5", "level": "hard", "status": "fail" if bad else "pass", "scope": table,
                    "expected": "non-negative integers", "found": bad,
                    "message": (f"{table}: not non-negative integers: {', '.join(bad)}" if bad
                                else f"{table}: counts are non-negative integers")})
    return out


# ---------------------------------------------------------------------------------------------
# Soft checks 9 and 10

_N = r"(\d+)\s*(?:件|起|个|条|宗|次)"
NARRATIVE = [
    # (pattern, cells whose sum it quotes, what)
    (re.compile(r"(?:共|总共|累计)?(?:新)?收到[^。；;，,]{0,30}?(?:政府信息公开|依申请公开)?申请[^。；;，,\d]{0,12}?" + _N),
     [("t3", "new_received", "total")], "applications received"),
    (re.compile(r"收到[^。；;，,]{0,20}?依申请公开[^。；;，,\d]{0,16}?" + _N),
     [("t3", "new_received", "total")], "applications received"),
    (re.compile(r"(?:未收到|没有收到|未接到|没有接到)[^。；;]{0,40}?申请"), "zero:new_received", "applications received"),
    (re.compile(r"(?:答复|办结|办理完毕|已办结|均已答复)[^。；;，,\d]{0,8}?" + _N),
     [("t3", "total_processed", "total")], "applications answered"),
    (re.compile(r"行政复议[^。；;，,\d]{0,6}?" + _N),
     [("t4", "review", "total")], "administrative reconsiderations"),
    (re.compile(r"行政诉讼[^。；;，,\d]{0,6}?" + _N),
     [("t4", "suit_direct", "total"), ("t4", "suit_after_review", "total")], "lawsuits"),
    (re.compile(r"现行有效[^。；;，,\d]{0,12}?规范性文件[^。；;，,\d]{0,4}?" + _N),
     "in_force", "normative documents in force"),
    (re.compile(r"(?:制定|制发|印发|出台)[^。；;，,\d]{0,10}?规范性文件[^。；;，,\d]{0,4}?" + _N),
     "issued", "normative documents issued"),
]


def narrative_checks(overview: Optional[str], cells: list[dict], template: str) -> list[dict]:
    """Rule 9: numbers quoted in 一、总体情况 against the tables (one check per quote found)."""
    if not overview or template not in ("2019", "2021"):
        return []
    idx = cell_index(cells)
    out = []
    seen_spans: list[tuple[int, int]] = []
    for rx, target, what in NARRATIVE:
        for m in rx.finditer(overview):
            if any(a <= m.start() < b for a, b in seen_spans):
                continue
            seen_spans.append((m.start(), m.end()))
            quote = m.group(0)
            if target == "zero:new_received":
                stated, targets = 0, [("t3", "new_received", "total")]
            else:
                stated = int(m.group(m.lastindex))
                if target == "in_force":
                    targets = [("t2", "normative_documents", "in_force" if template == "2021" else "published_total")]
                elif target == "issued":
                    targets = [("t2", "normative_documents", "issued" if template == "2021" else "made")]
                else:
                    targets = target
            vals, why = [], []
            for t, r, c in targets:
                v, w = _val(idx, t, r, c)
                (why.append(w) if v is None else vals.append(v))
            found = None if why else _clean(sum(vals))
            scope = "+".join(f"{t}.{r}.{c}" for t, r, c in targets)
            out.append(_check("9", scope, stated, found, why, f"narrative '{quote}' ({what}) vs table",
                              level="soft"))
    return out


FEE_WORDS = ("信息处理费", "处理费", "收费", "收取费用", "未收取", "不收取")


def fee_statement_check(other_section: Optional[str], template: str) -> list[dict]:
    """Rule 10 (2021 template): section 六 states the 信息处理费 charged or that none was charged."""
    if template != "2021":
        return []
    text = other_section or ""
    ok = any(w in text for w in FEE_WORDS)
    return [{
        "rule": "10", "level": "soft", "status": "pass" if ok else "warn", "scope": "section.other",
        "expected": "statement on 信息处理费", "found": ("present" if ok else ("section 六 missing" if not text else "absent")),
        "message": "section 六 states the 信息处理费" if ok else "section 六 does not mention the 信息处理费",
    }]


# ---------------------------------------------------------------------------------------------
# Cross-year soft checks 6–8


def _cells_of(report: dict) -> dict:
    return cell_index(report.get("cells") or [])


def cross_year_checks(reports: list[dict]) -> list[dict]:
    """Rules 6–8 over parse results of ONE agency (as returned by `parse_document`).

    Pairs consecutive years (t−1, t). Each check also carries `year` (= t) and `prev_year`.
    6  上年结转(t) = 结转下年度继续办理(t−1), every t3 column
    7  2019 table 2: 上一年项目数量(t) = 上一年项目数量(t−1) + 本年增/减(t−1), rows with those columns
    8  2021 table 2: 现行有效(t) ≈ 现行有效(t−1) + 制发(t) − 废止(t) (清理 / 自然失效 break it: soft)
    """
    by_year: dict[int, dict] = {}
    for r in reports:
        y = r.get("year")
        if isinstance(y, int) and y not in by_year:
            by_year[y] = r
    out = []
    for y in sorted(by_year):
        prev = by_year.get(y - 1)
        if not prev:
            continue
        cur = by_year[y]
        ci, pi = _cells_of(cur), _cells_of(prev)
        extra = {"year": y, "prev_year": y - 1}
        # 6
        for col in codebook.column_codes("t3", "2019"):
            a, wa = _val(ci, "t3", "carried_over", col)
            b, wb = _val(pi, "t3", "carried_forward", col)
            why = [f"{y}: {wa}"] if wa else []
            why += [f"{y - 1}: {wb}"] if wb else []
            chk = _check("6", col, b, a, why, f"t3 {col}: 上年结转({y}) = 结转下年度继续办理({y - 1})", level="soft")
            chk.update(extra)
            out.append(chk)
        # 7
        if cur.get("template") == "2019" and prev.get("template") == "2019":
            for row, cols in codebook.t2_row_columns("2019").items():
                if "prev_items" not in cols or "change" not in cols:
                    continue
                a, wa = _val(ci, "t2", row, "prev_items")
                s, ws = _sum(pi, "t2", [(row, "prev_items"), (row, "change")])
                why = ([f"{y}: {wa}"] if wa else []) + [f"{y - 1}: {w}" for w in ws]
                chk = _check("7", row, s, a, why,
                             f"t2 {row}: 上一年项目数量({y}) = 上一年项目数量({y - 1}) + 本年增/减({y - 1})", level="soft")
                chk.update(extra)
                out.append(chk)
        # 8
        if cur.get("template") == "2021" and prev.get("template") == "2021":
            for row in ("regulations", "normative_documents"):
                a, wa = _val(ci, "t2", row, "in_force")
                p, wp = _val(pi, "t2", row, "in_force")
                iss, wi = _val(ci, "t2", row, "issued")
                rep, wr = _val(ci, "t2", row, "repealed")
                why = [f"{y}: {w}" for w in (wa, wi, wr) if w] + ([f"{y - 1}: {wp}"] if wp else [])
                expected = None if why else _clean(p + iss - rep)
                chk = _check("8", row, expected, a, why,
                             f"t2 {row}: 现行有效({y}) ≈ 现行有效({y - 1}) + 制发({y}) − 废止({y})", level="soft")
                chk.update(extra)
                out.append(chk)
    return out
