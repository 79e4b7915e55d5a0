"""The panel view's rows for the bulk download, assembled a report at a time (issue 9, export speed).

Read through the view, a panel row costs ≈ 7.6 µs: per cell SQLite looks up four code-book labels, the
report, its agency and whether it has a hard check. Here the 13 columns that belong to the report
(agency, year, level, place, template, check status, source, status) are read once per report, the
labels come from a dict made once (the view's own COALESCE expressions, `_LABELS`), and per report only
its cells (`tbl, row_code, col_code, value, unit, raw, document_id, page`, in the order of the index
the view reads them by: tbl, row_code, col_code, write order) and its primary pre-2019 statements (in
write order) are read: ≈ 1.8 µs a row. The report columns are typed and turned into CSV text once per
report and repeated with Arrow's `take`.

This is the view's definition written out a second time, so it is used only for the view it was
written from: `assembler()` returns None when the view's SQL (whitespace aside) is not `VIEW_SHA256`;
the export then reads `select * from panel where report_id = ?`. tests/e2e/test_finish_equal.py checks
that both give the same rows, and that the demo database's view is this one.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
from typing import Iterator, Optional

import pyarrow as pa

from . import export_format

VIEW_SHA256 = "e950f201a2e13d360bbdbffb9f81d121d465bff4b02a7b7ca510a2de4feb3375"  # of schema.PANEL_SQL + PANEL_PRE2019_UNION

COLUMNS = ("agency_id", "agency", "year", "level", "kind", "scope", "province", "region_code", "template",
           "tbl", "row_code", "col_code", "label_zh", "label_en", "col_label_zh", "col_label_en", "value",
           "unit", "raw", "check_status", "document_id", "page", "source_url", "report_id", "report_status")
REPORT_COLUMNS = ("agency_id", "agency", "year", "level", "kind", "scope", "province", "region_code", "template",
                  "check_status", "source_url", "report_id", "report_status")
CELL_COLUMNS = ("tbl", "row_code", "col_code", "label_zh", "label_en", "col_label_zh", "col_label_en", "value",
                "unit", "raw", "document_id", "page")

_REPORTS = """
SELECT r.agency_id, a.name, r.year, a.level, a.kind, r.scope, r.province, r.region_code, r.template,
  CASE WHEN r.checks_failed > 0 THEN 'fail' WHEN r.checks_not_assessable > 0 THEN 'not_assessable'
       WHEN EXISTS (SELECT 1 FROM checks k WHERE k.report_id = r.id AND k.level = 'hard') THEN 'pass'
       ELSE 'none' END,
  r.source_url, r.id, r.status
FROM reports r LEFT JOIN agencies a ON a.agency_id = r.agency_id WHERE r.id = ?"""
_CELLS = """
SELECT tbl, row_code, col_code, value, unit, raw, document_id, page FROM cells
WHERE report_id = ? ORDER BY tbl, row_code, col_code, rowid"""
_PRE2019 = """
SELECT 'pre2019', i.code, i.period, cb.label_zh, cb.label_en,
  CASE i.period WHEN 'cumulative' THEN '历年累计' ELSE '本年度' END,
  CASE i.period WHEN 'cumulative' THEN 'cumulative' ELSE 'report year' END,
  i.value, i.unit, i.raw, i.document_id, NULL
FROM indicators i LEFT JOIN codebook_pre2019 cb ON cb.code = i.code
WHERE i.report_id = ? AND i.is_primary = 1 ORDER BY i.rowid"""
# the view's label of a code for a template: the template's own (or 'both') label, else any label of the code
_LABELS = """
SELECT c.tbl, c.kind, c.code, r.template,
  COALESCE((SELECT label_zh FROM codebook WHERE tbl=c.tbl AND kind=c.kind AND code=c.code
     AND template IN (r.template, 'both') LIMIT 1),
    (SELECT label_zh FROM codebook WHERE tbl=c.tbl AND kind=c.kind AND code=c.code LIMIT 1)),
  COALESCE((SELECT label_en FROM codebook WHERE tbl=c.tbl AND kind=c.kind AND code=c.code
     AND template IN (r.template, 'both') LIMIT 1),
    (SELECT label_en FROM codebook WHERE tbl=c.tbl AND kind=c.kind AND code=c.code LIMIT 1))
FROM (SELECT DISTINCT tbl, kind, code FROM codebook) c, (SELECT DISTINCT template FROM reports) r"""


def view_sha256(sql: str) -> str:
    return hashlib.sha256(re.sub(r"\s+", " ", sql or "").strip().encode("utf-8")).hexdigest()


class Assembler:
    """Typed batches and CSV text of the panel rows of a list of reports, in the list's order."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.labels = {(t, k, c, tpl): (zh, en) for t, k, c, tpl, zh, en in conn.execute(_LABELS)}
        self.four: dict[tuple, tuple] = {}  # (tbl, row, col, template) → the row's and the column's labels

    def _four(self, t, r, c, tpl) -> tuple:
        if len(self.four) > 200_000:  # bounded: codes are few, but a corrupt table could print many
            self.four.clear()
        none2 = (None, None)
        out = self.four[(t, r, c, tpl)] = self.labels.get((t, "row", r, tpl), none2) + self.labels.get((t, "column", c, tpl), none2)
        return out

    def batches(self, report_ids: list[str], schema: pa.Schema, batch_rows: int) -> Iterator[tuple[pa.RecordBatch, bytes, int]]:
        report_at = [schema.get_field_index(c) for c in REPORT_COLUMNS]
        cell_at = [schema.get_field_index(c) for c in CELL_COLUMNS]
        tpl_i = REPORT_COLUMNS.index("template")
        rows: list[tuple] = []
        index: list[int] = []
        reports: list[tuple] = []
        four = self.four
        for rid in report_ids:
            rep = self.conn.execute(_REPORTS, (rid,)).fetchone()
            if rep is None:
                continue
            tpl, k = rep[tpl_i], len(reports)
            cells = [(t, r, c) + (four.get((t, r, c, tpl)) or self._four(t, r, c, tpl)) + (v, u, raw, d, p)
                     for t, r, c, v, u, raw, d, p in self.conn.execute(_CELLS, (rid,))]
            cells += self.conn.execute(_PRE2019, (rid,)).fetchall()
            if not cells:
                continue
            reports.append(rep)
            rows += cells
            index += [k] * len(cells)
            if len(rows) >= batch_rows:
                yield self._batch(rows, index, reports, schema, report_at, cell_at)
                rows, index, reports = [], [], []
        if rows:
            yield self._batch(rows, index, reports, schema, report_at, cell_at)

    @staticmethod
    def _batch(rows, index, reports, schema, report_at, cell_at):
        cols: list = [None] * len(schema)
        take = pa.array(index, type=pa.int32())
        for values, at in zip(zip(*reports), report_at):
            typed, text = export_format.arrow_column(values, schema.field(at).type, at)
            cols[at] = (typed.take(take), text.take(take))
        for values, at in zip(zip(*rows), cell_at):
            cols[at] = values
        rb, text = export_format.batch_columns(cols, schema, len(rows))
        return rb, text, len(rows)


def assembler(conn: sqlite3.Connection) -> Optional[Assembler]:
    """The assembler when the database's panel view is the one it was written from, else None."""
    row = conn.execute("select sql from sqlite_master where type = 'view' and name = 'panel'").fetchone()
    if not row or view_sha256(row[0]) != VIEW_SHA256:
        return None
    names = [d[0] for d in conn.execute("select * from panel limit 0").description]
    if tuple(names) != COLUMNS:
        return None
    return Assembler(conn)
