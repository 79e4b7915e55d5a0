"""sniff() and the never-raise contract of extract_bytes on bad input (no LibreOffice needed)."""
import io
import random
import struct
import sys
import time
import types
import zipfile

import docx
import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from normalize.document import Document, Paragraph
from normalize.extract import DEFAULT_LIMITS, Limits, extract_bytes, extract_path, sniff


# --------------------------------------------------------------------------- fixtures built in code

def make_ole(stream_names: list[str], extra: bytes = b"") -> bytes:
    """A minimal OLE2 compound file (v3, 512-byte sectors) whose directory lists empty streams."""
    free, end, fat_sect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, end, 0, end, 0)
    difat = [0] + [free] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = struct.pack("<128I", fat_sect, end, *([free] * 126))

    def entry(name, etype, child=nostream, right=nostream):
        e = bytearray(128)
        raw = name.encode("utf-16-le") + b"\x00\x00"
        e[0:len(raw)] = raw
        struct.pack_into("<HBBIII", e, 0x40, len(raw), etype, 1, nostream, right, child)
        struct.pack_into("<II", e, 0x74, end, 0)
        return bytes(e)

    names = ["Root Entry"] + stream_names
    entries = [entry("Root Entry", 5, child=1 if stream_names else nostream)]
    for i, n in enumerate(stream_names, start=1):
        entries.append(entry(n, 2, right=i + 1 if i < len(stream_names) else nostream))
    assert len(names) <= 4
    directory = b"".join(entries) + b"\x00" * (128 * (4 - len(entries)))
    return bytes(header) + fat + directory + extra


def small_pdf(text="政府信息公开工作年度报告") -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def small_docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("一、总体情况")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def zip_of(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    return buf.getvalue()


def image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(buf, fmt)
    return buf.getvalue()


HTML = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head><body><div class='TRS_Editor'><p>一、总体情况</p><p>" + "正文内容" * 40 + "</p></div></body></html>"


# --------------------------------------------------------------------------- sniff

@pytest.mark.parametrize("data,kind", [
    (b"", "empty"), (b"  \r\n\t\x00 ", "empty"),
    (b"%PDF-1.4\n%...", "pdf"), (b"\r\n<junk>\r\n%PDF-1.7\n", "pdf"),
    (b"{\\rtf1\\ansi hello}", "rtf"),
    (HTML.encode(), "html"), (b"\xef\xbb\xbf<html><body>x</body></html>", "html"),
    (b"<!-- saved -->\n<HTML><BODY>x", "html"), (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', "html"),
    (b"<div class=con><p>a</p><p>b</p><table><tr><td>1</td></tr></table></div>", "html"),
    ("一、总体情况\n\t自然人\n\t7\n".encode("utf-8"), "text"), ("一、总体情况\n\t自然人\n".encode("gb18030"), "text"),
    (b"\xff\xfe" + "一、总体情况".encode("utf-16-le"), "text"),
    (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n", "mhtml"),
    (bytes(range(256)) * 4, "unknown"), (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "unknown"),
])
def test_sniff_bytes(data, kind):
    assert sniff(data) == kind


def test_sniff_containers_and_images():
    assert sniff(small_docx()) == "docx"
    assert sniff(small_pdf()) == "pdf"
    assert sniff(zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})) == "xlsx"
    assert sniff(zip_of({"OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": "<x/>"})) == "ofd"
    assert sniff(zip_of({"a.txt": "x"})) == "zip"
    assert sniff(small_docx()[:3000]) == "docx"  # a truncated docx is still recognised
    for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF"):
        assert sniff(image(fmt)) == "image", fmt


def test_sniff_ole_directory():
    assert sniff(make_ole(["WordDocument", "1Table", "\x05SummaryInformation"])) == "doc"
    assert sniff(make_ole(["WordDocument", "WpsCustomData"])) == "wps"
    assert sniff(make_ole(["WordDocument", "1Table"], extra="KSOProductBuildVer".encode("utf-16-le"))) == "wps"
    assert sniff(make_ole(["Workbook"])) == "xls"
    assert sniff(make_ole(["Book"])) == "xls"
    assert sniff(make_ole(["EncryptionInfo", "EncryptedPackage"])) == "unknown"
    assert sniff(make_ole(["PowerPoint Document"])) == "unknown"
    # directory unreadable: a damaged OLE header falls back to 'doc' (LibreOffice decides)
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == "doc"


# --------------------------------------------------------------------------- bad input: right rule, no exception

def errors(doc):
    return [i.rule for i in doc.issues if i.level == "error"]


def warnings(doc):
    return [i.rule for i in doc.issues if i.level == "warning"]


def test_empty_file(tmp_path):
    for data in (b"", b"   \n\n", None):
        doc = extract_bytes(data, "report.pdf")
        assert isinstance(doc, Document) and doc.blocks == [] and errors(doc) == ["empty_file"]
    p = tmp_path / "empty.doc"
    p.write_bytes(b"")
    assert errors(extract_path(p)) == ["empty_file"]


def test_too_large(tmp_path):
    data = small_pdf()
    limits = Limits(max_bytes=len(data) - 1)
    doc = extract_bytes(data, "x.pdf", limits=limits)
    assert doc.blocks == [] and errors(doc) == ["too_large"] and doc.format == "pdf"
    p = tmp_path / "big.pdf"
    p.write_bytes(data)
    doc = extract_path(p, limits=limits)
    assert errors(doc) == ["too_large"] and doc.format == "pdf"
    assert extract_path(p).issues == []  # default limit: fine
    assert DEFAULT_LIMITS.max_bytes == 50 * 1024 * 1024


def test_missing_path(tmp_path):
    assert errors(extract_path(tmp_path / "nope.pdf")) == ["read_failed"]


def test_extension_lies():
    doc = extract_bytes(HTML.encode(), "https://example.gov.cn/P020240101.pdf?x=1")
    assert doc.format == "html" and errors(doc) == []
    assert warnings(doc) == ["extension_mismatch"] and "named .pdf" in doc.issues[0].message
    assert doc.paragraphs[0].text == "一、总体情况"
    doc = extract_bytes(small_docx(), "年报.doc")  # a .doc that is really a docx
    assert doc.format == "docx" and warnings(doc) == ["extension_mismatch"]
    assert doc.paragraphs[0].text == "一、总体情况"
    doc = extract_bytes(small_pdf(), "report.docx")
    assert doc.format == "pdf" and warnings(doc) == ["extension_mismatch"] and doc.text()
    # names that agree, or say nothing, give no warning
    for name in ("a.pdf", "A.PDF", "t20240130_86659", None, "download.jsp?id=3"):
        assert "extension_mismatch" not in warnings(extract_bytes(small_pdf(), name)), name
    assert extract_bytes(HTML.encode(), "t20240130_86659.htm").issues == []


def test_unsupported_and_unknown():
    for data, fmt in ((make_ole(["Workbook"]), "xls"), (zip_of({"OFD.xml": "<x/>"}), "ofd"), (zip_of({"a.txt": "x"}), "zip")):
        doc = extract_bytes(data)
        assert doc.format == fmt and doc.blocks == [] and warnings(doc) == ["unsupported_format"]
    doc = extract_bytes(bytes(range(256)) * 8, "x.bin")
    assert doc.format == "unknown" and errors(doc) == ["unknown_format"]
    doc = extract_bytes(make_ole(["EncryptionInfo", "EncryptedPackage"]), "secret.docx")
    assert errors(doc) == ["encrypted_office"]


def test_xlsx_tables():
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>数量</t></is></c></row>'
             '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>7.0</v></c></row>'
             '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3"><v>2.5</v></c></row></sheetData>'
             '<mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells></worksheet>')
    wb = zip_of({
        "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                           '<sheets><sheet name="表3" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                      '<Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/sharedStrings.xml": '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>项目</t></si>'
                                '<si><r><t>本年</t></r><r><t>新收</t></r></si></sst>',
        "xl/worksheets/sheet1.xml": sheet,
    })
    doc = extract_bytes(wb, "t.xlsx")
    assert doc.format == "xlsx" and doc.issues == []
    assert doc.paragraphs[0].text == "表3"
    assert doc.tables[0].rows == [["项目", "数量"], ["本年新收", "7"], ["本年新收", "2.5"]]


def test_images_need_ocr():
    doc = extract_bytes(image("PNG"), "scan.png")
    assert doc.needs_ocr and doc.format == "image" and warnings(doc) == ["needs_ocr"]
    assert doc.meta["image"] == {"kind": "png", "width": 20, "height": 10, "frames": 1}
    doc = extract_bytes(image("JPEG"), "scan.pdf")
    assert doc.needs_ocr and warnings(doc) == ["extension_mismatch", "needs_ocr"]


def test_text_dispatch_decodes_utf8_gb18030_and_boms(monkeypatch):
    seen = []
    fake = types.ModuleType("normalize.extract.textdump")

    def read_textdump(text):
        seen.append(text)
        return Document(blocks=[Paragraph(text.splitlines()[0])], format="text")

    fake.read_textdump = read_textdump
    monkeypatch.setitem(sys.modules, "normalize.extract.textdump", fake)
    body = "一、总体情况\n\t自然人\n\t7\n"
    for data in (body.encode("utf-8"), b"\xef\xbb\xbf" + body.encode("utf-8"), body.encode("gb18030"),
                 b"\xff\xfe" + body.encode("utf-16-le")):
        doc = extract_bytes(data, "seed.txt")
        assert doc.format == "text" and doc.issues == [] and doc.paragraphs[0].text == "一、总体情况"
    assert seen == [body] * 4


def test_never_raises_on_mangled_documents():
    """Truncations and byte flips of every format: a Document, no exception, bounded time."""
    rnd = random.Random(7)
    seeds = [small_pdf(), small_docx(), HTML.encode(), image("PNG"), make_ole(["WordDocument"])[:600],
             zip_of({"xl/workbook.xml": "<workbook/>"}), b"{\\rtf1 x"]
    t0 = time.monotonic()
    n = 0
    for seed in seeds:
        for _ in range(12):
            data = bytearray(seed[: rnd.randint(1, len(seed))])
            for _ in range(rnd.randint(0, 8)):
                if data:
                    data[rnd.randrange(len(data))] = rnd.randrange(256)
            if bytes(data[:5]) == b"{\\rtf" or sniff(bytes(data)) in ("doc", "wps", "rtf"):
                continue  # these go to LibreOffice: covered in test_extract_office.py
            doc = extract_bytes(bytes(data), "x")
            assert isinstance(doc, Document)
            n += 1
    assert n > 40
    assert time.monotonic() - t0 < 30


def test_a_truncated_doc_whose_text_says_workbook_is_still_a_doc():
    """Cut before its directory, an OLE file is told by its first stream's signature, not by names that
    its text may contain (a report that mentions an Excel 'Workbook' was sniffed as xls)."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    text = "附件：统计表 Workbook Book".encode("utf-16-le")
    word = ole + b"\xfd\xff\xff\xff" + b"\x00" * 508 + b"\xec\xa5\xc1\x00" + b"\x00" * 508 + text * 40
    assert sniff(word) == "doc"
    excel = ole + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 504 + "Workbook".encode("utf-16-le") * 40
    assert sniff(excel) == "xls"
