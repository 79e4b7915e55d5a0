"""Database side of the pre-2019 indicators: rows for `indicators`, and the static tables
`codebook_pre2019` and `indicator_mapping` (from codebook_pre2019.csv and mapping.csv).

Used by `normalize.build` (one call per report, one call per build); the tables and the
`indicator_series` view are created by the schema migration `pre2019_indicators`.
"""
from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Optional

from . import codebook
from .checks import indicator_checks
from .merge import remerge

# one agency's series of a headline measure read from the panel: the pre-2019 statements (tbl 'pre2019')
# and the 2019/2021 cells, joined through indicator_mapping (a part_of_sum measure lists its parts per year)
PANEL_SERIES_SQL = """
    select p.year, p.template, p.tbl, p.row_code, p.col_code, p.value, p.raw, p.report_id
    from panel p join indicator_mapping m
      on (p.tbl = 'pre2019' and p.row_code = m.pre2019_code and p.col_code = 'year')
      or (p.tbl = m.tbl and p.row_code = m.row_code and p.col_code = m.col_code and p.template = m.layout)
    where p.report_id in (select id from reports where agency = :agency) and m.measure = :measure
    group by p.report_id, p.tbl, p.row_code, p.col_code order by p.year
"""

MEASURES = ("requests_new", "replies_granted", "replies_partial", "admin_review", "admin_litigation", "fee_amount")


def mapping_rows() -> list[dict]:
    text = resources.files("normalize.indicators").joinpath("mapping.csv").read_text(encoding="utf-8")
    known = codebook.load()
    out = []
    for i, r in enumerate(csv.DictReader(io.StringIO(text))):
        if r["pre2019_code"] not in known:
            raise ValueError(f"mapping.csv: unknown pre-2019 code {r['pre2019_code']}")
        out.append({"measure": r["measure"], "pre2019_code": r["pre2019_code"], "layout": r["layout"],
                    "tbl": r["tbl"] or None, "row_code": r["row_code"] or None, "col_code": r["col_code"] or None,
                    "relation": r["relation"], "note": r["note"], "ordinal": i})
    return out


def write_static(db) -> None:
    db["codebook_pre2019"].insert_all(codebook.rows())
    db["indicator_mapping"].insert_all(mapping_rows())


def report_rows(report_id: str, document_id: str, document_sha256: Optional[str], result: dict) -> list[dict]:
    return [{
        "report_id": report_id, "document_id": document_id, "document_sha256": document_sha256,
        "code": i["code"], "value": i["value"], "unit": i.get("unit"), "period": i["period"], "raw": i["raw"],
        "sentence": i["sentence"], "where": i["where"], "family": i.get("family"),
        "is_primary": int(bool(i.get("primary"))),
        "conflict": json.dumps(i["conflict"], ensure_ascii=False) if i.get("conflict") else None,
        "ordinal": n,
    } for n, i in enumerate(result.get("indicators") or [])]


def for_report(report_id: str, docs: list, primary, checks: list[dict]) -> tuple[list[dict], list[dict]]:
    """`indicators` rows of one report and its checks with the pre-2019 ones recomputed.

    The primary document's statements, plus the statistics-table statements of the report's other
    documents (a 统计表 attached as DOC/XLS/PDF to a page that carries the prose) for the (code, period)
    pairs the primary document has no table statement of, so that a copy of the same table in a PDF
    of the page is not counted twice. Re-stamped duplicates (`_duplicate_of`) add nothing. `docs` are
    the build's parsed documents (`.id`, `.fetch.sha256`, `.result`).
    """
    items = [dict(i, _doc=primary) for i in primary.result.get("indicators") or []]
    have = {(i["code"], i["period"]) for i in items if i["where"] == "table"}
    for d in docs:
        if d is primary or d.result.get("_duplicate_of"):
            continue
        extra = [i for i in d.result.get("indicators") or []
                 if i["where"] == "table" and (i["code"], i["period"]) not in have]
        have |= {(i["code"], i["period"]) for i in extra}
        items += [dict(i, _doc=d) for i in extra]
    if not items:
        return [], checks
    merged = remerge([{k: v for k, v in i.items() if k != "_doc"} for i in items])
    rows = []
    for n, (i, src) in enumerate(zip(merged, items)):
        rows += [dict(r, ordinal=n) for r in report_rows(report_id, src["_doc"].id, src["_doc"].fetch.sha256,
                                                           {"indicators": [i]})]
    if len(items) > len(primary.result.get("indicators") or []):  # other documents added statements
        checks = [c for c in checks if not str(c.get("rule", "")).startswith("pre")] + indicator_checks(merged)
    return rows, checks
