"""Tables 2, 3 and 4 of one report in their printed layout, from `cells` and `codebook` rows (pure).

A drawn table is a dict {"title", "head": [[Cell…]…], "body": [[Cell…]…]}; a Cell is a dict with
text, colspan, rowspan, kind ('head' | 'label' | 'value'), and for values the cell's reference
('t3.granted.total'), its printed raw text, page, and the failed checks that read it.
"""
from __future__ import annotations

from typing import Optional

T3_RESULTS = "三、本年度办理结果"
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
TABLE_TITLES = {"t2": "二、主动公开政府信息情况", "t3": "三、收到和处理政府信息公开申请情况",
                "t4": "四、政府信息公开行政复议、行政诉讼情况"}


def _applies(entry: dict, template: str) -> bool:
    return entry["template"] in ("both", template)


def codebook_part(codebook: list[dict], tbl: str, kind: str, template: str) -> list[dict]:
    return sorted((e for e in codebook if e["tbl"] == tbl and e["kind"] == kind and _applies(e, template)),
                  key=lambda e: e["ordinal"])


def _head(text, colspan=1, rowspan=1) -> dict:
    return {"kind": "head", "text": text, "colspan": colspan, "rowspan": rowspan}


def _label(text, colspan=1, rowspan=1) -> dict:
    return {"kind": "label", "text": text, "colspan": colspan, "rowspan": rowspan}


def _value(ref: str, cells: dict, problems: dict) -> dict:
    c = cells.get(ref)
    return {"kind": "value", "ref": ref, "text": "" if c is None else (c.get("raw") if c.get("raw") is not None else ""),
            "value": None if c is None else c.get("value"), "page": None if c is None else c.get("page"),
            "missing": c is None, "remark": None if c is None else c.get("remark"),
            "problems": problems.get(ref, []), "colspan": 1, "rowspan": 1}


def label_columns(paths: list[list[str]], depth: int) -> list[list[dict]]:
    """Row-label cells for rows whose labels are paths (group, subgroup, label): equal consecutive
    prefixes merge into one cell spanning their rows; the last part spans the columns left."""
    out = []
    for i, path in enumerate(paths):
        row = []
        for k, part in enumerate(path):
            last = k == len(path) - 1
            if not last and i > 0 and paths[i - 1][:k + 1] == path[:k + 1]:
                continue  # covered by the cell above
            span = 1
            if not last:
                while i + span < len(paths) and paths[i + span][:k + 1] == path[:k + 1]:
                    span += 1
            row.append(_label(part, colspan=depth - k if last else 1, rowspan=span))
        out.append(row)
    return out


def _t3_path(entry: dict) -> list[str]:
    grp = entry["grp"] or ""
    if not grp:
        return [entry["label_zh"]]
    if grp == T3_RESULTS:
        return [T3_RESULTS, entry["label_zh"]]
    return [T3_RESULTS, grp, entry["label_zh"]]


def draw_t3(codebook: list[dict], cells: dict, problems: dict, rows_template: str) -> dict:
    cols = codebook_part(codebook, "t3", "column", rows_template)
    rows = codebook_part(codebook, "t3", "row", rows_template)
    grouped = [c for c in cols if c["grp"]]
    head1 = [_head(T3_NOTE, colspan=3, rowspan=3), _head("申请人情况", colspan=len(cols))]
    head2, head3 = [], []
    seen_group = False
    for c in cols:
        if c["grp"]:
            if not seen_group:
                head2.append(_head(c["grp"], colspan=len(grouped)))
                seen_group = True
            head3.append(_head(c["label_zh"]))
        else:
            head2.append(_head(c["label_zh"], rowspan=2))
    labels = label_columns([_t3_path(r) for r in rows], 3)
    body = [lab + [_value(f"t3.{r['code']}.{c['code']}", cells, problems) for c in cols]
            for r, lab in zip(rows, labels)]
    return {"tbl": "t3", "title": TABLE_TITLES["t3"], "head": [head1, head2, head3], "body": body}


def draw_t4(codebook: list[dict], cells: dict, problems: dict, template: str) -> dict:
    cols = codebook_part(codebook, "t4", "column", template)
    rows = codebook_part(codebook, "t4", "row", template)
    head1, head2, head3, values = [], [], [], []
    groups: dict[str, int] = {}
    for r in rows:
        groups[r["grp"] or r["label_zh"]] = groups.get(r["grp"] or r["label_zh"], 0) + 1
    done = set()
    for r in rows:
        top = r["grp"] or r["label_zh"]
        if top not in done:
            done.add(top)
            head1.append(_head(top, colspan=groups[top] * len(cols), rowspan=1 if r["grp"] else 2))
        if r["grp"]:
            head2.append(_head(r["label_zh"], colspan=len(cols)))
        head3.extend(_head(c["label_zh"]) for c in cols)
        values.extend(_value(f"t4.{r['code']}.{c['code']}", cells, problems) for c in cols)
    return {"tbl": "t4", "title": TABLE_TITLES["t4"], "head": [head1, head2, head3], "body": [values]}


def draw_t2(codebook: list[dict], cells: dict, problems: dict, template: str) -> list[dict]:
    """Table 2 is printed as one block per 第二十条 item, each with its own column header."""
    from normalize.codebook import t2_row_columns

    cols = {c["code"]: c for c in codebook_part(codebook, "t2", "column", template)}
    row_cols = t2_row_columns(template)
    blocks: list[dict] = []
    for r in codebook_part(codebook, "t2", "row", template):
        codes = row_cols.get(r["code"], ())
        if not blocks or blocks[-1]["grp"] != r["grp"]:
            blocks.append({"grp": r["grp"], "cols": codes, "rows": []})
        blocks[-1]["rows"].append(r)
    out = []
    for b in blocks:
        head = [[_head(b["grp"], colspan=1 + len(b["cols"]))],
                [_head("信息内容")] + [_head(cols[c]["label_zh"]) for c in b["cols"] if c in cols]]
        body = [[_label(r["label_zh"])] + [_value(f"t2.{r['code']}.{c}", cells, problems) for c in b["cols"]]
                for r in b["rows"]]
        out.append({"tbl": "t2", "title": b["grp"], "head": head, "body": body})
    return out


def printed_cell(rule: Optional[str], scope: Optional[str]) -> Optional[str]:
    """The one printed cell a failed identity compares with its expected value (None when the
    printed side is a sum of cells, as in rule 1)."""
    if not scope:
        return None
    return {"2": f"t3.total_processed.{scope}", "3": f"t3.{scope}.total", "4": f"t4.{scope}.total",
            "6": f"t3.carried_over.{scope}", "7": f"t2.{scope}.prev_items", "8": f"t2.{scope}.in_force"}.get(rule)


def draw_report_tables(codebook: list[dict], cells: list[dict], checks: list[dict], template: Optional[str],
                       t3_rows: Optional[str]) -> dict:
    """All three tables of a 2019/2021 report; pre-2019 and unknown layouts get the 2019 frame only
    when they have cells of these tables."""
    tpl = template if template in ("2019", "2021") else "2019"
    rows3 = t3_rows if t3_rows in ("2019", "2021") else tpl
    by_ref = {f"{c['tbl']}.{c['row_code']}.{c['col_code']}": c for c in cells}
    problems: dict[str, list[dict]] = {}
    for chk in checks:
        if chk.get("status") not in ("fail", "warn"):
            continue
        chk["target"] = printed_cell(chk.get("rule"), chk.get("scope"))
        for ref in chk.get("cells") or []:
            problems.setdefault(ref, []).append(chk)
    drawn = {"t2": draw_t2(codebook, by_ref, problems, tpl), "t3": draw_t3(codebook, by_ref, problems, rows3),
             "t4": draw_t4(codebook, by_ref, problems, tpl)}
    placed = {v["ref"] for t in [*drawn["t2"], drawn["t3"], drawn["t4"]] for row in t["body"] for v in row
              if v["kind"] == "value"}
    drawn["unplaced"] = [c for ref, c in by_ref.items() if ref not in placed]
    drawn["printed"] = {t: any(c["tbl"] == t for c in cells) for t in ("t2", "t3", "t4")}
    return drawn
