"""Trust in OCR'd numbers: every parsed cell of an OCR'd document gets its evidence, and doubtful ones
an issue row.

`annotate(result, doc)` (called by `parse.parse_document` when `doc.meta['ocr']` exists):
- result['ocr'] = {"engine", "pages": per-page figures (dpi, skew, boxes, tables, mean_conf),
  "cells": [{table, row, col, raw, conf, page, box}]} for every code-book cell read by OCR;
- a warning 'ocr_low_confidence' for every code-book cell whose recognition score is under
  LOW_CONFIDENCE below, naming the cell, its raw text, score, page and box (points).
Identities that fail after OCR are the ordinary `checks` rows. Nothing is corrected: a doubtful
value stays as read, and is flagged.
"""
from __future__ import annotations

from .document import Document

LOW_CONFIDENCE = 0.80  # measured: right digits score ≥ 0.58, mostly ≥ 0.8; misreads ("。", "o") 0.3–0.5


def annotate(result: dict, doc: Document) -> None:
    meta = (doc.meta or {}).get("ocr")
    if not meta:
        return
    by_pos = {(c[0], c[1], c[2]): c for c in meta.get("cells") or []}
    cells = []
    for cell in result.get("cells") or []:
        key = (cell.get("table_index"), cell.get("grid_row"), cell.get("grid_col"))
        ev = by_pos.get(key)
        if ev is None:
            continue
        _t, _r, _c, raw, conf, page, box = ev
        cells.append({"table": cell["table"], "row": cell["row"], "col": cell["col"], "raw": raw, "conf": conf,
                      "page": page, "box": box})
        if conf is not None and conf < LOW_CONFIDENCE and cell.get("raw"):
            result["issues"].append({
                "level": "warning", "rule": "ocr_low_confidence", "table": cell["table"], "row": cell["row"],
                "col": cell["col"],
                "message": f"{cell['table']}.{cell['row']}.{cell['col']}: {cell.get('raw')!r} read by OCR with "
                           f"confidence {conf:.2f} (page {page}, box {box})"})
    result["ocr"] = {"engine": meta.get("engine"), "pages": meta.get("pages"), "cells": cells}
