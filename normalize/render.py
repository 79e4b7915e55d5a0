"""Tables 2, 3 and 4 of a parse result, laid out for a human like the original report.

Cells show what was printed (`raw`): a blank cell stays blank, "/" stays "/". A cell the parser could
not place is shown as "?". Used by `ogi parse PATH` (without --json).
"""
from __future__ import annotations

import unicodedata

from . import codebook

NOT_READ = "?"


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def pad(s: str, w: int, right: bool = False) -> str:
    gap = max(0, w - width(s))
    return (" " * gap + s) if right else (s + " " * gap)


def _widths(rows: list[list[str]]) -> list[int]:
    n = max(len(r) for r in rows)
    return [max(width(r[i]) if i < len(r) else 0 for r in rows) for i in range(n)]


def _grid(rows: list[list[str]], right_from: int = 1) -> list[str]:
    """Aligned columns; column `right_from` onwards right-aligned (numbers)."""
    ws = _widths(rows)
    out = []
    for r in rows:
        cells = [pad(r[i] if i < len(r) else "", ws[i], right=i >= right_from) for i in range(len(ws))]
        out.append("  ".join(cells).rstrip())
    return out


def _span_line(rows: list[list[str]], labels: dict[int, str], indent: int = 2) -> str:
    """A header line with group labels starting above given columns of a `_grid` of `rows`."""
    ws = _widths(rows)
    line = ""
    for col, text in sorted(labels.items()):
        start = indent + sum(ws[:col]) + 2 * col
        line = pad(line, start) + text
    return line.rstrip()


def _raw(idx: dict, key) -> str:
    c = idx.get(key)
    if c is None:
        return NOT_READ
    raw = c.get("raw")
    return " ".join(raw.split()) if raw else ""


def render_t2(idx: dict, template: str) -> list[str]:
    lines = [f"表二  主动公开政府信息情况  ({template})"]
    rows = codebook.rows("t2", template)
    row_cols = codebook.t2_row_columns(template)
    groups: list[tuple[str, list]] = []
    for e in rows:
        if not groups or groups[-1][0] != e.group:
            groups.append((e.group, []))
        groups[-1][1].append(e)
    for group, entries in groups:
        cols = row_cols[entries[0].code]
        grid = [["信息内容"] + [codebook.label("t2", "column", c, template) for c in cols]]
        for e in entries:
            grid.append([e.label_zh] + [_raw(idx, ("t2", e.code, c)) for c in cols])
        lines.append(group)
        lines += ["  " + ln for ln in _grid(grid)]
    return lines


def _t3_label(e) -> str:
    if e.group and e.group.startswith("（") and not e.label_zh.startswith("（"):
        return "    " + e.label_zh
    if e.group.startswith("三"):
        return "  " + e.label_zh
    return e.label_zh


def render_t3(idx: dict, t3_rows: str) -> list[str]:
    lines = [f"表三  收到和处理政府信息公开申请情况  (row set {t3_rows})"]
    cols = codebook.columns("t3", t3_rows)
    grid = [["申请人情况", "自然人"] + [c.label_zh for c in cols[1:6]] + ["总计"]]
    last_group = None
    shown: set[str] = set()
    for e in codebook.rows("t3", t3_rows):
        if e.group == "三、本年度办理结果" and e.group not in shown:
            grid.append([e.group] + [""] * len(cols))
            shown.add(e.group)
        if e.group != last_group and e.group.startswith("（") and not (t3_rows == "2019" and e.code == "other"):
            grid.append(["  " + e.group] + [""] * len(cols))
        last_group = e.group
        label = _t3_label(e)
        if len(label) > 30:
            label = label[:29] + "…"
        grid.append([label] + [_raw(idx, ("t3", e.code, c.code)) for c in cols])
    lines.append(_span_line(grid, {2: "法人或其他组织"}))
    lines += ["  " + ln for ln in _grid(grid)]
    return lines


def render_t4(idx: dict, template: str) -> list[str]:
    lines = ["表四  政府信息公开行政复议、行政诉讼情况"]
    groups = codebook.rows("t4", template)
    cols = codebook.columns("t4", template)
    head = [c.label_zh for c in cols] * 3
    data = [_raw(idx, ("t4", g.code, c.code)) for g in groups for c in cols]
    grid = [head, data]
    lines.append(_span_line(grid, {0: "行政复议", 5: "行政诉讼"}))
    lines.append(_span_line(grid, {5: "未经复议直接起诉", 10: "复议后起诉"}))
    lines += ["  " + ln for ln in _grid(grid, right_from=0)]
    return lines


def render_tables(result: dict) -> str:
    """The three tables of a parse result (see `normalize.parse.parse_document`) as text."""
    template = result.get("template")
    head = (f"{result.get('title') or ''}\n"
            f"agency: {result.get('agency')}  year: {result.get('year')}  published: {result.get('published')}  "
            f"template: {template}  t3 rows: {result.get('t3_rows')}")
    if template not in ("2019", "2021"):
        return head + "\n(no 2019/2021 statistical tables)\n"
    idx = {(c["table"], c["row"], c["col"]): c for c in result.get("cells", [])}
    t2_template = template
    t3_rows = result.get("t3_rows") or template
    parts = [head, ""]
    parts += render_t2(idx, t2_template) + [""]
    parts += render_t3(idx, t3_rows) + [""]
    parts += render_t4(idx, template)
    checks = result.get("checks") or []
    fails = [c for c in checks if c.get("status") in ("fail", "warn")]
    na = sum(1 for c in checks if c.get("status") == "not_assessable")
    ok = sum(1 for c in checks if c.get("status") == "pass")
    parts += ["", f"checks: {ok} pass, {len(fails)} fail/warn, {na} not assessable   ({NOT_READ} = cell not read)"]
    parts += [f"  [{c['rule']}] {c['message']}" for c in fails]
    return "\n".join(parts) + "\n"
