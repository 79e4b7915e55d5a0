"""DOCX (WordprocessingML) → Document, reading the XML directly with lxml.

- The zip directory is checked before anything is decompressed (`limits.check_zip`: declared sizes,
  ratios, member count); parts are read with a size cap. XML is parsed without entity expansion or
  network access.
- Body order is kept: w:p → Paragraph, w:tbl → Table; content controls (w:sdt), w:customXml, tracked
  insertions (w:ins, w:moveTo) are read through; deletions (w:del, w:moveFrom), field codes
  (w:instrText) and the Fallback branch of mc:AlternateContent (a duplicate of the Choice) are not.
  Text boxes become paragraphs after the paragraph that anchors them. Headers, footers and footnotes
  are page furniture and are skipped. w:altChunk parts (HTML/MHT that web editors embed when they
  "export to Word") are read in place. Embedded OLE objects (an Excel table pasted as an object) cannot
  be read: warning 'embedded_objects'. A document of images only: needs_ocr.
- Word auto-numbering is rendered (numbering.xml levels with decimal, chineseCounting, ideograph,
  letter, roman, enclosed formats; direct and style-based w:numPr): "一、总体情况" keeps its "一、"
  even when Word generated it.
- A line break (w:br, w:cr) splits a body paragraph into separate paragraphs; inside a table cell the
  pieces are joined like HTML cells (no separator between CJK fragments).
- Tables: w:gridBefore/w:gridAfter leave empty positions, w:gridSpan repeats the text across the
  columns it covers, w:vMerge="continue" (or a bare w:vMerge) repeats the text of the cell above,
  legacy w:hMerge is honoured. Grids then get the same finishing as HTML (pad, drop empty rows and
  columns, drop grid columns no cell starts in — a sliver w:gridCol spanned in every row, as LibreOffice
  leaves in converted DOC files), so the same table in HTML and Word gives the same grid.
- Layout tables (our choice, same as HTML): a table with a single column, or whose cells hold a real
  nested table (≥ 2 rows and ≥ 2 columns), is read as content: its paragraphs and nested tables become
  blocks of their own. Smaller nested tables are flattened into their cell's text.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from typing import Optional

from lxml import etree

from ..document import DocIssue, Document, ExtractError, Paragraph, Table
from .cells import clean_text, finish_grid, join_pieces, parse_span
from .limits import DEFAULT_LIMITS, Limits, check_zip, read_member

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                          remove_pis=True, load_dtd=False)


def _ln(el) -> str:
    t = el.tag
    if not isinstance(t, str):
        return ""
    return t.rsplit("}", 1)[-1]


def _attr(el, name: str) -> Optional[str]:
    """Attribute by local name, whatever its namespace (transitional or strict OOXML)."""
    if el is None:
        return None
    for k, v in el.attrib.items():
        if k.rsplit("}", 1)[-1] == name:
            return v
    return None


def _child(el, name: str):
    if el is None:
        return None
    for ch in el:
        if _ln(ch) == name:
            return ch
    return None


# --------------------------------------------------------------------------- numbering

_CN_DIGITS = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"


def _chinese(n: int) -> str:
    if n <= 0:
        return str(n)
    if n >= 10000:
        return str(n)
    units = ["", "十", "百", "千"]
    digits = []
    s = str(n)
    for i, d in enumerate(s):
        pos = len(s) - i - 1
        d = int(d)
        if d == 0:
            if digits and digits[-1] != "零":
                digits.append("零")
            continue
        digits.append(_CN_DIGITS[d] + units[pos])
    out = "".join(digits).rstrip("零")
    if 10 <= n < 20:
        out = out[1:] if out.startswith("一十") else out
    return out


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _letter(n: int) -> str:
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    fmt = fmt or "decimal"
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "chineseLegalSimplified", "koreanCounting", "ideographDigital", "taiwaneseDigital"):
        if fmt in ("ideographDigital", "taiwaneseDigital"):
            return "".join(_CN_DIGITS[int(d)] if d.isdigit() else d for d in str(n))
        return _chinese(n)
    if fmt in ("ideographTraditional",):
        return _TIANGAN[(n - 1) % 10] if n > 0 else str(n)
    if fmt in ("ideographZodiac",):
        return _DIZHI[(n - 1) % 12] if n > 0 else str(n)
    if fmt == "upperLetter":
        return _letter(n)
    if fmt == "lowerLetter":
        return _letter(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "ideographEnclosedCircle" and 1 <= n <= 10:
        return chr(0x3280 + n - 1)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    def __init__(self, numbering_root, styles_root):
        self.nums: dict[str, tuple[str, dict]] = {}  # numId -> (abstractNumId, {ilvl: startOverride})
        self.abstract: dict[str, dict[int, dict]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if numbering_root is not None:
            for el in numbering_root:
                ln = _ln(el)
                if ln == "abstractNum":
                    levels = {}
                    for lvl in el:
                        if _ln(lvl) != "lvl":
                            continue
                        try:
                            ilvl = int(_attr(lvl, "ilvl") or 0)
                        except ValueError:
                            continue
                        start = _attr(_child(lvl, "start"), "val")
                        levels[ilvl] = {
                            "start": int(start) if start and start.lstrip("-").isdigit() else 1,
                            "fmt": _attr(_child(lvl, "numFmt"), "val") or "decimal",
                            "text": _attr(_child(lvl, "lvlText"), "val"),
                            "suff": _attr(_child(lvl, "suff"), "val") or "tab",
                            "legal": _child(lvl, "isLgl") is not None,
                        }
                    self.abstract[_attr(el, "abstractNumId") or ""] = levels
                elif ln == "num":
                    absid = _attr(_child(el, "abstractNumId"), "val") or ""
                    overrides = {}
                    for ov in el:
                        if _ln(ov) == "lvlOverride":
                            so = _attr(_child(ov, "startOverride"), "val")
                            if so and so.isdigit():
                                overrides[int(_attr(ov, "ilvl") or 0)] = int(so)
                    self.nums[_attr(el, "numId") or ""] = (absid, overrides)
        if styles_root is not None:
            based: dict[str, str] = {}
            direct: dict[str, tuple[Optional[str], Optional[int]]] = {}
            for st in styles_root:
                if _ln(st) != "style":
                    continue
                sid = _attr(st, "styleId") or ""
                b = _attr(_child(st, "basedOn"), "val")
                if b:
                    based[sid] = b
                numpr = _child(_child(st, "pPr"), "numPr")
                if numpr is not None:
                    nid = _attr(_child(numpr, "numId"), "val")
                    il = _attr(_child(numpr, "ilvl"), "val")
                    direct[sid] = (nid, int(il) if il and il.isdigit() else None)
            for sid in set(based) | set(direct):
                cur, seen = sid, set()
                while cur and cur not in direct and cur not in seen:
                    seen.add(cur)
                    cur = based.get(cur)
                if cur in direct and direct[cur][0]:
                    self.style_num[sid] = (direct[cur][0], direct[cur][1] or 0)

    def label(self, ppr) -> str:
        if ppr is None or not (self.nums or self.style_num):
            return ""
        numpr = _child(ppr, "numPr")
        num_id, ilvl = None, None
        if numpr is not None:
            num_id = _attr(_child(numpr, "numId"), "val")
            il = _attr(_child(numpr, "ilvl"), "val")
            ilvl = int(il) if il and il.isdigit() else None
        style = _attr(_child(ppr, "pStyle"), "val")
        if num_id is None and style in self.style_num:
            num_id, sl = self.style_num[style]
            ilvl = sl if ilvl is None else ilvl
        if ilvl is None:
            ilvl = 0
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        absid, overrides = self.nums[num_id]
        levels = self.abstract.get(absid, {})
        lvl = levels.get(ilvl)
        if lvl is None or lvl["text"] is None:
            return ""
        counters = self.counters.setdefault(num_id, {})
        start = overrides.get(ilvl, lvl["start"])
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def repl(m):
            k = int(m.group(1)) - 1
            lv = levels.get(k, {"start": 1, "fmt": "decimal"})
            n = counters.get(k, overrides.get(k, lv["start"]))
            fmt = "decimal" if lvl.get("legal") else lv["fmt"]
            return format_number(n, fmt)

        text = re.sub(r"%([1-9])", repl, lvl["text"])
        if lvl["fmt"] == "bullet" or not text.strip():
            return ""
        return text


# --------------------------------------------------------------------------- walking

_SKIP_INLINE = {"del", "moveFrom", "instrText", "delText", "rPr", "pPr", "fldChar", "commentReference",
                "footnoteReference", "endnoteReference", "annotationRef", "proofErr", "bookmarkStart",
                "bookmarkEnd", "lastRenderedPageBreak", "Fallback"}


class _DocxWalker:
    def __init__(self, numbering: _Numbering, limits: Limits, issues: list, alt_chunk=None):
        self.alt_chunk = alt_chunk  # r:id -> blocks of an embedded HTML/MHT part (w:altChunk)
        self.numbering = numbering
        self.limits = limits
        self.issues = issues
        self.images = 0
        self.objects = 0  # embedded OLE objects (an Excel table pasted as an object shows as a picture)

    # -- paragraphs
    def paragraph_lines(self, p, extra: list) -> list[str]:
        """Lines of one w:p (split at breaks); text boxes found inside go to `extra` as blocks."""
        lines: list[list[str]] = [[]]
        label = self.numbering.label(_child(p, "pPr"))
        if label:
            lines[0].append(label)
            lines[0].append("\u0001")  # separator marker resolved below

        def walk(el, depth):
            if depth > self.limits.max_depth:
                return
            for ch in el:
                ln = _ln(ch)
                if ln in _SKIP_INLINE or not ln:
                    continue
                if ln == "t":
                    lines[-1].append(ch.text or "")
                elif ln == "tab" or ln == "ptab":
                    lines[-1].append("\t")
                elif ln in ("br", "cr"):
                    if _attr(ch, "type") in ("page", "column"):
                        continue
                    lines.append([])
                elif ln == "noBreakHyphen":
                    lines[-1].append("-")
                elif ln == "sym":
                    code = _attr(ch, "char") or ""
                    try:
                        c = int(code, 16)
                        if c >= 0xF000:
                            c -= 0xF000
                        if 0x20 <= c < 0xD800:
                            lines[-1].append(chr(c))
                    except ValueError:
                        pass
                elif ln == "txbxContent":
                    extra.extend(self.blocks(ch, depth + 1))
                elif ln in ("blip", "imagedata"):
                    self.images += 1
                elif ln == "OLEObject":
                    self.objects += 1
                elif ln == "AlternateContent":
                    choice = _child(ch, "Choice")
                    walk(choice if choice is not None else ch, depth + 1)
                else:
                    walk(ch, depth + 1)

        walk(p, 0)
        out = []
        for parts in lines:
            if "\u0001" in parts:
                i = parts.index("\u0001")
                pre, rest = "".join(parts[:i]), clean_text("".join(parts[i + 1:]))
                sep = "" if (pre and (pre[-1] in "、.．)）:：" or not rest)) else " "
                out.append(clean_text(pre) + sep + rest)
            else:
                out.append(clean_text("".join(parts)))
        return [x for x in out if x]

    # -- block containers (body, cell, text box, sdtContent)
    def blocks(self, container, depth: int = 0) -> list:
        out: list = []
        if depth > self.limits.max_depth:
            return out
        for el in container:
            ln = _ln(el)
            if ln == "p":
                extra: list = []
                out.extend(Paragraph(t) for t in self.paragraph_lines(el, extra))
                out.extend(extra)
            elif ln == "tbl":
                out.extend(self.table(el, depth + 1))
            elif ln in ("sdt",):
                content = _child(el, "sdtContent")
                if content is not None:
                    out.extend(self.blocks(content, depth + 1))
            elif ln in ("customXml", "ins", "moveTo", "smartTag", "sdtContent"):
                out.extend(self.blocks(el, depth + 1))
            elif ln == "altChunk" and self.alt_chunk is not None:
                out.extend(self.alt_chunk(_attr(el, "id")))
            elif ln == "AlternateContent":
                choice = _child(el, "Choice")
                if choice is not None:
                    out.extend(self.blocks(choice, depth + 1))
        return out

    # -- tables
    def _rows(self, tbl) -> list:
        rows = []

        def collect(el, depth=0):
            for ch in el:
                ln = _ln(ch)
                if ln == "tr":
                    rows.append(ch)
                elif ln in ("sdt", "sdtContent", "customXml", "ins", "moveTo") and depth < 5:
                    collect(ch, depth + 1)

        collect(tbl)
        return rows

    def _cells(self, tr) -> list:
        cells = []

        def collect(el, depth=0):
            for ch in el:
                ln = _ln(ch)
                if ln == "tc":
                    cells.append(ch)
                elif ln in ("sdt", "sdtContent", "customXml", "ins", "moveTo") and depth < 5:
                    collect(ch, depth + 1)

        collect(tr)
        return cells

    def _is_layout(self, tbl, rows) -> bool:
        if not rows:
            return True
        if all(len(self._cells(r)) <= 1 for r in rows):
            return True  # one column: no grid worth keeping
        for inner in tbl.iter():
            if inner is tbl or _ln(inner) != "tbl":
                continue
            irows = self._rows(inner)
            if len(irows) >= 2 and max((len(self._cells(r)) for r in irows), default=0) >= 2:
                return True
        return False

    def _grid_before_after(self, tr):
        trpr = _child(tr, "trPr")
        before = _attr(_child(trpr, "gridBefore"), "val")
        after = _attr(_child(trpr, "gridAfter"), "val")
        b = parse_span(before, self.limits) if before and before.strip() not in ("", "0") else 0
        a = parse_span(after, self.limits) if after and after.strip() not in ("", "0") else 0
        return b, a

    def cell_text(self, tc, depth: int) -> str:
        pieces = []
        for b in self.blocks(tc, depth + 1):
            if isinstance(b, Paragraph):
                pieces.append(b.text)
            else:
                pieces.extend(join_pieces(r) for r in b.rows)
        return join_pieces(pieces)

    def table(self, tbl, depth: int) -> list:
        rows = self._rows(tbl)
        if self._is_layout(tbl, rows):
            out = []
            for tr in rows:
                for tc in self._cells(tr):
                    out.extend(self.blocks(tc, depth + 1))
            return out
        grid: list[list[Optional[str]]] = []
        ids: list[list[int]] = []  # per grid position: the w:tc covering it (-1: gridBefore/gridAfter)
        cells_total = 0
        next_id = 0
        for r, tr in enumerate(rows):
            before, _after = self._grid_before_after(tr)
            row: list[Optional[str]] = [""] * before
            row_ids: list[int] = [-1] * before
            for tc in self._cells(tr):
                tcpr = _child(tc, "tcPr")
                span = parse_span(_attr(_child(tcpr, "gridSpan"), "val"), self.limits)
                vmerge = _child(tcpr, "vMerge")
                hmerge = _child(tcpr, "hMerge")
                col = len(row)
                if vmerge is not None and (_attr(vmerge, "val") or "continue") == "continue":
                    above = grid[r - 1] if r > 0 else []
                    text = above[col] if col < len(above) else ""
                elif hmerge is not None and (_attr(hmerge, "val") or "continue") == "continue" and row:
                    text = row[-1]
                    next_id -= 1  # the same cell as the one before it
                else:
                    text = self.cell_text(tc, depth)
                row.extend([text] * span)
                row_ids.extend([next_id] * span)
                next_id += 1
                cells_total += span
                if cells_total > self.limits.max_table_cells:
                    self.issues.append(DocIssue("table_too_large", f"table grid exceeds {self.limits.max_table_cells} cells", "warning"))
                    return []
            grid.append(row)
            ids.append(row_ids)
        grid_rows = [[c or "" for c in r] for r in grid]
        drop = _spanned_columns(ids) | _sliver_columns(tbl, ids, grid_rows)
        if drop:
            grid_rows = [[c for i, c in enumerate(r) if i not in drop] for r in grid_rows]
        grid_rows, _ = finish_grid(grid_rows)
        if not grid_rows:
            return []
        if len(grid_rows[0]) == 1:
            return [Paragraph(r[0]) for r in grid_rows]
        return [Table(rows=grid_rows)]


def _spanned_columns(ids: list[list[int]]) -> set[int]:
    """Grid columns c > 0 that no cell starts in, in any row: every row has one cell covering both c-1
    and c, so column c is a copy of column c-1 (see cells.drop_spanned_columns)."""
    width = max((len(r) for r in ids), default=0)
    return {c for c in range(1, width) if all(c < len(r) and r[c] != -1 and r[c] == r[c - 1] for r in ids)}


SLIVER_TWIPS = 30  # a w:gridCol narrower than this (0.53 mm) holds no readable text


def _sliver_columns(tbl, ids: list[list[int]], grid: list[list[str]]) -> set[int]:
    """Hairline grid columns (w:gridCol under SLIVER_TWIPS, left by rounding when LibreOffice or Word
    re-grids a table whose borders are a twip apart) where every row either leaves the position empty or
    covers it with a cell that also covers a neighbouring column: dropping them loses nothing."""
    grid_el = _child(tbl, "tblGrid")
    if grid_el is None:
        return set()
    widths = []
    for gc in grid_el:
        if _ln(gc) == "gridCol":
            w = _attr(gc, "w")
            try:
                widths.append(float(w) if w is not None else None)
            except ValueError:
                widths.append(None)
    out = set()
    for c, w in enumerate(widths):
        if w is None or w >= SLIVER_TWIPS:
            continue
        ok = True
        for r_ids, r_text in zip(ids, grid):
            if c >= len(r_ids):
                continue
            k = r_ids[c]
            spans_neighbour = k != -1 and ((c > 0 and r_ids[c - 1] == k) or (c + 1 < len(r_ids) and r_ids[c + 1] == k))
            if not spans_neighbour and (r_text[c] or "").strip():
                ok = False
                break
        if ok:
            out.add(c)
    if len(out) >= len(widths):
        return set()
    return out


# --------------------------------------------------------------------------- entry point

def _rels(zf: zipfile.ZipFile, part: str, limits: Limits, by_id: bool = False) -> dict[str, str]:
    """Relationship type suffix (or, by_id, relationship id) → target part name of `part`."""
    d, base = posixpath.split(part)
    rels_name = posixpath.join(d, "_rels", base + ".rels") if part else "_rels/.rels"
    try:
        root = etree.fromstring(read_member(zf, rels_name, limits), _PARSER)
    except (KeyError, etree.XMLSyntaxError):
        return {}
    out = {}
    for rel in root:
        typ = (rel.get("Type") or "").rsplit("/", 1)[-1]
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(d, target))
        out.setdefault(rel.get("Id") if by_id else typ, name)
    return out


def _read_xml(zf, name, limits):
    try:
        data = read_member(zf, name, limits)
    except KeyError:
        return None
    return etree.fromstring(data, _PARSER)


def _alt_chunks(data: bytes, main: str, limits: Limits, doc: Document):
    """Resolver for w:altChunk: HTML or MHT parts embedded by web editors that 'export to Word'."""
    def resolve(rid):
        from .html import extract_html, extract_mhtml
        from .sniff import sniff

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                name = _rels(zf, main, limits, by_id=True).get(rid or "")
                if not name:
                    return []
                part = read_member(zf, name, limits)
        except (KeyError, ExtractError, zipfile.BadZipFile, OSError, RuntimeError):
            return []
        kind = sniff(part)
        if kind == "mhtml":
            sub = extract_mhtml(part, limits=limits)
        elif kind in ("html", "text"):
            sub = extract_html(part, limits=limits, whole_page=True)
        else:
            return []
        doc.meta["alt_chunks"] = doc.meta.get("alt_chunks", 0) + 1
        return [b for b in sub.blocks]
    return resolve


def extract_docx(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    doc = Document(format="docx")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as e:
        doc.issues.append(DocIssue("corrupt_docx", f"not a readable zip: {e}"))
        return doc
    with zf:
        try:
            check_zip(zf, limits)
        except ExtractError as e:
            doc.issues.append(DocIssue(e.rule, e.message))
            return doc
        try:
            main = _rels(zf, "", limits).get("officeDocument", "word/document.xml")
            if main not in zf.namelist():
                main = "word/document.xml"
            root = _read_xml(zf, main, limits)
            if root is None:
                doc.issues.append(DocIssue("corrupt_docx", "no word/document.xml in the package"))
                return doc
            rels = _rels(zf, main, limits)
            numbering = styles = None
            try:
                if "numbering" in rels:
                    numbering = _read_xml(zf, rels["numbering"], limits)
                if "styles" in rels:
                    styles = _read_xml(zf, rels["styles"], limits)
            except etree.XMLSyntaxError:
                doc.issues.append(DocIssue("numbering_unreadable", "numbering or styles part is damaged", "warning"))
        except ExtractError as e:
            doc.issues.append(DocIssue(e.rule, e.message))
            return doc
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as e:
            # RuntimeError: encrypted member; NotImplementedError: unsupported compression
            doc.issues.append(DocIssue("corrupt_docx", f"cannot read the package: {e}"))
            return doc
        except etree.XMLSyntaxError as e:
            doc.issues.append(DocIssue("corrupt_docx", f"document.xml is not well-formed: {e}"))
            return doc
    body = _child(root, "body")
    if body is None:
        doc.issues.append(DocIssue("corrupt_docx", "document.xml has no w:body"))
        return doc
    walker = _DocxWalker(_Numbering(numbering, styles), limits, doc.issues, alt_chunk=_alt_chunks(data, main, limits, doc))
    doc.blocks = walker.blocks(body)
    for i, t in enumerate(doc.tables):
        t.index = i
    if walker.objects:
        doc.meta["embedded_objects"] = walker.objects
        doc.issues.append(DocIssue("embedded_objects", f"{walker.objects} embedded OLE object(s) (e.g. Excel tables) are not read", "warning"))
    if walker.images:
        doc.meta["images"] = walker.images
    text_len = sum(len(b.text) for b in doc.paragraphs) + sum(len(c) for t in doc.tables for r in t.rows for c in r)
    if text_len == 0:
        if walker.images:
            doc.needs_ocr = True
            doc.issues.append(DocIssue("needs_ocr", f"the document holds {walker.images} image(s) and almost no text", "warning"))
        else:
            doc.issues.append(DocIssue("no_text", "the document has no text"))
    return doc
