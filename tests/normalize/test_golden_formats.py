"""Cross-format golden tests: every golden document, re-rendered into HTML, DOCX, PDF and DOC, parses
to exactly its golden cells.

The cases are the five seeds (tests/golden/seeds/*.json) and the dev reports with a gold file
(tests/golden/dev-reports/*.json). tests/render_formats.py renders each from its golden cells and the
original's own paragraphs: an HTML page with rowspan/colspan, a DOCX with real merged cells (python-docx),
the PDF and DOC LibreOffice makes from that DOCX, and (a second PDF producer) the PDF the local portal's
ReportLab generator draws ('pdf_reportlab'). The DOC is read the way the corpus build reads DOC
files: converted back by `convert_office_batch` (one batch for all), then `extract_path` on the .doc
(which finds the conversion in the cache). LibreOffice runs three times per session in all (DOCX→PDF and
DOCX→DOC in parallel, then DOC→DOCX); the files are rendered once per session into a temporary
directory, or into $OGI_RENDER_DIR, where they are kept and reused while their inputs do not change.

Compared for every rendering:
- every cell: value, raw, unit, remark (a failure lists every differing cell, see golden_compare.py);
- template, t3_rows, year, agency, title, published, the section codes; no error-level issue;
- the extracted Document itself: exactly three tables (4, 10 and 15 columns wide), t3's vertical label
  三、本年度办理结果 whole — PDF tables broken across pages must come back as one grid.
At the end, minimal regression cases for the extractor bugs these renderings found.
Without LibreOffice the PDF/DOC tests FAIL with a message saying so; they are never skipped.

What a format legitimately cannot round-trip (and how the test treats it):
- provenance: `page` is the PDF page of the cell's row (set, ≥ 1, for PDF; None for every other format);
  `table_index`, `grid_row`, `grid_col` describe the rendering's own tables (the renderer draws the
  official layout, not the original's), so they are checked for presence, not compared with the gold;
- `published` of a web page comes from the portal's <meta name="PubDate">, which only the HTML rendering
  carries: in DOCX/PDF/DOC such a report has no publication date (None). Dates printed in the document
  itself (a dated signature) round-trip in every format;
- PDF titles: the PDF extractor drops spaces next to CJK characters (they are Word's auto-spacing in
  real PDFs), so "2020 年…" reads "2020年…": PDF titles are compared without spaces.
Issues are not compared with the gold: the gold's warnings describe the original's printing faults
(e.g. seed 001's extra cells), which the clean re-rendering does not reproduce.
"""
from __future__ import annotations

import os
import re
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

import render_formats as rf  # noqa: E402
from golden_compare import diff_cells  # noqa: E402

from normalize.extract import Limits, convert_office_batch, extract_path  # noqa: E402
from normalize.parse import parse_document  # noqa: E402

NAMES = rf.seed_stems() + rf.dev_names()
FORMATS = rf.FORMATS
VALUE_FIELDS = ("value", "raw", "unit", "remark")
META = ("template", "t3_rows", "year", "agency", "title", "published")
SOFFICE_REQUIRED = ("LibreOffice (soffice) is not installed: it is required for the PDF and DOC renderings and to "
                    "read DOC files. Install it with `make setup` (Debian package libreoffice-writer-nogui).")


@pytest.fixture(scope="session")
def cases():
    return {c.name: c for c in rf.load_cases()}


@pytest.fixture(scope="session")
def render_dir(tmp_path_factory):
    keep = os.environ.get("OGI_RENDER_DIR")
    return Path(keep) if keep else tmp_path_factory.mktemp("renderings")


@pytest.fixture(scope="session")
def plain_files(cases, render_dir):
    """HTML, DOCX and ReportLab PDF renderings (no LibreOffice needed)."""
    return rf.render_all(list(cases.values()), render_dir / "plain", ("html", "docx", "pdf_reportlab"))


@pytest.fixture(scope="session")
def office_files(cases, render_dir):
    """PDF and DOC renderings from LibreOffice, and the DOC→DOCX conversions for reading the DOCs back
    (one batch; `extract_path` then finds them in the cache)."""
    if rf.find_soffice() is None:
        pytest.fail(SOFFICE_REQUIRED, pytrace=False)
    paths = rf.render_all(list(cases.values()), render_dir / "office", rf.SOFFICE_FORMATS)
    cache = render_dir / "office" / "convert-cache"
    docs = [paths[(n, "doc")] for n in NAMES]
    converted = convert_office_batch([p.read_bytes() for p in docs], cache_dir=cache)
    failed = [p.name for p, out in zip(docs, converted) if out is None]
    assert not failed, f"LibreOffice could not convert the DOC renderings back to DOCX: {failed}"
    return paths, Limits(cache_dir=str(cache))


@pytest.fixture(scope="session")
def parsed(request):
    """(name, fmt) -> (extracted Document, parse result), computed once per session."""
    memo: dict = {}

    def get(name: str, fmt: str):
        key = (name, fmt)
        if key not in memo:
            if fmt in rf.SOFFICE_FORMATS:
                paths, limits = request.getfixturevalue("office_files")
            else:
                paths, limits = request.getfixturevalue("plain_files"), Limits()
            doc = extract_path(paths[key], limits=limits)
            memo[key] = (doc, parse_document(doc))
        return memo[key]

    return get


def _params():
    return [pytest.param(n, f, id=f"{n}-{f}") for n in NAMES for f in FORMATS]


def test_cases_cover_every_golden_document():
    assert len(rf.seed_stems()) == 5 and "pingtan_xzspj_2023" in rf.dev_names()


@pytest.mark.parametrize("name,fmt", _params())
def test_rendering_cells(name, fmt, cases, parsed):
    _doc, res = parsed(name, fmt)
    diffs = diff_cells(cases[name].expected["cells"], res["cells"], VALUE_FIELDS)
    assert not diffs, f"{name}.{fmt}: {len(diffs)} cell difference(s):\n  " + "\n  ".join(diffs)


def _expected_meta(case, fmt: str) -> dict:
    want = {k: case.expected[k] for k in META}
    if fmt != "html" and case.html_meta.get("PubDate"):
        want["published"] = None  # page metadata: only the HTML rendering carries it
    return want


def _nospace(s):
    return re.sub(r"\s+", "", s) if isinstance(s, str) else s


@pytest.mark.parametrize("name,fmt", _params())
def test_rendering_meta_and_sections(name, fmt, cases, parsed):
    doc, res = parsed(name, fmt)
    case = cases[name]
    problems = []
    for k, want in _expected_meta(case, fmt).items():
        got = res[k]
        if k == "title" and fmt.startswith("pdf"):
            want, got = _nospace(want), _nospace(got)
        if got != want:
            problems.append(f"{k}: expected {want!r}, got {got!r}")
    if list(res["sections"]) != case.expected["sections"]:
        problems.append(f"sections: expected {case.expected['sections']}, got {list(res['sections'])}")
    errors = [i for i in res["issues"] if i["level"] == "error"]
    if errors:
        problems.append(f"error issues: {errors}")
    if doc.format != rf.REAL_FORMAT.get(fmt, fmt):
        problems.append(f"format: expected {rf.REAL_FORMAT.get(fmt, fmt)}, got {doc.format}")
    assert not problems, f"{name}.{fmt}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name,fmt", _params())
def test_rendering_provenance(name, fmt, parsed):
    doc, res = parsed(name, fmt)
    cells = res["cells"]
    assert cells
    missing = [f"{c['table']}.{c['row']}.{c['col']}" for c in cells
               if c["table_index"] is None or c["grid_row"] is None or c["grid_col"] is None]
    assert not missing, f"cells without a table position: {missing}"
    if fmt.startswith("pdf"):
        bad = [f"{c['table']}.{c['row']}.{c['col']}={c['page']!r}" for c in cells
               if not isinstance(c["page"], int) or not 1 <= c["page"] <= (doc.pages or 0)]
        assert not bad, f"PDF cells without a page in 1..{doc.pages}: {bad}"
    else:
        assert all(c["page"] is None for c in cells), "only PDF cells have pages"


@pytest.mark.parametrize("name,fmt", _params())
def test_rendering_tables_are_whole(name, fmt, parsed):
    """The extractor gives the three tables as three full grids, whatever the format: PDF tables broken
    across pages are joined (also when the continuation lacks inner column edges), and a merged label
    whose text the page break cut ("三、本年度办" | "理结果") reads whole again; DOCX/DOC grids carry no
    hairline columns (LibreOffice's 1-twip w:gridCol)."""
    doc, _res = parsed(name, fmt)
    widths = [len(t.rows[0]) for t in doc.tables]
    assert widths == [4, 10, 15], f"{name}.{fmt}: tables of widths {widths}, expected [4, 10, 15] (t2, t3, t4)"
    t3 = doc.tables[1]
    labels = {r[0] for r in t3.rows}
    assert "三、本年度办理结果" in labels, f"{name}.{fmt}: t3 column 0 reads {sorted(labels)}"
    assert all(len(r) == 10 for r in t3.rows)


def test_renderings_have_real_merged_cells(plain_files):
    """The renderer draws what it claims: DOCX gridSpan + vMerge, HTML rowspan + colspan."""
    for name in NAMES:
        with zipfile.ZipFile(plain_files[(name, "docx")]) as zf:
            xml = zf.read("word/document.xml").decode("utf-8")
        assert xml.count("<w:gridSpan") >= 20 and xml.count('<w:vMerge w:val="restart"/>') >= 6, name
        html = plain_files[(name, "html")].read_text("utf-8")
        assert 'rowspan="3" colspan="3"' in html and 'colspan="10"' in html, name


def test_office_renderings_are_what_they_claim(office_files):
    from normalize.extract import sniff

    paths, _ = office_files
    for name in NAMES:
        assert sniff(paths[(name, "pdf")].read_bytes()) == "pdf"
        assert sniff(paths[(name, "doc")].read_bytes()) == "doc"


# ---------------------------------------------------------------------------------------------
# Extractor regressions found by the renderings (minimal cases, no LibreOffice needed)


def _docx_with_sliver_column() -> bytes:
    """The shape LibreOffice gives table 4 after DOCX→DOC→DOCX: a 1-twip w:gridCol that row 0 starts a
    cell in and the other rows cover with a gridSpan=2."""
    import io

    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    d.add_paragraph("表四")

    def tc(text, span=1):
        grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        return f"<w:tc><w:tcPr>{grid}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"

    rows = [tc("行政复议") + tc("行政诉讼", 3), tc("总计", 2) + tc("结果维持") + tc("总计"),
            tc("1", 2) + tc("0") + tc("0")]
    xml = (f"<w:tbl {nsdecls('w')}><w:tblPr/><w:tblGrid><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"1\"/>"
           f"<w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"2000\"/></w:tblGrid>"
           + "".join(f"<w:tr>{r}</w:tr>" for r in rows) + "</w:tbl>")
    body = d.element.body
    body.insert(len(body) - 1, parse_xml(xml))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_hairline_grid_column_is_dropped():
    from normalize.extract import extract_bytes

    doc = extract_bytes(_docx_with_sliver_column(), "t.docx")
    assert doc.tables[0].rows == [["行政复议", "行政诉讼", "行政诉讼"], ["总计", "结果维持", "总计"], ["1", "0", "0"]]


def test_html_column_spanned_in_every_row_is_dropped():
    from normalize.extract import extract_bytes

    html = ("<html><body><div class='TRS_Editor'><p>" + "说明" * 60 + "</p><table>"
            "<tr><td colspan='2'>信息内容</td><td>本年制发件数</td></tr>"
            "<tr><td colspan='2'>规章</td><td>3</td></tr></table></div></body></html>").encode("utf-8")
    assert extract_bytes(html, "t.html").tables[0].rows == [["信息内容", "本年制发件数"], ["规章", "3"]]


def test_pdf_cells_pdfium_leaves_empty_are_read_by_pdfplumber(monkeypatch):
    """Tables come from PDFium's ruling lines (pdfplumber's lattice algorithm, no pdfminer pass); when
    PDFium shows a text object without text-layer characters, the page is read by pdfplumber too and its
    text fills the cells PDFium left empty."""
    from normalize.extract import pdf as P

    data = rf.render_reportlab_pdf(rf.seed_case("004_f46a9f797d970bff"))
    raw = "5728300（单位：元）"
    real = P._page_chars

    def drop_amount(page):
        chars = real(page)
        text = "".join(c.ch for c in chars)
        i = text.find(raw)
        return chars if i < 0 else chars[:i] + chars[i + len(raw):]

    monkeypatch.setattr(P, "_page_chars", drop_amount)
    doc = P.extract_pdf(data)
    rows = [r for t in doc.tables for r in t.rows if r[0] == "政府集中采购"]
    assert rows and rows[0][2] == raw, rows
