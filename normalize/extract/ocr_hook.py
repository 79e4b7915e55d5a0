"""Where OCR runs: only on what has no usable text layer.

`apply_ocr(doc, data, fmt, limits)` is called by `extract_bytes` for a Document marked needs_ocr (or a
PDF with some image-only pages, 'partly_scanned'):
- an image (png/jpeg/tiff/…): every frame is OCR'd (images too small to hold a page are left alone);
- a PDF: the pages listed in meta['image_pages'] (or every page when the whole text layer is missing or
  garbled) are rendered and OCR'd; their blocks take the place of those pages, text pages keep their
  text-layer blocks.
After OCR the Document is no longer needs_ocr (it has text), meta['ocr'] holds the engine, per-page
figures and every table cell's confidence, page and box, and an info issue 'ocr_applied' says so. When
OCR finds no text, the document stays needs_ocr with its warning; when OCR fails (time or memory limit,
engine missing), an 'ocr_failed' warning is added and the document stays needs_ocr. OGI_OCR=0 turns
OCR off.
"""
from __future__ import annotations

from ..document import DocIssue, Document, Paragraph, Table
from . import ocr

MIN_SIDE = 200  # pixels: an image smaller than this cannot hold a report page


def apply_ocr(doc: Document, data: bytes, fmt: str, limits) -> Document:
    if not ocr.enabled():
        return doc
    if fmt == "image":
        info = doc.meta.get("image") or {}
        if min(info.get("width") or 0, info.get("height") or 0) < MIN_SIDE:
            return doc
        got = ocr.ocr_images([data], limits)
        pages = None
    else:
        pages = doc.meta.get("image_pages") or []
        garbled = any(i.rule == "garbled_text" for i in doc.issues)
        if garbled or not pages:
            pages = list(range(1, (doc.pages or 0) + 1))
        pages = pages[: ocr.MAX_OCR_PAGES]
        if not pages:
            return doc
        got = ocr.ocr_pdf_pages(data, pages, limits)
    return merge(doc, got, pages)


def merge(doc: Document, got: Document, pages, placed: list | None = None) -> Document:
    """Put OCR'd blocks in place of the scanned pages' (none) blocks; keep every issue. `placed`: the
    final block order, when the caller has put the OCR'd blocks among the document's own."""
    failed = [i for i in got.issues if i.level == "error"]
    doc.issues.extend(DocIssue("ocr_failed" if i.rule not in ("timeout", "memory_limit") else i.rule,
                               i.message, "warning") for i in failed)
    doc.issues.extend(i for i in got.issues if i.level != "error")
    if not got.blocks:
        return doc
    if pages is not None:  # OCR page k is PDF page pages[k-1]
        for b in got.blocks:
            b.page = pages[b.page - 1] if b.page else b.page
            if isinstance(b, Table):
                b.row_pages = [pages[p - 1] if p else p for p in b.row_pages]
        for c in got.meta["ocr"]["cells"]:
            c[5] = pages[c[5] - 1] if c[5] else c[5]
        for st in got.meta["ocr"]["pages"]:
            st["page"] = pages[st["page"] - 1]
    kept = [b for b in doc.blocks if pages is None or (b.page not in pages)]
    n_old_tables = sum(1 for b in kept if isinstance(b, Table))
    blocks = placed if placed is not None else sorted(kept + got.blocks, key=lambda b: (b.page or 0))  # stable
    ti = 0
    shift = {}
    for b in blocks:
        if isinstance(b, Table):
            if any(b is g for g in got.blocks):
                shift[b.index] = ti
            b.index = ti
            ti += 1
    meta = got.meta["ocr"]
    for c in meta["cells"]:
        c[0] = shift.get(c[0], c[0])
    doc.blocks = blocks
    doc.meta["ocr"] = meta
    doc.needs_ocr = False
    doc.issues = [i for i in doc.issues if i.rule not in ("needs_ocr", "partly_scanned", "garbled_text")]
    confs = [st["mean_conf"] for st in meta["pages"] if st.get("mean_conf") is not None]
    doc.issues.append(DocIssue("ocr_applied", f"{len(meta['pages'])} page(s) read by OCR ({meta['engine']}); "
                               f"mean confidence {sum(confs) / len(confs):.3f}" if confs else "no text found", "info"))
    _ = n_old_tables, Paragraph
    return doc
