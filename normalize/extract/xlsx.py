"""XLSX → Document (zipfile + lxml; cheap, no formulas evaluated).

Each non-empty worksheet gives a Paragraph with the sheet name and a Table with its used range as a
full grid: merged ranges (mergeCells) repeat their top-left text in every position they cover. Values
are the stored ones (shared strings, inline strings, cached formula results); integral numbers are
written without ".0". Dates stay Excel serial numbers. Zip bombs are refused before decompressing.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile

from lxml import etree

from ..document import DocIssue, Document, ExtractError, Paragraph, Table
from .cells import clean_text, finish_grid
from .limits import DEFAULT_LIMITS, Limits, check_zip, read_member

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def _ln(el) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _ref(ref: str):
    m = _REF.match(ref or "")
    if not m:
        return None
    return int(m.group(2)) - 1, _col(m.group(1))


def _text(el) -> str:
    """Text of a shared/inline string item, without phonetic runs."""
    out = []
    for t in el.iter():
        if _ln(t) == "t":
            anc = t.getparent()
            if anc is not None and _ln(anc) == "rPh":
                continue
            out.append(t.text or "")
    return "".join(out)


def _num(v: str) -> str:
    try:
        f = float(v)
    except ValueError:
        return v
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return v


def extract_xlsx(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    doc = Document(format="xlsx")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        doc.issues.append(DocIssue("corrupt_xlsx", f"not a readable zip: {e}"))
        return doc
    with zf:
        try:
            check_zip(zf, limits)
            names = set(zf.namelist())
            wb = etree.fromstring(read_member(zf, "xl/workbook.xml", limits), _PARSER)
            rels = {}
            if "xl/_rels/workbook.xml.rels" in names:
                for rel in etree.fromstring(read_member(zf, "xl/_rels/workbook.xml.rels", limits), _PARSER):
                    tgt = rel.get("Target") or ""
                    rels[rel.get("Id")] = tgt.lstrip("/") if tgt.startswith("/") else posixpath.normpath(posixpath.join("xl", tgt))
            shared = []
            if "xl/sharedStrings.xml" in names:
                for si in etree.fromstring(read_member(zf, "xl/sharedStrings.xml", limits), _PARSER):
                    shared.append(_text(si))
            sheets = []
            for el in wb.iter():
                if _ln(el) == "sheet":
                    rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
                    path = rels.get(rid) or f"xl/worksheets/sheet{len(sheets) + 1}.xml"
                    sheets.append((el.get("name") or "", path, el.get("state") or "visible"))
            for name, path, state in sheets:
                if path not in names or state != "visible":
                    continue
                table = _sheet(etree.fromstring(read_member(zf, path, limits), _PARSER), shared, limits, doc)
                if table is not None:
                    doc.blocks.append(Paragraph(clean_text(name)))
                    doc.blocks.append(table)
        except ExtractError as e:
            doc.issues.append(DocIssue(e.rule, e.message))
            return doc
        except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError) as e:
            doc.issues.append(DocIssue("corrupt_xlsx", f"cannot read the workbook: {type(e).__name__}: {e}"[:300]))
            return doc
    for i, t in enumerate(doc.tables):
        t.index = i
    if not doc.blocks:
        doc.issues.append(DocIssue("no_text", "the workbook has no cell text"))
    return doc


def _sheet(root, shared, limits: Limits, doc: Document):
    cells: dict[tuple[int, int], str] = {}
    merges = []
    for el in root.iter():
        ln = _ln(el)
        if ln == "c":
            pos = _ref(el.get("r") or "")
            if pos is None:
                continue
            typ = el.get("t") or "n"
            v = next((ch for ch in el if _ln(ch) == "v"), None)
            if typ == "inlineStr":
                is_ = next((ch for ch in el if _ln(ch) == "is"), None)
                text = _text(is_) if is_ is not None else ""
            elif v is None or v.text is None:
                continue
            elif typ == "s":
                try:
                    text = shared[int(v.text)]
                except (ValueError, IndexError):
                    text = ""
            elif typ == "n":
                text = _num(v.text)
            elif typ == "b":
                text = "TRUE" if v.text.strip() == "1" else "FALSE"
            else:
                text = v.text
            text = clean_text(text)
            if text:
                cells[pos] = text
                if len(cells) > limits.max_table_cells:
                    doc.issues.append(DocIssue("table_too_large", "worksheet has too many cells", "warning"))
                    return None
        elif ln == "mergeCell":
            a, _, b = (el.get("ref") or "").partition(":")
            pa, pb = _ref(a), _ref(b or a)
            if pa and pb:
                merges.append((pa, pb))
    if not cells:
        return None
    nrows = max(r for r, _ in cells) + 1
    ncols = max(c for _, c in cells) + 1
    if nrows * ncols > 4 * limits.max_table_cells:
        doc.issues.append(DocIssue("table_too_large", f"worksheet range {nrows}x{ncols} is too large", "warning"))
        return None
    grid = [[""] * ncols for _ in range(nrows)]
    for (r, c), t in cells.items():
        grid[r][c] = t
    for (r0, c0), (r1, c1) in merges:
        text = cells.get((r0, c0), "")
        for r in range(r0, min(r1, nrows - 1) + 1):
            for c in range(c0, min(c1, ncols - 1) + 1):
                grid[r][c] = text
    rows, _ = finish_grid(grid)
    return Table(rows=rows) if rows else None
