"""OCR of scanned reports (normalize/extract/ocr.py, image_tables.py, ocr_hook.py, normalize/ocr_trust.py).

The golden test scans a real bundled report: the Pingtan 2023 report (gold in tests/golden/dev-reports)
rendered to PDF (tests/render_formats.py: DOCX, then LibreOffice), its table pages rasterised at 200 dpi,
rotated 0.6°, noised and JPEG-compressed (tests/render_scans.py), packed as an image-only PDF. Every
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
def pingtan(tmp_path_factory):
    [case] = [c for c in rf.load_cases() if c.name == "pingtan_xzspj_2023"]
    pdf = rf.render_all([case], tmp_path_factory.mktemp("ocr"), ("pdf",))[(case.name, "pdf")].read_bytes()
    ref = parse_document(extract_bytes(pdf))
    pages = sorted({c["page"] for c in ref["cells"] if c["table"] in ("t3", "t4")})
    scan = rs.scan_pdf(rs.page_images(pdf, 200, pages=pages), 200)
    doc = extract_bytes(scan, "scan.pdf")
    return ref, doc, parse_document(doc), pages


def test_scanned_pages_match_the_text_layer(pingtan):
    ref, doc, got, pages = pingtan
    assert not doc.needs_ocr and "ocr_applied" in [i.rule for i in doc.issues]
    assert len(doc.meta["ocr"]["pages"]) == len(pages)
    exp = {(c["table"], c["row"], c["col"]): c for c in ref["cells"] if c["table"] in ("t3", "t4")}
    act = {(c["table"], c["row"], c["col"]): c for c in got["cells"]}
    assert len(exp) >= 180
    wrong = [k for k in exp if k not in act or act[k]["value"] != exp[k]["value"]]
    assert len(wrong) <= 0.01 * len(exp), [(k, exp[k]["raw"], act.get(k, {}).get("raw")) for k in wrong]
    flagged = {i["message"].split(":")[0] for i in got["issues"] if i["rule"] == "ocr_low_confidence"}
    failing_tables = {c.get("message", "").split()[0] for c in got["checks"] if c["status"] == "fail"}
    for k in wrong:
        assert ".".join(k) in flagged or k[0] in failing_tables, f"wrong cell {k} is not flagged"


def test_every_ocr_cell_keeps_raw_confidence_page_and_box(pingtan):
    _ref, _doc, got, pages = pingtan
    ev = {(c["table"], c["row"], c["col"]): c for c in got["ocr"]["cells"]}
    for c in got["cells"]:
        e = ev[(c["table"], c["row"], c["col"])]
        assert e["raw"] == c["raw"] and 0 < e["conf"] <= 1 and 1 <= e["page"] <= len(pages)
        x0, top, x1, bottom = e["box"]
        assert 0 <= x0 < x1 <= 700 and 0 <= top < bottom <= 900
    assert got["template"] == "2021"
