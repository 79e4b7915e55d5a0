"""OCR of scanned reports (normalize/extract/ocr.py, image_tables.py, ocr_hook.py, normalize/ocr_trust.py).

The golden test scans a real bundled report: the Pingtan 2023 report (gold in tests/golden/dev-reports)
rendered to PDF (tests/render_formats.py: DOCX, then LibreOffice), its page with tables 3 and 4
rasterised at 200 dpi, rotated 0.6°, noised and JPEG-compressed (tests/render_scans.py) and put back as
an image-only page among the text pages (OCR must run on that page only). Every
cell read by OCR is compared with the text-layer parse of the same PDF. OCR is slow on 2 shared cores,
so the suite reads two pages; benchmarks/ocr_accuracy.py measures every report at 150/200/300 dpi.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT / "tests"))

import render_formats as rf  # noqa: E402
import render_scans as rs  # noqa: E402

from normalize.extract import extract_bytes  # noqa: E402
from normalize.extract import image_tables as it  # noqa: E402
from normalize.extract import ocr  # noqa: E402
from normalize.parse import parse_document  # noqa: E402


def _draw_table(angle: float = 0.0) -> np.ndarray:
    """A white page with a ruled 3×3 table whose first row is one merged cell and whose first column
    merges rows 2-3 (drawn with OpenCV: no OCR involved)."""
    import cv2

    img = np.full((1100, 800), 255, np.uint8)
    x = [100, 300, 500, 700]
    y = [100, 160, 220, 280]
    for yy in y:
        cv2.line(img, (x[0], yy), (x[-1], yy), 0, 2)
    cv2.line(img, (x[0], y[0]), (x[0], y[-1]), 0, 2)
    cv2.line(img, (x[-1], y[0]), (x[-1], y[-1]), 0, 2)
    for xx in x[1:-1]:
        cv2.line(img, (xx, y[1]), (xx, y[-1]), 0, 2)
    # unmerge: column 0 spans rows 1-2 → erase the rule between them in column 0
    cv2.line(img, (x[0] + 3, y[2]), (x[1] - 3, y[2]), 255, 4)
    # a character-like stroke inside a cell must not become a rule
    cv2.line(img, (400, 170), (400, 205), 0, 3)
    if angle:
        m = cv2.getRotationMatrix2D((400, 550), angle, 1.0)
        img = cv2.warpAffine(img, m, (800, 1100), borderValue=255)
    return img


@pytest.mark.parametrize("angle", [0.0, 0.8])
def test_grid_from_ruling_lines_with_spans(angle):
    gray, applied = it.deskew(_draw_table(angle))
    assert abs(applied + angle) <= 0.15
    [grid] = it.find_grids(gray)
    ids = grid.cell_of
    assert len(ids) == 3 and len(ids[0]) == 3
    assert ids[0][0] == ids[0][1] == ids[0][2]  # merged header row
    assert ids[1][0] == ids[2][0]  # vertically merged label
    assert len({ids[1][1], ids[1][2], ids[2][1], ids[2][2], ids[1][0]}) == 5  # the stroke split nothing


def test_models_come_from_the_installed_wheel():
    eng = ocr.engine()
    inside = ocr.models_dir()
    for session in (eng.text_det.infer.session, eng.text_rec.session.session):
        assert inside in Path(session._model_path).resolve().parents
        assert session.get_session_options().intra_op_num_threads <= 2


def test_tiny_image_is_left_needs_ocr():
    from PIL import Image
    import io

    buf = io.BytesIO()
    Image.new("L", (40, 30), 255).save(buf, "PNG")
    doc = extract_bytes(buf.getvalue(), "x.png")
    assert doc.needs_ocr and [i.rule for i in doc.issues] == ["needs_ocr"] and "ocr" not in doc.meta


@pytest.fixture(scope="module")
def pingtan_pdf(tmp_path_factory):
    """The LibreOffice PDF of the Pingtan report and its text-layer parse."""
    [case] = [c for c in rf.load_cases() if c.name == "pingtan_xzspj_2023"]
    pdf = rf.render_all([case], tmp_path_factory.mktemp("ocr"), ("pdf",))[(case.name, "pdf")].read_bytes()
    return pdf, parse_document(extract_bytes(pdf))


def _mixed_pdf(pdf: bytes, scanned: list[int], dpi: int) -> bytes:
    """The PDF with the given pages replaced by their scans (image-only pages among text pages)."""
    import io

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    scan = pdfium.PdfDocument(rs.scan_pdf(rs.page_images(pdf, dpi, pages=scanned), dpi))
    for k, n in enumerate(scanned):
        doc.del_page(n - 1)
        doc.import_pages(scan, [k], n - 1)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pingtan(pingtan_pdf):
    """Its page with tables 3 and 4 scanned at 200 dpi, the other pages keep their text layer."""
    pdf, ref = pingtan_pdf
    pages = sorted({c["page"] for c in ref["cells"] if c["table"] in ("t3", "t4")})
    doc = extract_bytes(_mixed_pdf(pdf, pages, 200), "scan.pdf")
    return ref, doc, parse_document(doc), pages


def test_scanned_pages_match_the_text_layer(pingtan):
    ref, doc, got, pages = pingtan
    assert not doc.needs_ocr and "ocr_applied" in [i.rule for i in doc.issues]
    # OCR ran only on the scanned page; the text pages kept their text layer
    assert [p["page"] for p in doc.meta["ocr"]["pages"]] == pages
    assert got["year"] == 2023 and got["agency"] == ref["agency"]
    exp = {(c["table"], c["row"], c["col"]): c for c in ref["cells"] if c["table"] in ("t3", "t4")}
    act = {(c["table"], c["row"], c["col"]): c for c in got["cells"]}
    assert len(exp) >= 180
    wrong = [k for k in exp if k not in act or act[k]["value"] != exp[k]["value"]]
    assert len(wrong) <= 0.01 * len(exp), [(k, exp[k]["raw"], act.get(k, {}).get("raw")) for k in wrong]
    flagged = {".".join((i["table"], i["row"], i.get("col") or "*")) for i in got["issues"] if i.get("row")}
    failing_tables = {c.get("message", "").split()[0] for c in got["checks"] if c["status"] == "fail"}
    for k in wrong:
        assert ".".join(k) in flagged or f"{k[0]}.{k[1]}.*" in flagged or k[0] in failing_tables, \
            f"wrong cell {k} is not flagged"


def test_every_ocr_cell_keeps_raw_confidence_page_and_box(pingtan):
    _ref, _doc, got, pages = pingtan
    ev = {(c["table"], c["row"], c["col"]): c for c in got["ocr"]["cells"]}
    ocr_cells = [c for c in got["cells"] if c["page"] in pages]
    assert len(ocr_cells) >= 180
    for c in ocr_cells:
        e = ev[(c["table"], c["row"], c["col"])]
        assert e["raw"] == c["raw"] and 0 < e["conf"] <= 1 and e["page"] in pages
        x0, top, x1, bottom = e["box"]
        assert 0 <= x0 < x1 <= 700 and 0 <= top < bottom <= 900
    assert got["template"] == "2021"


def test_web_page_with_its_tables_as_images_through_the_build_and_cache(pingtan_pdf, tmp_path):
    """A report page whose text is HTML but whose statistical tables are posted as pictures: the real
    Pingtan page (render_html) with its three tables replaced by two <img> (its PDF's pages 1 and 2,
    scanned at 150 dpi), in page order — not URL order. The build OCRs the images as one document
    (table 2 runs from the first image into the second), adds their tables to the page, does not OCR the
    archived images on their own, and a rebuild takes everything from the parse cache."""
    import json
    import re
    import sqlite3

    from crawler.archive import Archive
    from normalize.build import build

    pdf, _ref = pingtan_pdf
    [case] = [c for c in rf.load_cases() if c.name == "pingtan_xzspj_2023"]
    site = "http://www.example.fixture.gov.cn/zwgk/zfxxgknb/"
    a = Archive(tmp_path / "archive")
    a.run_dir("r1").mkdir(parents=True)
    (a.run_dir("r1") / "sources.json").write_text(json.dumps([{
        "id": "ex", "name": "示例", "agency": "平潭综合实验区行政审批局", "level": "county", "region": "福建省平潭",
        "family": "trs-wcm", "entry_urls": [site], "enabled": True, "expected_min_reports": 1}], ensure_ascii=False))
    a.write_summary("r1", {"run_id": "r1", "started_at": "2026-01-01T00:00:00+00:00",
                           "finished_at": "2026-01-01T00:01:00+00:00", "sites": [{"site": "ex", "status": "ok"}],
                           "errors": [], "blocked_hosts": [], "totals": {"reports": 1}})
    page = site + "202401/t20240130_1.html"
    names = ["W020240130_b.jpg", "W020240130_a.jpg"]  # page order is not URL order
    imgs = "".join(f'<p><img src="./{n}"></p>' for n in names)
    html = rf.render_html(case).decode("utf-8")
    html = re.sub(r"<table.*?</table>", "", html.replace("<table", imgs + "<table", 1), flags=re.S)
    assert "<table" not in html and html.count("<img") == 2
    title = case.expected["title"]
    a.store(html.encode("utf-8"), url=page, kind="report_page", site="ex", run_id="r1",
            meta={"role": "report_page", "title": title, "listed_title": title, "listing": site})
    for n, data in zip(names, rs.page_images(pdf, 150, pages=[1, 2])):
        a.store(data, url=site + "202401/" + n, kind="attachment", site="ex", run_id="r1",
                meta={"role": "attachment", "parent_url": page})
    db, cache = tmp_path / "ogi.db", tmp_path / "cache"
    build(a.root, db, parse_cache=cache)
    con = sqlite3.connect(db)
    assert not con.execute("SELECT message FROM issues WHERE rule IN ('timeout', 'ocr_failed')").fetchall()
    got = {(t, r, c): v for t, r, c, v in con.execute("SELECT tbl, row_code, col_code, value FROM cells")}
    exp = {(c["table"], c["row"], c["col"]): c["value"] for c in case.expected["cells"]}
    wrong = [k for k in exp if got.get(k) != exp[k]]
    assert len(wrong) <= 0.01 * len(exp), wrong
    messages = [m for (m,) in con.execute("SELECT message FROM issues")]
    assert all(any(m.startswith(".".join(k) + ":") for m in messages) for k in wrong)
    rules = {r for (r,) in con.execute("SELECT rule FROM issues")}
    assert "ocr_with_page" in rules and "needs_ocr" not in rules
    assert con.execute("SELECT year, agency FROM reports").fetchall() == [(2023, case.expected["agency"])]
    con.close()
    counts = build(a.root, tmp_path / "again.db", parse_cache=cache)
    assert counts["from_cache"] == 3
    con = sqlite3.connect(tmp_path / "again.db")
    assert {(t, r, c): v for t, r, c, v in con.execute("SELECT tbl, row_code, col_code, value FROM cells")} == got
