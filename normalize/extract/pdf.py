"""PDF → Document: pypdfium2 (PDFium) for text and ruling lines, pdfplumber's lattice algorithm for tables.

Opening: pypdfium2 (PDFium) opens the file; it tries the empty password, so owner-password-only
PDFs are read. A PDF that needs a user password → error 'encrypted_pdf'. A file without a %%EOF near
its end is 'truncated_pdf': an error when PDFium cannot open it, a warning when it can (PDFium
rebuilds the cross-reference table and we read the pages that survive). Other failures: 'corrupt_pdf'.
Only the first `Limits.max_pdf_pages` pages are read (warning 'too_many_pages').

Per page:
- Characters and their boxes come from PDFium's text layer (fast, and it honours ToUnicode maps that
  pdfminer sometimes gets wrong). Boxes are put in pdfplumber's coordinate system (top-left origin,
  /Rotate applied, as pdfminer does it), so both libraries agree.
- Table geometry: the axis-parallel segments of every painted path (also inside form XObjects) are read
  from PDFium and handed, as explicit edges, to pdfplumber's lattice finder (extract/lattice.py: `TableFinder` with its two quadratic steps indexed; the algorithm of
  `find_tables` with its default snap/join/intersection tolerances). This gives the same cells as
  pdfplumber's own ruling-line strategy without pdfminer interpreting every content stream (which took
  ~85% of the time). Only on pages that have path objects (no lines, no lattice table) and not too many
  objects (`Limits.max_page_objects`, warning 'tables_skipped'). Cells become a full grid from their
  edges: a merged cell repeats its text in every grid position it covers. Characters go to the cell containing their centre; a cell's lines
  are joined with no separator between CJK fragments, so vertical labels written one character per line
  read 本年度. When PDFium shows a text object with no characters of its text layer inside (it drops
  glyphs of some non-embedded CID fonts), the page is also read by pdfplumber and a cell PDFium leaves
  empty gets pdfplumber's text.
- The other characters form lines; page furniture is dropped (page numbers such as "- 3 -", "第3页",
  "3/12", and lines repeated in the top/bottom margin of most pages). Lines join into paragraphs when the
  previous line reaches the right margin and the next one is not indented, also across a page break.

Across pages: a table that ends its page and a table that starts the next page with the same columns
are one table. "Same columns": the same outer edges, and the column edges of one part are all edges of
the other (a continuation whose rows all span two columns lacks that inner edge; both parts are put on
the finer grid). Repeated header rows at the top of the continuation are dropped, `row_pages` records
the page of every row, and a vertically merged label cell cut by the page break is repeated into the
continuation (as a full grid requires); when its text itself was cut (Word and LibreOffice flow the
rest of an overflowing cell onto the next page: "三、本年度办" | "理结果"), the pieces are joined.

OCR: a PDF with (almost) no text layer gets needs_ocr=True and a warning 'needs_ocr'
(meta['image_pages'] lists image-only pages; some such pages among text pages give 'partly_scanned').
Text that is mostly private-use or replacement characters (fonts without a Unicode map) gets
needs_ocr=True and a warning 'garbled_text'.
"""
from __future__ import annotations

import bisect
import io
import re
import statistics
import struct
import time
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Optional

from ..document import DocIssue, Document, Paragraph, Table
from .cells import clean_text, finish_grid, is_cjk, join_pieces
from .limits import DEFAULT_LIMITS, Limits


class _Char:
    """One character and its box (pdfplumber coordinates); its centre is computed once."""

    __slots__ = ("ch", "x0", "top", "x1", "bottom", "cx", "cy")

    def __init__(self, ch: str, x0: float, top: float, x1: float, bottom: float):
        self.ch, self.x0, self.top, self.x1, self.bottom = ch, x0, top, x1, bottom
        self.cx = (x0 + x1) / 2
        self.cy = (top + bottom) / 2

    def __repr__(self):
        return f"_Char({self.ch!r}, {self.x0}, {self.top}, {self.x1}, {self.bottom})"


@dataclass(slots=True)
class _Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int

    @property
    def height(self):
        return max(self.bottom - self.top, 1.0)


@dataclass
class _PTable:
    rows: list  # raw grid (list of list of str)
    cell_of: list  # same shape: cell id per position (or -1)
    rowspan: dict  # cell id -> number of grid rows it covers
    bbox: tuple  # x0, top, x1, bottom
    page: int
    row_pages: list = field(default_factory=list)
    boxes: dict = field(default_factory=dict)  # cell id -> (x0, top, x1, bottom) on its page
    ink: dict = field(default_factory=dict)  # cell id -> (top, bottom, line height) of its characters


_UNTYPED: dict = {}


def _untyped(name: str):
    """PDFium function `name` called without ctypes' argument conversion (less than half the cost of a
    call), for the calls made per character, per object and per path segment: their arguments are
    ctypes pointers, references and ints, their result an int. The typed binding when the library
    handle is not where pypdfium2 keeps it."""
    f = _UNTYPED.get(name)
    if f is None:
        import ctypes

        import pypdfium2.raw as c

        try:
            from pypdfium2_raw.bindings import _libs

            f = _libs["pdfium"][name]
            f.restype = ctypes.c_int
        except Exception:  # noqa: BLE001 - a different pypdfium2 layout: the typed function
            f = getattr(c, name)
        _UNTYPED[name] = f
    return f


def preload() -> None:
    """Import the libraries this module uses lazily (see extract/__init__._preload)."""
    import pdfplumber.table  # noqa: F401
    import pypdfium2  # noqa: F401
    import pypdfium2.raw  # noqa: F401

    from . import lattice  # noqa: F401  (imported by every page with ruling lines)


# --------------------------------------------------------------------------- opening

def _has_eof(data: bytes) -> bool:
    return b"%%EOF" in data[-2048:]


def _open(data: bytes):
    """Returns (pdfium document, error DocIssue or None, warnings)."""
    import pypdfium2 as pdfium

    warnings = []
    truncated = not _has_eof(data)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == 4 or "password" in str(e).lower():
            return None, DocIssue("encrypted_pdf", "the PDF is encrypted with a user password"), warnings
        if truncated:
            return None, DocIssue("truncated_pdf", f"the PDF is truncated (no %%EOF at the end) and cannot be opened: {e}"), warnings
        return None, DocIssue("corrupt_pdf", f"the PDF cannot be opened: {e}"), warnings
    if truncated:
        warnings.append(DocIssue("truncated_pdf", "the PDF is truncated (no %%EOF at the end); pages that survive were read", "warning"))
    return pdf, None, warnings


# --------------------------------------------------------------------------- characters

def _transform(mediabox, rotation):
    x0, y0, x1, y1 = mediabox
    if rotation == 90:
        return lambda x, y: (y - y0, x - x0)
    if rotation == 180:
        return lambda x, y: (x1 - x, y - y0)
    if rotation == 270:
        return lambda x, y: (y1 - y, x1 - x)
    return lambda x, y: (x - x0, y1 - y)


def _page_text(c, raw, n: int) -> Optional[list[int]]:
    """Code points of all n characters in one call (FPDFText_GetText, UTF-16); None when that text does not
    map one unit per character (characters outside the BMP are surrogate pairs there)."""
    import ctypes

    if n <= 0:
        return []
    buf = ctypes.create_string_buffer(2 * (n + 1))
    got = c.FPDFText_GetText(raw, 0, n, ctypes.cast(buf, ctypes.POINTER(c.c_ushort)))
    if got != n + 1:  # n units and the terminating NUL
        return None
    units = memoryview(buf.raw).cast("H")[:n].tolist()
    if any(0xD800 <= u <= 0xDFFF for u in units):
        return None
    return units


# code points _page_chars must look at twice: none, line breaks, whitespace and "-" (PDFium generates
# spaces, line breaks and hyphens of its own; see below). No whitespace lies outside the BMP.
_SPECIAL_CODES = frozenset([0, 0xFFFE, 0xFFFF, ord("-")] + [u for u in range(0x10000) if chr(u).isspace()])


_RECT = struct.Struct("4f")  # FS_RECTF: left, top, right, bottom (C floats)


def _page_chars(page) -> list[_Char]:
    import ctypes

    import pypdfium2.raw as c

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        mx0, my0, mx1, my1 = page.get_mediabox()
        rotation = page.get_rotation() % 360
        tf = _transform((mx0, my0, mx1, my1), rotation)
        rect = c.FS_RECTF()
        rref = ctypes.byref(rect)
        out = []
        raw = textpage.raw
        # The text in one call and one ctypes call per character for its box. PDFium's generated
        # characters (the spaces and line breaks it adds between text objects) are whitespace, so only
        # whitespace is asked whether it was generated.
        get_unicode = c.FPDFText_GetUnicode
        is_generated, loose_box = _untyped("FPDFText_IsGenerated"), _untyped("FPDFText_GetLooseCharBox")
        codes = _page_text(c, raw, n)
        if codes is None:
            codes = [get_unicode(raw, i) for i in range(n)]
        append = out.append
        upright = rotation == 0
        unpack = _RECT.unpack_from  # left, top, right, bottom in one call (4 field reads cost more)
        # characters that need a second look: no character, line breaks, and whitespace or "-" (which
        # PDFium may have generated); every other code point maps to itself
        special = _SPECIAL_CODES
        for i, u in enumerate(codes):
            if u in special:
                if u in (0, 0xFFFE, 0xFFFF):
                    continue
                ch = chr(u) if u < 0x110000 else "\ufffd"
                if ch in "\r\n" or (ch.isspace() or ch == "-") and is_generated(raw, i):
                    continue
            else:
                ch = chr(u) if u < 0x110000 else "\ufffd"
            # loose box: advance width and font ascent/descent (tight glyph boxes make "1" look far from "0")
            if not loose_box(raw, i, rref):
                continue
            if upright:  # the common case, inlined: x from the left edge, top from the top edge
                rl, rt, rr, rb = unpack(rect)
                left, right, top, bottom = rl - mx0, rr - mx0, my1 - rt, my1 - rb
                if right < left:
                    left, right = right, left
                if bottom < top:
                    top, bottom = bottom, top
                append(_Char(ch, left, top, right, bottom))
                continue
            ax, atop = tf(rect.left, rect.top)
            bx, btop = tf(rect.right, rect.bottom)
            out.append(_Char(ch, min(ax, bx), min(atop, btop), max(ax, bx), max(atop, btop)))
        return out
    finally:
        textpage.close()


def _count_objects(page, cap: int):
    """(objects, paths, images, forms, [(object, type)] of the first cap + 1 objects)."""
    import pypdfium2.raw as c

    raw = page.raw
    n = c.FPDFPage_CountObjects(raw)
    get_object, get_type = c.FPDFPage_GetObject, _untyped("FPDFPageObj_GetType")
    objects = []
    for i in range(min(n, cap + 1)):
        obj = get_object(raw, i)
        objects.append((obj, get_type(obj)))
    types = [t for _o, t in objects]
    return n, types.count(c.FPDF_PAGEOBJ_PATH), types.count(c.FPDF_PAGEOBJ_IMAGE), types.count(c.FPDF_PAGEOBJ_FORM), objects


def _mat_mul(m, n):
    """Affine matrices (a, b, c, d, e, f): m, then n."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _page_geometry(page, cap: int, objects: Optional[list] = None):
    """Ruling-line edges (pdfplumber edge dicts, pdfplumber coordinates) and text-object boxes of a page.

    Every LINETO segment and closing segment of every painted path (fill or stroke; clipping paths are
    not page objects) that is horizontal or vertical becomes an edge, as pdfplumber makes them from
    pdfminer's lines, rects and curves. Form XObjects are entered (depth ≤ 8), their matrices composed.
    At most `cap` objects are visited. `objects`: the page's [(object, type)] when already listed."""
    import ctypes

    import pypdfium2.raw as c

    mx0, my0, mx1, my1 = page.get_mediabox()
    rotation = page.get_rotation() % 360
    tf = _transform((mx0, my0, mx1, my1), rotation)
    edges: list[dict] = []
    text_boxes: list[tuple] = []
    mat = c.FS_MATRIX()
    fx, fy = ctypes.c_float(), ctypes.c_float()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    seen = [0]

    def add(p0, p1):
        (x0, t0), (x1, t1) = tf(*p0), tf(*p1)
        if abs(x0 - x1) < 1e-3:
            orient = "v"
        elif abs(t0 - t1) < 1e-3:
            orient = "h"
        else:
            return
        x0, x1, t0, t1 = min(x0, x1), max(x0, x1), min(t0, t1), max(t0, t1)
        edges.append({"object_type": "line_edge", "x0": x0, "x1": x1, "top": t0, "bottom": t1,
                      "width": x1 - x0, "height": t1 - t0, "orientation": orient})

    def apply(m, x, y):
        a, b, cc, d, e, f = m
        return (a * x + cc * y + e, b * x + d * y + f)

    # ctypes functions, constants and argument references bound once (the loop below runs per object and
    # per path segment)
    get_type, get_bounds = _untyped("FPDFPageObj_GetType"), _untyped("FPDFPageObj_GetBounds")
    get_matrix = _untyped("FPDFPageObj_GetMatrix")
    form_count, form_get = _untyped("FPDFFormObj_CountObjects"), c.FPDFFormObj_GetObject
    draw_mode, count_segments = _untyped("FPDFPath_GetDrawMode"), _untyped("FPDFPath_CountSegments")
    get_segment = c.FPDFPath_GetPathSegment  # returns a pointer: typed
    seg_point, seg_type = _untyped("FPDFPathSegment_GetPoint"), _untyped("FPDFPathSegment_GetType")
    seg_close = _untyped("FPDFPathSegment_GetClose")
    TEXT, FORM, PATH = c.FPDF_PAGEOBJ_TEXT, c.FPDF_PAGEOBJ_FORM, c.FPDF_PAGEOBJ_PATH
    MOVETO, LINETO = c.FPDF_SEGMENT_MOVETO, c.FPDF_SEGMENT_LINETO
    bounds_refs = (ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))
    mat_ref = ctypes.byref(mat)
    mode_refs = (ctypes.byref(fill), ctypes.byref(stroke))
    point_refs = (ctypes.byref(fx), ctypes.byref(fy))

    def visit(obj, parent, depth, typ=None):
        seen[0] += 1
        if seen[0] > cap or depth > 8:
            return
        if typ is None:
            typ = get_type(obj)
        if typ == TEXT:
            if get_bounds(obj, *bounds_refs):
                corners = [(left.value, bottom.value), (right.value, top.value)]
                if parent is not None:
                    corners = [apply(parent, x, y) for x, y in corners]
                (ax, ay), (bx, by) = tf(*corners[0]), tf(*corners[1])
                text_boxes.append((min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
            return
        if typ != FORM and typ != PATH:
            return
        if not get_matrix(obj, mat_ref):
            return
        m = (mat.a, mat.b, mat.c, mat.d, mat.e, mat.f)
        if parent is not None:
            m = _mat_mul(m, parent)
        if typ == FORM:
            for k in range(form_count(obj)):
                visit(form_get(obj, k), m, depth + 1)
            return
        if draw_mode(obj, *mode_refs) and not fill.value and not stroke.value:
            return
        ma, mb, mc, md, me, mf = m
        start = prev = None
        for k in range(count_segments(obj)):
            seg = get_segment(obj, k)
            if not seg_point(seg, *point_refs):
                continue
            x, y = fx.value, fy.value
            pt = (ma * x + mc * y + me, mb * x + md * y + mf)
            kind = seg_type(seg)
            if kind == MOVETO:
                start = prev = pt
                continue
            if kind == LINETO and prev is not None:
                add(prev, pt)
            prev = pt
            if seg_close(seg) and start is not None:
                add(prev, start)
                prev = start

    if objects is None or len(objects) < c.FPDFPage_CountObjects(page.raw):
        objects = [(c.FPDFPage_GetObject(page.raw, i), None) for i in range(c.FPDFPage_CountObjects(page.raw))]
    # a page's own text objects (most of its objects) on an upright page: visit() inlined, the four
    # bounds read in one unpack
    box = (ctypes.c_float * 4)()  # left, bottom, right, top
    box_refs = tuple(ctypes.byref(box, 4 * i) for i in range(4))
    unpack = _RECT.unpack_from
    upright = rotation == 0
    for obj, typ in objects:
        if seen[0] > cap:
            break
        if typ == TEXT and upright:
            seen[0] += 1
            if seen[0] <= cap and get_bounds(obj, *box_refs):
                bl, bb, br, bt = unpack(box)
                ax, ay, bx, by = bl - mx0, my1 - bb, br - mx0, my1 - bt
                text_boxes.append((min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)))
            continue
        visit(obj, None, 0, typ)
    return edges, text_boxes


def _text_missing(text_boxes: list[tuple], chars: list[_Char]) -> bool:
    """A text object that no character of PDFium's text layer overlaps: glyphs PDFium did not map.

    Text-object bounds are glyph ink ("，" is a speck at the baseline), character boxes are loose
    (advance width × font height): overlap, not containment, is the test. Empty objects (a space) have
    no area and are ignored."""
    if not text_boxes:
        return False
    inked = [ch for ch in chars if not ch.ch.isspace()]
    if not inked:
        return any(x1 - x0 >= 1 and bottom - top >= 1 for x0, top, x1, bottom in text_boxes)
    # PDFium's characters come in the order of the text objects, so the character that overlaps a text
    # object is nearly always near the last one found: look there first, and only then among the
    # characters of the page's 16-point bands the box touches (built on first need).
    band = 16.0
    bands: Optional[dict[int, list[_Char]]] = None
    n, at = len(inked), 0
    for x0, top, x1, bottom in text_boxes:
        if x1 - x0 < 0.5 and bottom - top < 0.5:
            continue
        x0, top, x1, bottom = x0 - 1, top - 1, x1 + 1, bottom + 1
        found = False
        # from the last one found on, then a little back (adjacent objects touch): any overlap answers
        for k in chain(range(at, min(n, at + 32)), range(max(0, at - 16), min(at, n))):
            ch = inked[k]
            if ch.x1 >= x0 and ch.x0 <= x1 and ch.top <= bottom and ch.bottom >= top:
                found = True
                # skip the rest of this object's characters: the next object's come after them
                k += 1
                while k < n:
                    ch = inked[k]
                    if not (ch.x1 >= x0 and ch.x0 <= x1 and ch.top <= bottom and ch.bottom >= top):
                        break
                    k += 1
                at = k
                break
        if found:
            continue
        if bands is None:
            bands = {}
            for ch in inked:
                for k in range(int((ch.top - 1) // band), int((ch.bottom + 1) // band) + 1):
                    bands.setdefault(k, []).append(ch)
        for k in range(int(top // band), int(bottom // band) + 1):
            if any(ch.x1 >= x0 and ch.x0 <= x1 and ch.top <= bottom and ch.bottom >= top for ch in bands.get(k, ())):
                found = True
                break
        if not found:
            return True
    return False


_BY_CY_X0 = attrgetter("cy", "x0")
_BY_X0 = attrgetter("x0")


def _lines(chars: list[_Char], page: int) -> list[_Line]:
    """Group characters into text lines (top to bottom, left to right)."""
    out = []
    for g in _line_groups(chars):
        text = _join_chars(g)
        if text:
            ink = [ch for ch in g if not ch.ch.isspace()] or g
            c = ink[0]
            x0, top, x1, bottom = c.x0, c.top, c.x1, c.bottom
            for c in ink:  # min/max as the builtins give them (the first of equal values)
                if c.x0 < x0:
                    x0 = c.x0
                if c.top < top:
                    top = c.top
                if c.x1 > x1:
                    x1 = c.x1
                if c.bottom > bottom:
                    bottom = c.bottom
            out.append(_Line(text, x0, top, x1, bottom, page))
    return out


def _line_texts(chars: list[_Char]) -> list[str]:
    """The texts of _lines(chars) (no boxes: a cell's text needs none)."""
    return [t for t in map(_join_chars, _line_groups(chars)) if t]


def _line_groups(chars: list[_Char]) -> list[list[_Char]]:
    """Characters grouped into lines (top to bottom), each line's characters left to right."""
    if not chars:
        return []
    chars = sorted(chars, key=_BY_CY_X0)
    groups: list[list[_Char]] = []
    cur: list[_Char] = []
    top = bottom = 0.0
    for ch in chars:
        cy = ch.cy
        if cur and top - 0.5 <= cy <= bottom + 0.5:
            cur.append(ch)
            if not ch.ch.isspace():
                t, b = ch.top, ch.bottom
                if t < top:
                    top = t
                if b > bottom:
                    bottom = b
            continue
        if ch.ch.isspace():
            continue  # a space that belongs to no line
        if cur:
            groups.append(cur)
        cur = [ch]
        top, bottom = ch.top, ch.bottom
    if cur:
        groups.append(cur)
    for g in groups:
        if len(g) > 1:
            g.sort(key=_BY_X0)
    return groups


# spaces between CJK and anything are layout (Word's auto-spacing), not content
_LAYOUT_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=\S)|(?<=\S) (?=[\u3000-\u9fff\uff00-\uffef])")


@lru_cache(maxsize=8192)
def _cjk(ch: str) -> bool:
    return is_cjk(ch)


def _join_chars(g: list[_Char]) -> str:
    parts = []
    prev = None
    for ch in g:
        c = ch.ch
        if c.isspace():
            parts.append(" ")
            prev = None
            continue
        if prev is not None:
            gap = ch.x0 - prev.x1
            if gap > 0.25:  # h >= 1: no gap of 0.25 or less is a space
                h = max(prev.bottom - prev.top, ch.bottom - ch.top, 1.0)
                if gap > 0.25 * h and not (_cjk(prev.ch) or _cjk(c)):
                    parts.append(" ")
        parts.append(c)
        prev = ch
    text = clean_text("".join(parts))
    return _LAYOUT_SPACE.sub("", text) if " " in text else text


# --------------------------------------------------------------------------- tables

def _cluster(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _idx(bounds: list[float], v: float, tol: float = 2.0) -> int:
    i = bisect.bisect_left(bounds, v - tol)
    return min(i, len(bounds) - 1)


class _PageShim:
    """What pdfplumber's TableFinder needs of a page when every edge is explicit: its bbox."""

    def __init__(self, bbox):
        self.bbox = bbox


# pdfplumber's cell finding is quadratic in the crossings of ruling lines: a 101 x 59 grid costs ~30 s a
# page. The report tables have a few hundred crossings; a page above this is not a table we read.
MAX_GRID_CROSSINGS = 2500


class GridTooLarge(ValueError):
    pass


def _find_tables(edges: list[dict], bbox: tuple, page_no: int) -> list[_PTable]:
    """Lattice tables from ruling-line edges (pdfplumber's algorithm, default tolerances). Raises
    GridTooLarge for a page whose ruling lines cross more than MAX_GRID_CROSSINGS times."""
    from .lattice import LatticeFinder

    v = [e for e in edges if e["orientation"] == "v"]
    h = [e for e in edges if e["orientation"] == "h"]
    if len(v) < 2 or len(h) < 2:
        return []
    crossings = len(_cluster([e["x0"] for e in v])) * len(_cluster([e["top"] for e in h]))
    if crossings > MAX_GRID_CROSSINGS:
        raise GridTooLarge(f"{crossings} ruling-line crossings (limit {MAX_GRID_CROSSINGS})")
    finder = LatticeFinder(_PageShim(bbox), {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                                           "explicit_vertical_lines": v, "explicit_horizontal_lines": h})
    tables = []
    for t in finder.tables:
        cells = [c for c in t.cells if c[2] - c[0] > 1 and c[3] - c[1] > 1]
        if len(cells) < 2:
            continue
        xs = _cluster([c[0] for c in cells] + [c[2] for c in cells])
        ys = _cluster([c[1] for c in cells] + [c[3] for c in cells])
        nr, nc = len(ys) - 1, len(xs) - 1
        if nr < 1 or nc < 1:
            continue
        cell_of = [[-1] * nc for _ in range(nr)]
        rowspan = {}
        boxes = {}
        # a cell's edges are a few distinct values: look each one up once
        col = {v: _idx(xs, v) for v in {c[0] for c in cells} | {c[2] for c in cells}}
        row = {v: _idx(ys, v) for v in {c[1] for c in cells} | {c[3] for c in cells}}
        for k, (x0, top, x1, bottom) in enumerate(cells):
            boxes[k] = (x0, top, x1, bottom)
            c0, c1 = col[x0], col[x1]
            r0, r1 = row[top], row[bottom]
            for r in range(r0, max(r1, r0 + 1)):
                for c in range(c0, max(c1, c0 + 1)):
                    if r < nr and c < nc and cell_of[r][c] == -1:
                        cell_of[r][c] = k
            rowspan[k] = max(r1 - r0, 1)
        pt = _PTable(rows=[[""] * nc for _ in range(nr)], cell_of=cell_of, rowspan=rowspan, bbox=tuple(t.bbox),
                     page=page_no, row_pages=[page_no] * nr, boxes=boxes)
        pt._xs, pt._ys = xs, ys  # type: ignore[attr-defined]
        tables.append(pt)
    return tables


def _add_alt_texts(tables: list[_PTable], plumber_page, page_no: int) -> None:
    """pdfplumber's (pdfminer's) reading of every cell, for cells PDFium leaves empty (see _fill_tables)."""
    chars = [_Char(c["text"], c["x0"], c["top"], c["x1"], c["bottom"]) for c in plumber_page.chars if c.get("text")]
    per_cell, _ = _assign(tables, chars)
    for t, cells in zip(tables, per_cell):
        t._alt = _cell_texts(cells, page_no)  # type: ignore[attr-defined]


def _assign(tables: list[_PTable], chars: list[_Char]):
    """Split characters into per-table {cell id: [chars]} and the characters outside every table."""
    per_cell: list[dict[int, list[_Char]]] = [dict() for _ in tables]
    rest = []
    bisect_right = bisect.bisect_right
    boxes = []
    for ti, t in enumerate(tables):
        x0, top, x1, bottom = t.bbox
        xs, ys = t._xs, t._ys  # type: ignore[attr-defined]
        boxes.append((x0 - 1, x1 + 1, top - 1, bottom + 1, xs, ys, len(xs) - 2, len(ys) - 2, t.cell_of, per_cell[ti]))
    for ch in chars:
        cx, cy = ch.cx, ch.cy
        for bx0, bx1, btop, bbottom, xs, ys, last_c, last_r, cell_of, cells in boxes:
            if bx0 <= cx <= bx1 and btop <= cy <= bbottom:
                c = min(max(bisect_right(xs, cx) - 1, 0), last_c)
                r = min(max(bisect_right(ys, cy) - 1, 0), last_r)
                k = cell_of[r][c]
                if k >= 0:
                    got = cells.get(k)
                    if got is None:
                        cells[k] = [ch]
                    else:
                        got.append(ch)
                break
        else:
            rest.append(ch)
    return per_cell, rest


def _cell_texts(cells: dict[int, list[_Char]], page: int) -> dict[int, str]:
    # most cells hold one character (a digit): its text does not depend on where it is
    return {k: _char_text(cs[0].ch) if len(cs) == 1 else _join_lines(_line_texts(cs)) for k, cs in cells.items()}


@lru_cache(maxsize=4096)
def _char_text(ch: str) -> str:
    """The text of a cell holding one character `ch` (what _line_texts and _join_lines make of it)."""
    return _join_lines(_line_texts([_Char(ch, 0.0, 0.0, 1.0, 1.0)]))


def _fill_tables(tables: list[_PTable], chars: list[_Char]) -> list[_Char]:
    """Put PDFium's characters into table cells; return the characters outside every table.

    A cell PDFium leaves empty gets pdfplumber's text for it, if it has any (PDFium drops some glyphs
    of non-embedded CID fonts; pdfminer misreads others, so PDFium stays first)."""
    if not tables:
        return chars
    per_cell, rest = _assign(tables, chars)
    for ti, t in enumerate(tables):
        # where the text of a cell ends: only read for the cells of a table's last row, when the table goes
        # on over a page break (_cut_by_page_break)
        for k in set(t.cell_of[-1]) if t.cell_of else ():
            cs = per_cell[ti].get(k)
            inked = [c for c in cs if not c.ch.isspace()] if cs else None
            if inked:
                t.ink[k] = (min(c.top for c in inked), max(c.bottom for c in inked),
                            statistics.median(c.bottom - c.top for c in inked))
        texts = _cell_texts(per_cell[ti], t.page)
        alt = getattr(t, "_alt", {})
        for k, text in alt.items():
            if not texts.get(k):
                texts[k] = text
        t.rows = [[texts.get(k, "") if k >= 0 else "" for k in row] for row in t.cell_of]
    return rest


def _join_lines(texts) -> str:
    """Join the lines of a PDF paragraph or cell: no space where either side is CJK."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if out and not (is_cjk(out[-1]) or is_cjk(t[0])):
            out += " "
        out += t
    return out


def _norm_row(row) -> tuple:
    return tuple(re.sub(r"\s+", "", c) for c in row)


def _numeric(s: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d.,，%万元件个]*", s.strip()))


_EDGE_TOL = 3.0  # points: column edges of two parts of one table closer than this are the same edge


def _covers(big: list[float], small: list[float]) -> bool:
    """Every edge of `small` is an edge of `big` (within _EDGE_TOL)."""
    return all(any(abs(x - y) <= _EDGE_TOL for y in big) for x in small)


def _remap_columns(t: _PTable, edges: list[float]) -> None:
    """Re-grid `t` onto finer column `edges` (a superset of its own): a column that covers several of
    the new columns repeats its text and cell id in each (a full grid)."""
    xs = t._xs  # type: ignore[attr-defined]
    if len(xs) == len(edges):
        t._xs = edges  # type: ignore[attr-defined]
        return
    spans = []
    for i in range(len(xs) - 1):
        js = [j for j in range(len(edges) - 1)
              if edges[j] >= xs[i] - _EDGE_TOL and edges[j + 1] <= xs[i + 1] + _EDGE_TOL]
        spans.append(js)
    n = len(edges) - 1
    rows, ids = [], []
    for row, row_ids in zip(t.rows, t.cell_of):
        nr, ni = [""] * n, [-1] * n
        for i, (text, k) in enumerate(zip(row, row_ids)):
            for j in spans[i]:
                nr[j], ni[j] = text, k
        rows.append(nr)
        ids.append(ni)
    t.rows, t.cell_of, t._xs = rows, ids, edges  # type: ignore[attr-defined]


_NUMBERED = re.compile(r"^\s*(?:[（(][一二三四五六七八九十百\d]+[）)]|[一二三四五六七八九十百]+\s*[、.．]|\d+\s*[、.．)）]|第[一二三四五六七八九十百\d]+)")


def _cut_by_page_break(a: _PTable, k: int, b: _PTable, kb: int, text_b: str) -> bool:
    """Does cell k of `a` (a cell of a's last row) run on into cell kb of `b` (first row, text `text_b`)?

    Word and LibreOffice flow the rest of an overflowing cell's text onto the next page. Evidence: a's
    text reaches the bottom of its cell, and either the cell covers several grid rows (a complete label in
    a tall merged cell leaves space under it; the box must be ≥ 2.5 lines tall for that to show) or only
    its first row is on a's page and the merged cell goes on over several rows of b. Never when b's text
    starts with a numbering ("（三）", "四、", "1.": the next label, not the rest of this one)."""
    if k < 0 or kb < 0 or k not in a.boxes or k not in a.ink or _NUMBERED.match(text_b):
        return False
    _x0, top, _x1, bottom = a.boxes[k]
    _ink_top, ink_bottom, line_h = a.ink[k]
    if bottom - ink_bottom > max(3.0, 0.4 * line_h):
        return False  # space under the text: it ended on this page
    if a.rowspan.get(k, 1) >= 2:
        return bottom - top >= 2.5 * line_h
    return b.rowspan.get(kb, 1) >= 2


def _merge_tables(a: _PTable, b: _PTable) -> None:
    """Append continuation table b to a (b starts the page after a ends).

    The parts are first put on one column grid (a part may lack internal edges the other has: a page
    whose rows all span two columns). Repeated header rows are dropped. A merged label cell cut by the
    page break continues in b: its text is joined across the break ("三、本年度办" + "理结果") and
    repeated in every position of both parts; when b's part of it is empty, a's text is repeated.
    """
    edges = _cluster(a._xs + b._xs, _EDGE_TOL)  # type: ignore[attr-defined]
    _remap_columns(a, edges)
    _remap_columns(b, edges)
    # drop repeated header rows
    drop = 0
    while drop < min(len(a.rows), len(b.rows) - 1, 6) and _norm_row(a.rows[drop]) == _norm_row(b.rows[drop]) and any(b.rows[drop]):
        drop += 1
    rows, cell_of = b.rows[drop:], b.cell_of[drop:]
    pages = b.row_pages[drop:]
    if rows and a.rows:
        last, last_ids = a.rows[-1], a.cell_of[-1]
        first_ids = cell_of[0]
        done: set = set()
        for c, k in enumerate(first_ids):
            ka = last_ids[c]
            if k < 0 or (ka, k) in done or not last[c].strip() or _numeric(last[c]):
                continue
            done.add((ka, k))
            if rows[0][c].strip():
                # a merged label whose text was cut by the page break: join the two pieces
                if not _numeric(rows[0][c]) and _cut_by_page_break(a, ka, b, k, rows[0][c]):
                    joined = join_pieces([last[c], rows[0][c]])
                    for grid, ids, kk in ((a.rows, a.cell_of, ka), (rows, cell_of, k)):
                        for r, rids in enumerate(ids):
                            for cc, x in enumerate(rids):
                                if x == kk:
                                    grid[r][cc] = joined
                continue
            # a vertically merged label cut by the page break, its continuation empty: repeat it
            if b.rowspan.get(k, 1) > 1 or a.rowspan.get(ka, 1) > 1:
                for r, ids in enumerate(cell_of):
                    for cc, kk in enumerate(ids):
                        if kk == k and not rows[r][cc].strip():
                            rows[r][cc] = last[c]
    offset = max((max(r) for r in a.cell_of if r), default=0) + 1
    a.rows.extend(rows)
    a.cell_of.extend([[k + offset if k >= 0 else -1 for k in ids] for ids in cell_of])
    for k, n in b.rowspan.items():
        a.rowspan[k + offset] = n
    for k, box in b.boxes.items():
        a.boxes[k + offset] = box
    for k, ink in b.ink.items():
        a.ink[k + offset] = ink
    a.row_pages.extend(pages)


# --------------------------------------------------------------------------- furniture and paragraphs

_PAGE_NO = re.compile(
    r"^(?:[-—–_\s]*\d{1,4}[-—–_\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|page\s*\d+(\s*of\s*\d+)?)$",
    re.I,
)


def _drop_furniture(pages_lines: list[list[_Line]], heights: list[float]) -> None:
    counts: dict[str, int] = {}
    for lines, h in zip(pages_lines, heights):
        seen = set()
        for ln in lines:
            if ln.top < 0.08 * h or ln.bottom > 0.90 * h:
                key = re.sub(r"\d+", "#", ln.text.replace(" ", ""))
                if key not in seen:
                    seen.add(key)
                    counts[key] = counts.get(key, 0) + 1
    n = len(pages_lines)
    for i, (lines, h) in enumerate(zip(pages_lines, heights)):
        keep = []
        for ln in lines:
            in_margin = ln.top < 0.08 * h or ln.bottom > 0.90 * h
            key = re.sub(r"\d+", "#", ln.text.replace(" ", ""))
            if in_margin and (_PAGE_NO.match(ln.text.strip()) or (n >= 3 and counts.get(key, 0) >= max(3, n // 2))):
                continue
            keep.append(ln)
        pages_lines[i] = keep


def _margins(lines: list[_Line], width: float, fallback=None):
    """(left, right, line height, full) of a page's text; full: right - left spans half the page."""
    long = [ln for ln in lines if len(ln.text) >= 8]
    if len(long) < 5 and fallback is not None:
        return fallback
    long = long or lines
    if not long:
        return (0.0, 0.0, 10.0, False)
    xs0 = sorted(ln.x0 for ln in long)
    xs1 = sorted(ln.x1 for ln in long)
    left = xs0[len(xs0) // 10]
    right = xs1[min(len(xs1) - 1, (len(xs1) * 9) // 10)]
    h = statistics.median([ln.height for ln in long])
    return (left, right, h, right - left >= 0.5 * width)


def _continues(prev: _Line, cur: _Line, prev_m, cur_m) -> bool:
    """Does `cur` continue the paragraph whose last line is `prev`?"""
    pleft, pright, ph, pfull = prev_m
    left, _right, h, _full = cur_m
    if not pfull or prev.x1 < pright - 1.5 * ph:
        return False  # previous line ends short (or the page has no full-width text): end of paragraph
    if cur.x0 > left + 1.0 * h:
        return False  # indented: a new paragraph
    if prev.page == cur.page and cur.top - prev.bottom > 1.5 * h:
        return False
    if re.match(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[、.．])", cur.text):
        return False
    return True


# --------------------------------------------------------------------------- entry point

def extract_pdf(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    doc = Document(format="pdf")
    pdf, err, warnings = _open(data)
    doc.issues.extend(warnings)
    if err is not None:
        doc.issues.append(err)
        return doc
    try:
        return _extract(pdf, data, doc, limits)
    finally:
        pdf.close()


def _extract(pdf, data: bytes, doc: Document, limits: Limits) -> Document:
    npages = len(pdf)
    doc.pages = npages
    if npages == 0:
        rule = "truncated_pdf" if any(i.rule == "truncated_pdf" for i in doc.issues) else "corrupt_pdf"
        doc.issues = [i for i in doc.issues if i.rule != rule]
        doc.issues.append(DocIssue(rule, "the PDF has no readable pages"))
        return doc
    todo = min(npages, limits.max_pdf_pages)
    if todo < npages:
        doc.issues.append(DocIssue("too_many_pages", f"only the first {todo} of {npages} pages were read", "warning"))
    deadline = time.monotonic() + limits.timeout * 0.8
    plumber = None  # opened only for the fallback reading of cells (see _text_missing)
    plumber_failed = tables_failed = False
    pages_lines: list[list[_Line]] = []
    pages_tables: list[list[_PTable]] = []
    heights: list[float] = []
    widths: list[float] = []
    text_chars: list[int] = []
    image_pages: list[int] = []
    bad_chars = total_chars = 0
    skipped_tables = []
    for i in range(todo):
        if time.monotonic() > deadline:
            doc.issues.append(DocIssue("timeout", f"stopped after {i} pages: time limit", "warning"))
            break
        page = pdf[i]
        try:
            w, h = page.get_size()
            if page.get_rotation() % 180 == 90 and w < h:
                w, h = h, w
            chars = _page_chars(page)
            nobj, paths, images, forms, objects = _count_objects(page, limits.max_page_objects)
            geometry = None
            if (paths >= 2 or forms) and nobj <= limits.max_page_objects and any(not c.ch.isspace() for c in chars):
                try:
                    geometry = _page_geometry(page, limits.max_page_objects, objects)
                except Exception as e:  # noqa: BLE001 - tables are optional, text is not
                    geometry = e
        finally:
            page.close()
        ink = [c for c in chars if not c.ch.isspace()]
        text_chars.append(len(ink))
        total_chars += len(ink)
        bad_chars += sum(1 for c in ink if "\ue000" <= c.ch <= "\uf8ff" or c.ch == "\ufffd" or ord(c.ch) < 32)
        if len(ink) < 10 and (images or forms):
            image_pages.append(i + 1)
        tables: list[_PTable] = []
        if ink and (paths >= 2 or forms):
            if nobj > limits.max_page_objects:
                skipped_tables.append(i + 1)
            elif isinstance(geometry, Exception):
                if not tables_failed:
                    tables_failed = True
                    doc.issues.append(DocIssue("tables_unavailable", f"reading ruling lines failed on page {i + 1}: "
                                               f"{type(geometry).__name__}: {geometry}"[:300], "warning"))
            elif geometry is not None:
                edges, text_boxes = geometry
                try:
                    tables = _find_tables(edges, (0, 0, w, h), i + 1)
                except GridTooLarge:
                    skipped_tables.append(i + 1)  # text is read, the grid is not searched for tables
                except Exception as e:  # noqa: BLE001 - tables are optional, text is not
                    if not tables_failed:
                        tables_failed = True
                        doc.issues.append(DocIssue("tables_unavailable", f"table detection failed on page {i + 1}: "
                                                   f"{type(e).__name__}: {e}"[:300], "warning"))
                if tables and not plumber_failed and _text_missing(text_boxes, chars):
                    try:
                        if plumber is None:
                            import pdfplumber

                            plumber = pdfplumber.open(io.BytesIO(data))
                        if i < len(plumber.pages):
                            pp = plumber.pages[i]
                            _add_alt_texts(tables, pp, i + 1)
                            try:
                                pp.close()
                            except Exception:
                                pass
                    except Exception:  # noqa: BLE001 - the fallback reading is optional
                        plumber_failed = True
        rest = _fill_tables(tables, chars)
        pages_tables.append([t for t in tables if any(any(c for c in r) for r in t.rows)])
        pages_lines.append(_lines(rest, i + 1))
        heights.append(h)
        widths.append(w)
    if plumber is not None:
        try:
            plumber.close()
        except Exception:
            pass
    if skipped_tables:
        doc.issues.append(DocIssue("tables_skipped", f"too many objects or ruling-line crossings for table detection "
                                   f"on pages {skipped_tables[:20]}", "warning"))

    _drop_furniture(pages_lines, heights)
    doc.blocks = _assemble(pages_lines, pages_tables, widths)
    for k, t in enumerate(doc.tables):
        t.index = k

    # OCR and garbled text
    done = len(text_chars)
    if image_pages:
        doc.meta["image_pages"] = image_pages
    if total_chars < 10 or (done and len(image_pages) >= max(1, done * 0.5)):
        doc.needs_ocr = True
        doc.issues.append(DocIssue("needs_ocr", f"the PDF has almost no text layer ({total_chars} characters on {done} pages); it needs OCR", "warning"))
    elif image_pages:
        doc.issues.append(DocIssue("partly_scanned", f"pages {image_pages[:20]} are images without text", "warning"))
    if total_chars and bad_chars > 0.3 * total_chars:
        doc.needs_ocr = True
        doc.issues.append(DocIssue("garbled_text", f"{bad_chars} of {total_chars} characters have no Unicode meaning (fonts without a ToUnicode map)", "warning"))
    return doc


def _assemble(pages_lines: list[list[_Line]], pages_tables: list[list[_PTable]], widths: list[float]) -> list:
    items = []  # (page, top, kind, obj)
    doc_m = _margins([ln for lines in pages_lines for ln in lines], statistics.median(widths) if widths else 600.0)
    margins = {p: _margins(lines, widths[p], doc_m) for p, lines in enumerate(pages_lines)}
    for p, (lines, tables) in enumerate(zip(pages_lines, pages_tables)):
        for ln in lines:
            items.append((p, ln.top, 0, ln))
        for t in tables:
            items.append((p, t.bbox[1], 1, t))
    items.sort(key=lambda it: (it[0], it[1], it[2]))

    blocks: list = []
    para: Optional[list[_Line]] = None
    open_table: Optional[_PTable] = None  # the last block, if it is a table
    last_kind_on_page: dict[int, int] = {}
    for p, _top, kind, _obj in items:
        last_kind_on_page[p] = kind
    first_on_page: dict[int, int] = {}
    for p, _top, kind, _obj in items:
        first_on_page.setdefault(p, kind)

    def flush_para():
        nonlocal para
        if para:
            blocks.append(Paragraph(_join_lines(ln.text for ln in para), page=para[0].page))
        para = None

    prev_page = None
    for p, _top, kind, obj in items:
        if kind == 1:
            flush_para()
            t: _PTable = obj
            if (open_table is not None and blocks and blocks[-1] is open_table and prev_page == p - 1
                    and last_kind_on_page.get(p - 1) == 1 and first_on_page.get(p) == 1
                    and _same_columns(open_table, t)):
                _merge_tables(open_table, t)
            else:
                open_table = t
                blocks.append(t)
        else:
            ln: _Line = obj
            if para and _continues(para[-1], ln, margins[para[-1].page - 1], margins[p]):
                para.append(ln)
            else:
                flush_para()
                para = [ln]
            open_table = None
        prev_page = p
    flush_para()

    out = []
    for b in blocks:
        if isinstance(b, _PTable):
            rows, row_pages = finish_grid(b.rows, b.row_pages)
            if not rows:
                continue
            if len(rows[0]) == 1:
                out.extend(Paragraph(r[0], page=pg) for r, pg in zip(rows, row_pages))
                continue
            out.append(Table(rows=rows, page=row_pages[0], row_pages=row_pages))
        else:
            out.append(b)
    return out


def _same_columns(a: _PTable, b: _PTable) -> bool:
    """Can b (first on its page) continue a (last on the page before)? Same outer edges, and one part's
    column edges are all edges of the other (a continuation may lack edges where its rows span columns;
    a different table has edges of its own)."""
    xa, xb = a._xs, b._xs  # type: ignore[attr-defined]
    if abs(xa[0] - xb[0]) > 10 or abs(xa[-1] - xb[-1]) > 10:
        return False
    return _covers(xa, xb) or _covers(xb, xa)
