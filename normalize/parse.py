"""Parse one report: `Document` -> the dict printed by `ogi parse --json`.

    {"template", "year", "agency", "agency_source", "agency_printed", "published", "title", "level", "region", "t3_rows", "needs_ocr",
     "sections": {code: text}, "cells": [...], "checks": [...], "issues": [...],
     "indicators": [...]}   # pre-2019 reports: normalize/indicators (empty for the 2019/2021 layouts)

`parse_document` is pure. `parse_path` reads a file through `normalize.extract.extract_path`
(falling back to the plain-text dump reader for .txt files when the extractor package does not
provide `extract_path`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from . import checks, indicators, layout, meta, sections, tables
from .document import Document, Paragraph, Table

CELL_KEYS = ("table", "row", "col", "value", "raw", "unit", "page", "remark", "table_index", "grid_row", "grid_col")


def _sanitised(doc: Document) -> Document:
    """The same document with None cells as "" and None texts as "" (extractors should not give them)."""
    blocks = []
    for b in doc.blocks:
        if isinstance(b, Table):
            rows = [["" if c is None else str(c) for c in (r or [])] for r in (b.rows or [])]
            blocks.append(Table(rows=rows, index=b.index, page=b.page, row_pages=list(b.row_pages or []),
                                ragged=b.ragged))
        elif isinstance(b, Paragraph):
            blocks.append(Paragraph(b.text or "", b.page))
    return Document(blocks=blocks, format=doc.format, pages=doc.pages, meta=dict(doc.meta or {}),
                    needs_ocr=doc.needs_ocr, issues=list(doc.issues or []))


def parse_document(doc: Document, hints: Optional[dict] = None) -> dict:
    hints = hints or {}
    doc = _sanitised(doc)
    issues: list[dict] = [
        {"level": i.level, "rule": i.rule, "message": i.message, "source": "extract"} for i in (doc.issues or [])
    ]
    lay = layout.detect(doc)
    template = lay["template"]
    md = meta.extract_meta(doc, hints)
    secs = sections.find_sections(doc)
    cells, t_issues = tables.extract_cells(doc, lay)
    issues += t_issues
    if lay["mixture"]:
        issues.append({"level": "info", "rule": "template_mixture",
                       "message": f"table 2 is {lay['t2']}, table 3 rows are {lay['t3_rows']} "
                                  f"(markers {lay['markers']})"})
    if md["year"] is None:
        issues.append({"level": "warning", "rule": "no_year", "message": "report year not found in title or text"})
    if md["agency"] is None:
        issues.append({"level": "warning", "rule": "no_agency", "message": "agency not found"})
    if template == "unknown" and not doc.needs_ocr:
        issues.append({"level": "warning", "rule": "unknown_template",
                       "message": "no markers of the 2019 or 2021 tables nor of a pre-2019 report"})
    missing = [c for c in sections.SECTION_CODES if c not in secs and c not in sections.OPTIONAL_CODES]
    if missing and template in ("2019", "2021"):
        issues.append({"level": "info", "rule": "missing_sections", "message": f"sections not found: {missing}"})
    chk = checks.hard_checks(cells, template, lay["t3_rows"])
    chk += checks.narrative_checks(secs.get("overview"), cells, template)
    chk += checks.fee_statement_check(secs.get("other"), template)
    inds = indicators.extract_indicators(doc, secs, md["year"]) if indicators.applies(template, md["year"]) else []
    chk += indicators.indicator_checks(inds)
    return {
        "template": template,
        "year": md["year"],
        "agency": md["agency"],
        "agency_source": md["agency_source"],
        "agency_printed": md["agency_printed"],
        "published": md["published"],
        "title": md["title"],
        "level": md["level"],
        "region": md["region"],
        "t3_rows": lay["t3_rows"],
        "needs_ocr": bool(doc.needs_ocr),
        "sections": secs,
        "cells": [{k: c.get(k) for k in CELL_KEYS} for c in cells],
        "checks": chk,
        "issues": issues,
        "indicators": inds,
    }


def load_document(path) -> Document:
    """Read a file into a Document (never raises on bad input: problems become document issues)."""
    from .extract import extract_path

    return extract_path(Path(path))


def parse_path(path, hints: Optional[dict] = None) -> dict:
    return parse_document(load_document(path), hints)
