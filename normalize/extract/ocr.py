"""OCR of page images into the intermediate Document (scanned PDFs, image attachments, 图片版 pages).

Engine: RapidOCR (`rapidocr-onnxruntime`, pinned in pyproject.toml): PaddleOCR's PP-OCRv4 Chinese
detection and recognition models, shipped inside the wheel and run on onnxruntime. Nothing is
downloaded: `engine()` refuses model files that are not inside the installed package. Threads are
limited (`OGI_OCR_THREADS`, default 1 intra-op thread; build workers already run in parallel).
Chosen over Debian's tesseract-ocr-chi-sim after measuring both on the same scans
(benchmarks/ocr_accuracy.py; docs/NOTES.md "OCR").

Per page (`read_page`):
1. scale to a working resolution (150–220 dpi), deskew (image_tables.deskew);
2. find ruled tables (image_tables.find_grids) and paint the rules out (a rule next to "0" reads "¥0");
3. detect text boxes on the cleaned page; a box that crosses a cell border is cut there, so one box
   never feeds two cells; recognise every piece (one batch);
4. pieces in a table go to the cell that holds their centre; the others form text lines.
Cells and lines are given in PDF points (72/dpi) and handed to the PDF extractor's assembly
(`pdf._drop_furniture`, `pdf._assemble`): a table continued on the next image is one table, page
numbers are dropped, lines join into paragraphs, exactly as for text PDFs.

Every cell keeps its OCR evidence: the text is an `OcrText` (a str) carrying the recognition score
(lowest of its pieces), page and box; `ocr_document` collects them into
`Document.meta['ocr']['cells']` keyed by the final table index and grid position, which
`normalize.ocr_trust` attaches to the parsed cells (low confidence → issue rows).

OCR runs inside `limits.run_isolated` (memory cap, wall time per page) in `ocr_images` /
`ocr_pdf_pages`; callers get a Document with an 'ocr_failed' / 'timeout' issue instead of an exception.
"""
from __future__ import annotations

import io
import os
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from ..document import DocIssue, Document, ExtractError
from . import image_tables as it

ENGINE_NAME = "rapidocr-onnxruntime PP-OCRv4"
WORK_DPI = 200  # pages are read at this resolution (scans above it are scaled down)
MIN_DPI = 200  # scans under this are scaled up (small digits are missed by detection at 150 dpi)
PDF_RENDER_DPI = 200
MAX_OCR_PAGES = 60
PAGE_SECONDS = 180.0  # wall time allowed per page (a page takes 5-15 s on one idle core; 50 s seen under load 14)
MAX_PIXELS = 40_000_000  # a page image larger than this is refused (decompression bombs)


class OcrText(str):
    """A cell's text with its OCR evidence: conf (0..1), page, box (x0, top, x1, bottom in points)."""

    conf: Optional[float] = None
    page: Optional[int] = None
    box: Optional[tuple] = None

    def __new__(cls, text: str, conf=None, page=None, box=None):
        s = super().__new__(cls, text)
        s.conf, s.page, s.box = conf, page, box
        return s

    def __reduce__(self):
        return (OcrText, (str(self), self.conf, self.page, self.box))


_ENGINE = None


def models_dir() -> Path:
    import rapidocr_onnxruntime

    return Path(rapidocr_onnxruntime.__file__).resolve().parent / "models"


def engine():
    """The RapidOCR engine, created once per process, from the models inside its wheel only."""
    global _ENGINE
    if _ENGINE is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as e:  # pragma: no cover - the package is a pinned dependency
            raise ExtractError("ocr_unavailable", f"rapidocr-onnxruntime is not installed: {e}") from e
        threads = max(1, int(os.environ.get("OGI_OCR_THREADS", "1")))
        # detection on a page scaled to ≤ 1600 px (text stays ≥ 14 px high); recognition pads short
        # crops to 160 px instead of 320 (most table cells are one or two digits): 2-3× faster, same text
        eng = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, det_limit_type="max",
                       det_limit_side_len=1600)
        eng.text_rec.rec_image_shape = [3, 48, 160]
        inside = models_dir()
        for infer in (eng.text_det.infer, eng.text_rec.session):
            path = Path(infer.session._model_path).resolve()
            if inside not in path.parents:
                raise ExtractError("ocr_unavailable", f"OCR model outside the installed package: {path}")
        _ENGINE = eng
    return _ENGINE


# --------------------------------------------------------------------------- images

def decode_image(data: bytes) -> list[np.ndarray]:
    """Grey frames of an image file (every frame of a multi-page TIFF). Refuses huge images."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    out = []
    try:
        with Image.open(io.BytesIO(data)) as im:
            n = getattr(im, "n_frames", 1)
            for i in range(min(n, MAX_OCR_PAGES)):
                im.seek(i)
                if im.size[0] * im.size[1] > MAX_PIXELS:
                    raise ExtractError("too_large", f"image of {im.size[0]}×{im.size[1]} pixels is over the limit")
                frame = ImageOps.exif_transpose(im) if i == 0 else im
                out.append(np.asarray(frame.convert("L")))
    except ExtractError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ExtractError("corrupt_image", f"image cannot be decoded: {type(e).__name__}: {e}"[:300]) from e
    return out


def _guess_dpi(gray: np.ndarray) -> float:
    """A report page is A4 (210 mm wide, or 297 mm when landscape): dpi from the image width."""
    h, w = gray.shape
    inches = 11.69 if w > h else 8.27
    return max(50.0, w / inches)


def _to_work(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    import cv2

    if dpi > WORK_DPI * 1.1:
        f = WORK_DPI / dpi
        gray = cv2.resize(gray, (int(gray.shape[1] * f), int(gray.shape[0] * f)), interpolation=cv2.INTER_AREA)
        return gray, WORK_DPI
    if dpi < MIN_DPI * 0.95:
        f = MIN_DPI / dpi
        gray = cv2.resize(gray, (int(gray.shape[1] * f), int(gray.shape[0] * f)), interpolation=cv2.INTER_CUBIC)
        return gray, MIN_DPI
    return gray, dpi


# --------------------------------------------------------------------------- one page

@dataclass
class _Piece:
    x0: int
    y0: int
    x1: int
    y1: int
    grid: Optional[int] = None
    cell: Optional[int] = None
    text: str = ""
    conf: float = 0.0

    @property
    def cy(self):
        return (self.y0 + self.y1) / 2


def _split_on_borders(box: tuple, grids: list[it.Grid]) -> list[_Piece]:
    x0, y0, x1, y1 = box
    cy = (y0 + y1) / 2
    for gi, g in enumerate(grids):
        gx0, gy0, gx1, gy1 = g.bbox
        if not (gy0 <= cy <= gy1 and x1 > gx0 and x0 < gx1):
            continue
        cuts = [x for x in g.xs if x0 + 2 < x < x1 - 2]
        edges = [x0] + cuts + [x1]
        pieces = []
        for a, b in zip(edges, edges[1:]):
            if b - a < 4:
                continue
            cell = it.cell_at(g, (a + b) / 2, cy)
            if pieces and cell is not None and pieces[-1].cell == cell:
                pieces[-1].x1 = b  # no rule there: the same merged cell
                continue
            pieces.append(_Piece(a, y0, b, y1, gi if cell is not None else None, cell))
        return pieces
    return [_Piece(x0, y0, x1, y1)]


def _join_line(pieces: list[_Piece]) -> str:
    from .cells import is_cjk

    out = ""
    prev = None
    for p in sorted(pieces, key=lambda p: p.x0):
        t = p.text.strip()
        if not t:
            continue
        if out and prev is not None:
            gap = p.x0 - prev.x1
            h = max(p.y1 - p.y0, 1)
            if not (is_cjk(out[-1]) or is_cjk(t[0])) and gap > 0.3 * h:
                out += " "
        out += t
        prev = p
    return out


def _group_lines(pieces: list[_Piece]) -> list[list[_Piece]]:
    lines: list[list[_Piece]] = []
    for p in sorted(pieces, key=lambda p: (p.cy, p.x0)):
        if lines:
            last = lines[-1]
            top = min(q.y0 for q in last)
            bottom = max(q.y1 for q in last)
            h = bottom - top
            if top + 0.25 * h <= p.cy <= bottom - 0.25 * h:
                last.append(p)
                continue
        lines.append([p])
    return lines


_FIX = str.maketrans({"，": "，", "\u3000": " "})


def _normalise(text: str) -> str:
    t = text.translate(_FIX).strip()
    # digits read with a stray rule-like mark at either end ("|0", "0|") where a rule was painted out
    t = re.sub(r"^[|丨｜]+(?=\d)|(?<=\d)[|丨｜]+$", "", t)
    return t


def _tight(crop: np.ndarray) -> np.ndarray:
    """The crop cut to its ink plus 3 px. Detection boxes are generous; a lone digit with white space
    around it is read as "。" or "o" (measured on ReportLab scans: 137 of 148 digits right tight,
    130 as detected, 2 with a wide margin)."""
    import cv2

    gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    if gray.size == 0:
        return crop
    _t, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    ys, xs = np.nonzero(ink)
    if len(xs) == 0 or _t > 250:
        return crop
    return crop[max(0, ys.min() - 3):ys.max() + 4, max(0, xs.min() - 3):xs.max() + 4]


def _missed_cells(clean: np.ndarray, grids: list, pieces: list[_Piece]) -> list[_Piece]:
    """Cells with ink but no detected text: the detector misses a lone small digit in a tall cell. Each
    such cell is recognised as one piece (its ink, cut tight)."""
    import cv2

    covered = {(p.grid, p.cell) for p in pieces if p.grid is not None}
    out = []
    _t, ink = cv2.threshold(clean, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # noise specks
    for gi, g in enumerate(grids):
        for cid, (x0, y0, x1, y1) in g.boxes.items():
            if (gi, cid) in covered:
                continue
            m = 4
            region = ink[y0 + m:y1 - m, x0 + m:x1 - m]
            if region.size == 0 or int(np.count_nonzero(region)) < 12:
                continue
            ys, xs = np.nonzero(region)
            out.append(_Piece(x0 + m + int(xs.min()), y0 + m + int(ys.min()), x0 + m + int(xs.max()) + 1,
                              y0 + m + int(ys.max()) + 1, gi, cid))
    return out


def rapid_pieces(clean: np.ndarray, grids: list) -> list[_Piece]:
    """Text pieces of a page whose rules are painted out: RapidOCR detection, boxes cut at cell borders,
    recognition of every piece in batches."""
    import cv2

    eng = engine()
    bgr = cv2.cvtColor(clean, cv2.COLOR_GRAY2BGR)
    boxes, _ = eng.text_det(bgr)
    pieces: list[_Piece] = []
    H, W = clean.shape
    for quad in (boxes if boxes is not None else []):
        xs, ys = quad[:, 0], quad[:, 1]
        box = (max(0, int(xs.min())), max(0, int(ys.min())), min(W, int(xs.max()) + 1), min(H, int(ys.max()) + 1))
        if box[2] - box[0] < 3 or box[3] - box[1] < 3:
            continue
        pieces.extend(_split_on_borders(box, grids))
    pieces.extend(_missed_cells(clean, grids, pieces))
    crops = [_tight(bgr[max(0, p.y0 - 2):p.y1 + 2, max(0, p.x0 - 2):p.x1 + 2]) for p in pieces]
    if crops:
        res, _ = eng.text_rec(crops)
        for p, (text, score) in zip(pieces, res):
            p.text, p.conf = _normalise(text), float(score)
    return pieces


def read_page(gray: np.ndarray, page_no: int, dpi: Optional[float] = None, recognise=None):
    """OCR one page image → (lines, tables, width_pt, height_pt, stats) for pdf._assemble.
    `recognise(clean_gray, grids) -> [_Piece]` replaces the engine (the benchmark compares tesseract)."""
    from .cells import clean_text
    from .pdf import _join_lines, _Line, _PTable

    dpi = dpi or _guess_dpi(gray)
    if np.count_nonzero(gray < 160) < 0.0002 * gray.size:  # nothing dark: a blank or flat page
        k = 72.0 / dpi
        return [], [], gray.shape[1] * k, gray.shape[0] * k, {"page": page_no, "dpi": round(dpi), "skew": 0.0,
                                                             "boxes": 0, "tables": 0, "mean_conf": None}
    gray, dpi = _to_work(gray, dpi)
    gray, angle = it.deskew(gray)
    hor, ver = it.rule_masks(gray)
    grids = it.find_grids(gray, hor, ver)
    clean = gray.copy()
    clean[it.line_mask(hor, ver) > 0] = 255
    H, W = gray.shape
    pieces = (recognise or rapid_pieces)(clean, grids)
    pieces = [p for p in pieces if p.text]
    k = 72.0 / dpi

    def pt(v):
        return v * k

    # tables
    tables: list[_PTable] = []
    for gi, g in enumerate(grids):
        mine = [p for p in pieces if p.grid == gi]
        per_cell: dict[int, list[_Piece]] = {}
        for p in mine:
            per_cell.setdefault(p.cell, []).append(p)
        texts: dict[int, OcrText] = {}
        ink: dict[int, tuple] = {}
        for cid, ps in per_cell.items():
            lines = _group_lines(ps)
            text = clean_text(_join_lines(_join_line(ln) for ln in lines))
            x0, y0 = min(p.x0 for p in ps), min(p.y0 for p in ps)
            x1, y1 = max(p.x1 for p in ps), max(p.y1 for p in ps)
            texts[cid] = OcrText(text, round(min(p.conf for p in ps), 4), page_no,
                                 tuple(round(pt(v), 1) for v in (x0, y0, x1, y1)))
            ink[cid] = (pt(y0), pt(y1), pt(statistics.median(p.y1 - p.y0 for p in ps)))
        nr, nc = len(g.ys) - 1, len(g.xs) - 1
        rows = [[texts.get(g.cell_of[r][c], "") for c in range(nc)] for r in range(nr)]
        rowspan = {}
        for r in range(nr):
            for c in range(nc):
                rowspan[g.cell_of[r][c]] = rowspan.get(g.cell_of[r][c], 0) + (1 if c == 0 or g.cell_of[r][c - 1] != g.cell_of[r][c] else 0)
        x0, y0, x1, y1 = g.bbox
        t = _PTable(rows=rows, cell_of=[list(r) for r in g.cell_of], rowspan=rowspan,
                    bbox=(pt(x0), pt(y0), pt(x1), pt(y1)), page=page_no, row_pages=[page_no] * nr,
                    boxes={cid: tuple(pt(v) for v in b) for cid, b in g.boxes.items()}, ink=ink)
        t._xs = [pt(x) for x in g.xs]  # type: ignore[attr-defined]
        t._ys = [pt(y) for y in g.ys]  # type: ignore[attr-defined]
        tables.append(t)
    # text lines outside tables
    lines_out: list[_Line] = []
    for ln in _group_lines([p for p in pieces if p.grid is None]):
        text = clean_text(_join_line(ln))
        if text:
            lines_out.append(_Line(text, pt(min(p.x0 for p in ln)), pt(min(p.y0 for p in ln)),
                                   pt(max(p.x1 for p in ln)), pt(max(p.y1 for p in ln)), page_no))
    confs = [p.conf for p in pieces]
    stats = {"page": page_no, "dpi": round(dpi), "skew": angle, "boxes": len(pieces), "tables": len(grids),
             "mean_conf": round(sum(confs) / len(confs), 4) if confs else None}
    return lines_out, tables, pt(W), pt(H), stats


# --------------------------------------------------------------------------- documents

def assemble(pages: list) -> Document:
    """Pages read by `read_page` → one Document (tables continued across pages are merged)."""
    from .pdf import _assemble, _drop_furniture
    from ..document import Table

    pages_lines = [p[0] for p in pages]
    pages_tables = [[t for t in p[1] if any(any(c for c in r) for r in t.rows)] for p in pages]
    widths = [p[2] for p in pages]
    heights = [p[3] for p in pages]
    _drop_furniture(pages_lines, heights)
    blocks = _assemble(pages_lines, pages_tables, widths) if pages else []
    doc = Document(blocks=[], format="image", pages=len(pages))
    cells = []
    ti = 0
    for b in blocks:
        if isinstance(b, Table):
            b.index = ti
            for r, row in enumerate(b.rows):
                for c, text in enumerate(row):
                    if isinstance(text, OcrText) and text:
                        cells.append([ti, r, c, str(text), text.conf, text.page, list(text.box or ())])
            b.rows = [[str(x) for x in row] for row in b.rows]
            ti += 1
        else:
            b.text = str(b.text)
        doc.blocks.append(b)
    doc.meta["ocr"] = {"engine": ENGINE_NAME, "pages": [p[4] for p in pages], "cells": cells}
    return doc


def ocr_grays(frames: list[tuple[np.ndarray, Optional[float]]], deadline: float, recognise=None) -> Document:
    pages = []
    issues = []
    for i, (gray, dpi) in enumerate(frames[:MAX_OCR_PAGES]):
        if time.monotonic() > deadline:
            issues.append(DocIssue("timeout", f"OCR stopped after {i} of {len(frames)} pages: time limit", "warning"))
            break
        pages.append(read_page(gray, i + 1, dpi, recognise))
    if len(frames) > MAX_OCR_PAGES:
        issues.append(DocIssue("too_many_pages", f"only the first {MAX_OCR_PAGES} of {len(frames)} images were read", "warning"))
    doc = assemble(pages)
    doc.issues.extend(issues)
    return doc


def _ocr_image_files(datas: list[bytes], seconds: float) -> Document:
    frames = []
    bad = []
    for n, data in enumerate(datas, 1):
        try:
            frames.extend((g, None) for g in decode_image(data))
        except ExtractError as e:
            bad.append(DocIssue(e.rule, f"image {n}: {e.message}", "warning"))
    doc = ocr_grays(frames, time.monotonic() + seconds)
    doc.issues[:0] = bad
    return doc


def _ocr_pdf(data: bytes, page_numbers: list[int], seconds: float) -> Document:
    import pypdfium2 as pdfium

    deadline = time.monotonic() + seconds
    pdf = pdfium.PdfDocument(data)
    frames = []
    try:
        for n in page_numbers[:MAX_OCR_PAGES]:
            page = pdf[n - 1]
            try:
                w, h = page.get_size()
                scale = min(PDF_RENDER_DPI / 72, (MAX_PIXELS / max(w * h, 1.0)) ** 0.5)  # huge pages: less
                img = page.render(scale=scale, grayscale=True).to_pil().convert("L")
                frames.append((np.asarray(img), scale * 72))
            finally:
                page.close()
    finally:
        pdf.close()
    return ocr_grays(frames, deadline)


def _isolated(fn, args, n_pages: int, limits) -> Document:
    from .limits import run_isolated

    seconds = PAGE_SECONDS * max(1, min(n_pages, MAX_OCR_PAGES))
    try:
        return run_isolated(fn, args + (seconds * 0.9,), timeout=seconds + 30,
                            max_memory_mb=max(getattr(limits, "max_memory_mb", 2048), 3072))
    except ExtractError as e:
        return Document(format="image", issues=[DocIssue(e.rule if e.rule in ("timeout", "memory_limit") else "ocr_failed",
                                                         f"OCR failed: {e.message}")])


def ocr_images(datas: list[bytes], limits=None) -> Document:
    """OCR image files (in page order) as one document, in an isolated child (memory and time bounded)."""
    return _isolated(_ocr_image_files, (list(datas),), len(datas), limits)


def ocr_pdf_pages(data: bytes, page_numbers: list[int], limits=None) -> Document:
    """OCR the given 1-based pages of a PDF (rendered at PDF_RENDER_DPI), isolated like `ocr_images`."""
    return _isolated(_ocr_pdf, (data, list(page_numbers)), len(page_numbers), limits)


def enabled() -> bool:
    """OCR can be switched off for a build (OGI_OCR=0): scans then stay needs_ocr, as before."""
    return os.environ.get("OGI_OCR", "1") not in ("0", "false", "no", "off")
