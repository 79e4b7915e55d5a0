"""Attachment files for the fixture portal: real minimal PDF and DOCX, OLE-signature stubs, images.

Imitates what PORTALS.md §3 and §8.3 say real portals attach to 年报 pages: PDF (most common),
DOCX, DOC/WPS/XLS (OLE compound files), scanned images for 图片版 reports.

Everything here is byte-stable: the same input gives the same bytes in every run.
- PDF: reportlab with ``invariant=1`` (fixed dates and document id) and the non-embedded CID font
  ``STSong-Light`` so the text layer is real Chinese (pdfplumber and pypdfium2 extract it).
- DOCX: python-docx, core properties set to fixed values, then the zip is rewritten with fixed
  timestamps (python-docx stamps zip members with the current time).
- DOC, WPS, XLS: only the OLE2 signature ``D0 CF 11 E0 A1 B1 1A E1`` plus deterministic filler. They are
  *signature-only* stubs (the manifest says so): sniffing works, parsing them does not.
- PNG: written with zlib by hand; JPEG: Pillow (installed with pdfplumber), fixed quality, no EXIF.
- Scans (`make_scans`): the report's own PDF rasterised page by page (pypdfium2), slightly turned,
  noisy, JPEG/PNG: 图片版 reports whose numbers OCR can read.

A document is described as a list of blocks (see ``generate.py``):
``('title', text)``, ``('h', text)``, ``('p', text)``, ``('table', [[cell, ...], ...])`` where a cell
is ``(text, rowspan, colspan)``.
"""
from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from datetime import datetime
from functools import lru_cache

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
FIXED_DT = datetime(2026, 1, 1, 0, 0, 0)
ZIP_DT = (2026, 1, 1, 0, 0, 0)


# ---------------------------------------------------------------- tables as grids


def table_grid(rows):
    """Expand a table given as rows of (text, rowspan, colspan) cells into a full grid.

    Returns (grid, spans): grid[r][c] is the text of the cell whose top-left is (r, c) or None where
    a merged cell covers the position; spans is a list of (r0, c0, r1, c1) for merged cells.
    """
    occupied = {}
    grid_cells = []
    ncols = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in occupied:
                c += 1
            grid_cells.append((r, c, text, rs, cs))
            for dr in range(rs):
                for dc in range(cs):
                    occupied[(r + dr, c + dc)] = True
            c += cs
            ncols = max(ncols, c)
    nrows = max([r for r, _ in occupied] + [len(rows) - 1]) + 1
    grid = [[None] * ncols for _ in range(nrows)]
    spans = []
    for r, c, text, rs, cs in grid_cells:
        grid[r][c] = text
        if rs > 1 or cs > 1:
            spans.append((r, c, r + rs - 1, c + cs - 1))
    return grid, spans


# ---------------------------------------------------------------- PDF


@lru_cache(maxsize=1)
def _pdf_setup():
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    styles = {
        "title": ParagraphStyle("t", fontName="STSong-Light", fontSize=16, leading=24, alignment=1,
                                spaceAfter=12, wordWrap="CJK"),
        "h": ParagraphStyle("h", fontName="STSong-Light", fontSize=12, leading=20, spaceBefore=6,
                            wordWrap="CJK"),
        "p": ParagraphStyle("p", fontName="STSong-Light", fontSize=10.5, leading=17, firstLineIndent=21,
                            wordWrap="CJK"),
        "cell": ParagraphStyle("c", fontName="STSong-Light", fontSize=7, leading=9, wordWrap="CJK"),
        "stamp": ParagraphStyle("s", fontName="STSong-Light", fontSize=9, leading=12, alignment=2,
                                wordWrap="CJK"),
    }
    return styles


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap(text: str, width: float, size: float) -> str:
    """Break a cell text into lines that fit `width` points (CJK glyphs are `size` wide, ASCII half)."""
    per_line = max(2.0, (width - 6) / size)
    lines = []
    for para in text.split("\n"):
        cur, w = "", 0.0
        for ch in para:
            cw = 0.5 if ord(ch) < 128 else 1.0
            if w + cw > per_line and cur:
                lines.append(cur)
                cur, w = "", 0.0
            cur += ch
            w += cw
        lines.append(cur)
    return "\n".join(lines)


def make_pdf(title: str, blocks, stamp: str | None = None, subject: str = "") -> bytes:
    """A real PDF with a Chinese text layer; tables are drawn as ruled grids (pdfplumber finds them)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    st = _pdf_setup()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, invariant=1, title=title, author="", subject=subject,
                            creator="", producer="", leftMargin=56, rightMargin=56, topMargin=56,
                            bottomMargin=56)
    flow = []
    for kind, payload in blocks:
        if kind == "title":
            flow.append(Paragraph(_esc(payload).replace("\n", "<br/>"), st["title"]))
        elif kind == "h":
            flow.append(Paragraph(_esc(payload), st["h"]))
        elif kind == "p":
            flow.append(Paragraph(_esc(payload), st["p"]))
        elif kind == "table":
            grid, spans = table_grid(payload)
            ncols = len(grid[0])
            width = A4[0] - 112
            if ncols >= 8:
                first = [58, 58, 50][: min(3, ncols)]
                rest = (width - sum(first)) / (ncols - len(first))
                widths = first + [rest] * (ncols - len(first))
            else:
                widths = [width * 0.34] + [width * 0.66 / (ncols - 1)] * (ncols - 1) if ncols > 1 else [width]
            data = []
            for row in grid:
                out_row = []
                c = 0
                for t in row:
                    span_w = widths[c]
                    for (r0, c0, r1, c1) in spans:
                        if (r0, c0) == (len(data), c):
                            span_w = sum(widths[c0:c1 + 1])
                    out_row.append(_wrap(t, span_w, 7) if t else "")
                    c += 1
                data.append(out_row)
            t = Table(data, colWidths=widths)
            style = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                     ("FONT", (0, 0), (-1, -1), "STSong-Light", 7, 9)]
            for r0, c0, r1, c1 in spans:
                style.append(("SPAN", (c0, r0), (c1, r1)))
            t.setStyle(TableStyle(style))
            flow.append(Spacer(1, 4))
            flow.append(t)
            flow.append(Spacer(1, 6))
    if stamp:
        flow.append(Spacer(1, 12))
        flow.append(Paragraph(_esc(stamp), st["stamp"]))
    doc.build(flow)
    return buf.getvalue()


# ---------------------------------------------------------------- DOCX


def _fix_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DT)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


_TBL_PROTO: dict = {}


def _docx_table(rows):
    """A w:tbl element for `rows`: built with python-docx once per table shape, then copied and filled.

    python-docx's cell merging recomputes the whole grid on every call (slow for 300-cell tables), and
    every report of one template has the same table shapes; only the texts differ.
    """
    import copy

    import docx
    from docx.oxml.ns import qn

    sig = tuple(tuple((rs, cs) for _, rs, cs in row) for row in rows)
    proto = _TBL_PROTO.get(sig)
    if proto is None:
        marked = [[(f"@@{r}.{i}@@", rs, cs) for i, (_, rs, cs) in enumerate(row)] for r, row in enumerate(rows)]
        grid, spans = table_grid(marked)
        ncols = len(grid[0])
        tmp = docx.Document()
        t = tmp.add_table(rows=len(grid), cols=ncols)
        t.style = "Table Grid"
        cells = t._cells  # computed once: table.cell(r, c) recomputes the grid on every call
        for r, row in enumerate(grid):
            for c, text in enumerate(row):
                if text:
                    cells[r * ncols + c].text = text
        for r0, c0, r1, c1 in spans:
            merged = cells[r0 * ncols + c0].merge(cells[r1 * ncols + c1])
            merged.text = grid[r0][c0] or ""
        proto = _TBL_PROTO[sig] = t._tbl
    tbl = copy.deepcopy(proto)
    texts = {f"@@{r}.{i}@@": text for r, row in enumerate(rows) for i, (text, _, _) in enumerate(row)}
    for node in tbl.iter(qn("w:t")):
        if node.text in texts:
            node.text = texts[node.text]
    return tbl


def make_docx(title: str, blocks) -> bytes:
    """A real DOCX (python-docx) with paragraphs and merged-cell tables; fixed metadata and zip times."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document()
    cp = d.core_properties
    cp.author = ""
    cp.last_modified_by = ""
    cp.title = title
    cp.created = FIXED_DT
    cp.modified = FIXED_DT
    cp.revision = 1
    for kind, payload in blocks:
        if kind == "title":
            for line in payload.split("\n"):
                p = d.add_paragraph(line)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind in ("h", "p"):
            d.add_paragraph(payload)
        elif kind == "table":
            body = d.element.body
            body.insert(len(body) - 1, _docx_table(payload))
    buf = io.BytesIO()
    d.save(buf)
    return _fix_zip(buf.getvalue())


# ---------------------------------------------------------------- OLE stubs


def make_ole_stub(kind: str, title: str, size: int = 1536) -> bytes:
    """A signature-only OLE2 compound-file stub (.doc/.wps/.xls): magic bytes, a plausible header, filler.

    Not a parseable document; the manifest marks these ``signature_only``.
    """
    header = bytearray(512)
    header[0:8] = OLE_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 0x0009, 0x0006)
    seed = hashlib.sha256(f"{kind}:{title}".encode("utf-8")).digest()
    filler = bytearray()
    while len(filler) < size - 512:
        seed = hashlib.sha256(seed).digest()
        filler += seed
    return bytes(header) + bytes(filler[: size - 512])


# ---------------------------------------------------------------- images


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def make_png(seed: str, width: int = 120, height: int = 170) -> bytes:
    """A small grayscale 'scanned page': white with dark text-like bars derived from the seed."""
    h = hashlib.sha256(seed.encode("utf-8")).digest()
    rows = []
    for y in range(height):
        line = bytearray([255] * width)
        band = y // 6
        if 2 < band < (height // 6) - 2 and y % 6 < 3:
            n = h[band % 32]
            start = 10 + (n % 7)
            end = width - 10 - (n % 23)
            for x in range(start, end):
                if (x + n) % 9 != 0:
                    line[x] = 40
        rows.append(b"\x00" + bytes(line))
    raw = b"".join(rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(raw, 9))
            + _png_chunk(b"IEND", b""))


def make_jpeg(seed: str) -> bytes:
    """A small JPEG made from the PNG page above (Pillow, fixed quality, no metadata)."""
    from PIL import Image

    img = Image.open(io.BytesIO(make_png(seed)))
    out = io.BytesIO()
    img.convert("L").save(out, format="JPEG", quality=70, optimize=False)
    return out.getvalue()


def make_scans(title: str, blocks, seed: str, dpi: int = 150) -> list[tuple[str, bytes]]:
    """A 图片版 report: the report's PDF (make_pdf) as page images, the way portals post scans — each page
    rasterised (pypdfium2) at `dpi`, turned by under 1° and given scanner noise; odd pages JPEG, even
    pages PNG (a clean export). Deterministic: noise comes from a generator seeded by `seed`."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(make_pdf(title, blocks))
    out = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            h = hashlib.sha256(f"{seed}:{i}".encode()).digest()
            angle = (h[0] / 255 - 0.5) * 1.2  # -0.6° .. +0.6°
            img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
            buf = io.BytesIO()
            if i % 2 == 0:
                rng = np.random.default_rng(int.from_bytes(h[:8], "big"))
                arr = np.asarray(img, dtype=np.float32) + rng.normal(0, 6, (img.height, img.width))
                Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=75)
                out.append(("jpg", buf.getvalue()))
            else:
                img.save(buf, "PNG", optimize=False, compress_level=6)
                out.append(("png", buf.getvalue()))
    finally:
        pdf.close()
    return out


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
