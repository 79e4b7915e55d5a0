"""PDF extraction with reportlab-made PDFs (no LibreOffice needed): tables across page breaks,
paragraphs, page furniture, encrypted / truncated / scanned files, isolation limits."""
import io
import time

import pytest
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from normalize.document import ExtractError, Table
from normalize.extract import Limits, extract_bytes
from normalize.extract.limits import run_isolated

FONT = "STSong-Light"  # Adobe CID font: no file needed, text extractable through its CMap
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("cn", fontName=FONT, fontSize=11, leading=16, firstLineIndent=22, wordWrap="CJK")
LONG = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，全年共收到政府信息公开申请7件，全部按时答复。" * 4


def number_pages(c, _doc):
    c.setFont(FONT, 9)
    c.drawCentredString(A4[0] / 2, 30, f"- {c.getPageNumber()} -")


def build(story, **kw) -> bytes:
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, **kw).build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return buf.getvalue()


@pytest.fixture(scope="module")
def split_table_pdf() -> bytes:
    header = [["本列数据的勾稽关系", "申请人情况", "", ""], ["", "自然人", "法人或其他组织", "总计"]]
    rows = [["三\n、\n本\n年\n度\n办\n理\n结\n果" if i == 0 else "", f"（{i}）项目", str(i), str(2 * i)] for i in range(45)]
    t = RLTable(header + rows, repeatRows=2)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                           ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (3, 0)), ("SPAN", (0, 2), (0, 8))]))
    story = [RLParagraph("一、总体情况", BODY), RLParagraph(LONG, BODY), RLParagraph(LONG, BODY), Spacer(1, 12),
             RLParagraph("三、收到和处理政府信息公开申请情况", BODY), t, RLParagraph("四、政府信息公开行政复议、行政诉讼情况", BODY)]
    return build(story)


def test_table_across_page_break(split_table_pdf):
    doc = extract_bytes(split_table_pdf, "report.pdf")
    assert doc.format == "pdf" and doc.pages == 2
    assert [i for i in doc.issues] == []
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.page == 1 and len(t.rows) == 2 + 45  # the repeated header on page 2 is dropped
    assert t.rows[0] == ["本列数据的勾稽关系", "申请人情况", "申请人情况", "申请人情况"]
    assert t.rows[1] == ["本列数据的勾稽关系", "自然人", "法人或其他组织", "总计"]
    assert [r[1:] for r in t.rows[2:]] == [[f"（{i}）项目", str(i), str(2 * i)] for i in range(45)]
    assert set(t.row_pages[:5]) == {1} and t.row_pages[-1] == 2
    assert len(t.row_pages) == len(t.rows) and t.row_pages == sorted(t.row_pages)
    # the label written one character per line is joined, and repeated in every row it spans
    # (a merged label cut by the page break: see test_extract_office.py)
    assert [r[0] for r in t.rows[2:9]] == ["三、本年度办理结果"] * 7
    assert {r[0] for r in t.rows[9:]} == {""}


def test_paragraphs_and_furniture(split_table_pdf):
    doc = extract_bytes(split_table_pdf)
    paras = doc.paragraphs
    assert [p.text for p in paras[:2]] == ["一、总体情况", LONG]  # wrapped lines joined into one paragraph
    assert paras[0].page == 1 and paras[-1].page == 2
    assert paras[-1].text == "四、政府信息公开行政复议、行政诉讼情况"
    assert "- 1 -" not in doc.text() and "- 2 -" not in doc.text()  # page numbers dropped
    kinds = ["T" if isinstance(b, Table) else b.text[:4] for b in doc.blocks]
    assert kinds == ["一、总体", "本机关认", "本机关认", "三、收到", "T", "四、政府"]


def test_separate_tables_stay_separate():
    def table(rows):
        t = RLTable(rows)
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
        return t
    pdf = build([table([["规章", "0"], ["规范性文件", "5"]]), RLParagraph("说明文字", BODY), table([["行政许可", "3", "1"]])])
    doc = extract_bytes(pdf)
    assert [t.rows for t in doc.tables] == [[["规章", "0"], ["规范性文件", "5"]], [["行政许可", "3", "1"]]]
    assert [t.index for t in doc.tables] == [0, 1]


def canvas_pdf(pages=1, text=True, image=False, encrypt=None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    for p in range(pages):
        if text:
            c.setFont(FONT, 12)
            c.drawString(72, 700, f"政府信息公开工作年度报告（第{p + 1}页）")
        if image:
            c.drawImage(ImageReader(Image.new("L", (300, 400), 230)), 40, 40, 500, 750)
        c.showPage()
    c.save()
    return buf.getvalue()


def test_encrypted_pdf():
    doc = extract_bytes(canvas_pdf(encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner")))
    assert doc.blocks == [] and [(i.rule, i.level) for i in doc.issues] == [("encrypted_pdf", "error")]
    # an owner password alone: the empty user password opens it
    doc = extract_bytes(canvas_pdf(encrypt=pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=0)))
    assert doc.issues == [] and doc.text() == "政府信息公开工作年度报告（第1页）"


def test_truncated_pdf():
    full = canvas_pdf(pages=3)
    for cut in (len(full) // 2, len(full) - 40):
        doc = extract_bytes(full[:cut])
        assert [i.rule for i in doc.issues] == ["truncated_pdf"], (cut, doc.issues)
        if doc.issues[0].level == "warning":  # PDFium rebuilt what survived
            assert doc.blocks
        else:
            assert doc.blocks == []


def test_corrupt_pdf():
    doc = extract_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100 + b"\n%%EOF\n")
    assert [i.rule for i in doc.issues] == ["corrupt_pdf"]


def test_scanned_pdf_needs_ocr():
    doc = extract_bytes(canvas_pdf(pages=2, text=False, image=True), "scan.pdf")
    assert doc.needs_ocr and doc.pages == 2
    assert [(i.rule, i.level) for i in doc.issues] == [("needs_ocr", "warning")]
    assert doc.meta["image_pages"] == [1, 2]
    # one scanned page among text pages: flagged, not needs_ocr
    mixed = canvas_pdf(pages=3)
    doc = extract_bytes(mixed)
    assert not doc.needs_ocr


def test_page_limit():
    doc = extract_bytes(canvas_pdf(pages=5), limits=Limits(max_pdf_pages=2))
    assert doc.pages == 5 and [i.rule for i in doc.issues] == ["too_many_pages"]
    assert [p.page for p in doc.paragraphs] == [1, 2]


def _sleep():
    time.sleep(30)


def _hog():
    blocks = []
    while True:
        blocks.append(bytearray(50 * 1024 * 1024))


def test_isolation_bounds_time_and_memory():
    t0 = time.monotonic()
    with pytest.raises(ExtractError) as e:
        run_isolated(_sleep, (), timeout=1, max_memory_mb=100)
    assert e.value.rule == "timeout" and time.monotonic() - t0 < 5
    with pytest.raises(ExtractError) as e:
        run_isolated(_hog, (), timeout=20, max_memory_mb=200)
    assert e.value.rule == "memory_limit"
    assert run_isolated(sum, ([1, 2, 3],), timeout=5, max_memory_mb=100) == 6


def test_pdf_runs_isolated_by_default_and_reports_timeout(monkeypatch):
    import normalize.extract.pdf as pdfmod

    monkeypatch.setattr(pdfmod, "extract_pdf", lambda data, limits: time.sleep(30))
    t0 = time.monotonic()
    doc = extract_bytes(canvas_pdf(), limits=Limits(timeout=1))
    assert [i.rule for i in doc.issues] == ["timeout"] and time.monotonic() - t0 < 5


def test_a_page_of_ruled_grid_is_read_as_text_without_table_search():
    """pdfplumber's cell finding is quadratic in ruling-line crossings (a 33 KB PDF of grids cost 110 s):
    a grid far beyond any report table is skipped with a warning, its text is still read."""
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(600, 800))
    for i in range(101):
        c.line(10, 10 + i * 7.8, 590, 10 + i * 7.8)
    for j in range(59):
        c.line(10 + j * 10, 10, 10 + j * 10, 790)
    c.setFont("Helvetica", 4)
    for i in range(0, 100, 3):
        c.drawString(12, 12 + i * 7.8, str(i))
    c.showPage()
    c.save()
    doc = extract_bytes(buf.getvalue(), "grid.pdf")
    rules = [i.rule for i in doc.issues]
    assert "tables_skipped" in rules and "needs_ocr" not in rules and doc.tables == []
    assert "48" in doc.text() and "51" in doc.text()
