"""`indicators_wide`: one row per report with the named headline measures of
`normalize/headline_measures.csv`, read the same across layouts.

- 2019 / 2021 layouts: a definition is a cell `table.row.column` of the code book, or a sum of cells
  joined by `+` (NULL when any of them is blank or missing: a printed number is never completed);
- pre-2019 reports (and any report without the tables): the indicator code of
  `codebook_pre2019.csv` in the long `indicators` table (report_id, code, value) when that table
  exists in the database being built.

Runs on the database after the reports, cells (and indicators) are written.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

import sqlite_utils

MEASURES_FILE = Path(__file__).with_name("headline_measures.csv")


def load_measures(path: Optional[Path] = None) -> list[dict]:
    with open(path or MEASURES_FILE, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _terms(definition: str) -> list[tuple[str, str, str]]:
    out = []
    for term in filter(None, (t.strip() for t in (definition or "").split("+"))):
        tbl, row, col = term.split(".")
        out.append((tbl, row, col))
    return out


def value_of(definition: str, cells: dict) -> Optional[float]:
    """The measure from a report's cells {(tbl, row, col): value}; None when a term is not printed."""
    terms = _terms(definition)
    if not terms:
        return None
    vals = [cells.get(t) for t in terms]
    if any(v is None for v in vals):
        return None
    total = sum(vals)
    return int(total) if all(float(v).is_integer() for v in vals) else total


def fill_indicators_wide(db: sqlite_utils.Database, measures: Optional[list[dict]] = None, *, chunk: int = 2_000,
                         report_ids: Optional[list[str]] = None) -> int:
    """(Re)write `indicators_wide` from `reports`, `cells` and, when present, `indicators`; with
    `report_ids`, only the rows of those reports (an incremental build has deleted them).

    Reports are read `chunk` at a time (in id order) with their cells (every cell in one dict was ~4 GB
    at 100,000 reports, and a list of every report ~40 MB: issue 9)."""
    measures = measures or load_measures()
    where = None
    if "indicators" in db.table_names():
        cols = set(db["indicators"].columns_dict)
        if {"report_id", "code", "value"} <= cols:
            # the statement that counts (issue 12): the primary one of the report year, not a 历年累计 value
            # nor a text statement that a disagreeing table overrides
            where = " and coalesce(is_primary, 1) = 1 and coalesce(period, 'year') = 'year'" if {"is_primary", "period"} <= cols else ""
    if report_ids is None:
        db.execute("delete from indicators_wide")
    # only the cells a definition reads come to Python (the others were read and never looked at)
    terms = sorted({".".join(t) for m in measures for tpl in ("2019", "2021") for t in _terms(m[f"def_{tpl}"])})
    refs = ",".join("?" * len(terms))
    n = 0
    for part in _report_chunks(db, chunk, report_ids):
        marks = ",".join("?" * len(part))
        ids = [r[0] for r in part]
        cells: dict[str, dict] = {}
        for rid, tbl, row, col, value in db.execute(
                f"select report_id, tbl, row_code, col_code, value from cells where value is not null "
                f"and report_id in ({marks}) and tbl || '.' || row_code || '.' || col_code in ({refs})",
                ids + terms):
            cells.setdefault(rid, {})[(tbl, row, col)] = value
        stated: dict[str, dict] = {}
        if where is not None:
            for rid, code, value in db.execute(
                    f"select report_id, code, value from indicators where value is not null{where} "
                    f"and report_id in ({marks}) order by rowid", ids):
                stated.setdefault(rid, {}).setdefault(code, value)  # the first statement of a code counts
        rows = []
        for rid, agency_id, agency, year, template, scope in part:
            row = {"report_id": rid, "agency_id": agency_id, "agency": agency, "year": year, "template": template,
                   "scope": scope}
            sources = set()
            for m in measures:
                v = None
                if template in ("2019", "2021"):
                    v = value_of(m[f"def_{template}"], cells.get(rid, {}))
                    if v is not None:
                        sources.add("cells")
                if v is None and m.get("pre2019") and template not in ("2019", "2021"):
                    v = stated.get(rid, {}).get(m["pre2019"])
                    if v is not None:
                        sources.add("indicators")
                row[m["measure"]] = v
            row["source"] = "+".join(sorted(sources)) or "none"
            rows.append(row)
        if rows:
            db["indicators_wide"].insert_all(rows, pk="report_id")
        n += len(rows)
    return n


_REPORT = "select id, agency_id, agency, year, template, scope from reports"


def _report_chunks(db: sqlite_utils.Database, chunk: int, report_ids: Optional[list[str]]):
    """The reports (all, or those of `report_ids`) in id order, `chunk` rows at a time."""
    if report_ids is not None:
        wanted = sorted(set(report_ids))
        for i in range(0, len(wanted), chunk):
            ids = wanted[i:i + chunk]
            part = list(db.execute(f"{_REPORT} where id in ({','.join('?' * len(ids))}) order by id", ids))
            if part:
                yield part
        return
    part = list(db.execute(f"{_REPORT} order by id limit ?", [chunk]))
    while part:
        yield part
        part = list(db.execute(f"{_REPORT} where id > ? order by id limit ?", [part[-1][0], chunk]))
