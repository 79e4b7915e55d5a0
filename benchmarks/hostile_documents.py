"""Hostile documents against the bounded extractors: outcome, wall time and peak memory of each case.

    .venv/bin/python benchmarks/hostile_documents.py [--only NAME]

Each case is extracted in a fresh process with the build's limits (`extract_bytes`, default Limits:
120 s and 2 GB per isolated extraction); peak memory is the largest resident set of that process and
of the children it forked. The 48 MB HTML of 12.6 M <p> is the case of issue 10 (164 s and 6 GB before
extraction was isolated for HTML). The PDFs are a one-page PDF whose content stream inflates to 3 GB (a Flate
bomb) and one with 300 MB of path operators.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def html_paragraphs(n: int) -> bytes:
    return b"<html><body>" + b"<p>x</p>" * n + b"</body></html>"


def html_nested(depth: int) -> bytes:
    return b"<html><body>" + b"<div>" * depth + b"x" + b"</div>" * depth + b"</body></html>"


def html_table(rows: int, cols: int) -> bytes:
    row = b"<tr>" + b"<td>1</td>" * cols + b"</tr>"
    return b"<html><body><table>" + row * rows + b"</table></body></html>"


def docx_paragraphs(n: int) -> bytes:
    from docx import Document

    buf = io.BytesIO()
    d = Document()
    d.add_paragraph("a")
    d.save(buf)
    rnd = random.Random(1)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"".join(
                    b"<w:p><w:r><w:t>%d</w:t></w:r></w:p>" % rnd.randrange(10 ** 9) for _ in range(n)), 1)
            zout.writestr(item, data)
    return out.getvalue()


def docx_zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * (150 * 1024 * 1024) + b"</w:document>")
    return out.getvalue()


def pdf_page_content(mb: int, unit: bytes = b"0 0 m 1 1 l S\n") -> bytes:
    """A one-page PDF whose content stream inflates to `mb` MB of `unit` (path operators by default): a
    Flate bomb when mb is large, a page that takes PDFium long to parse when mb is moderate."""
    import zlib

    comp = zlib.compressobj(1)
    chunk = unit * (65536 // len(unit))
    parts = [comp.compress(chunk) for _ in range(mb * 1024 * 1024 // len(chunk))]
    parts.append(comp.flush())
    stream = b"".join(parts)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def mhtml_of(html: bytes) -> bytes:
    return (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"B\"\r\n\r\n--B\r\n"
            b"Content-Type: text/html; charset=utf-8\r\nContent-Location: http://x.gov.cn/a.html\r\n\r\n"
            + html + b"\r\n--B--\r\n")


def xlsx_cells(rows: int) -> bytes:
    sheet = b"".join(b'<row r="%d"><c r="A%d" t="n"><v>%d</v></c><c r="B%d" t="n"><v>1</v></c></row>' % (i, i, i, i)
                     for i in range(1, rows + 1))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + sheet + b"</sheetData></worksheet>")
    return out.getvalue()


CASES = {
    "html_48MB_12.6M_p": ("page.html", lambda: html_paragraphs(6_300_000)[:48 * 1024 * 1024]),
    "html_1M_p": ("page.html", lambda: html_paragraphs(1_000_000)),
    "html_nested_200k_div": ("page.html", lambda: html_nested(200_000)),
    "html_table_3000x300": ("page.html", lambda: html_table(3000, 300)),
    "mhtml_1M_p": ("page.mht", lambda: mhtml_of(html_paragraphs(1_000_000))),
    "docx_1M_paragraphs": ("r.docx", lambda: docx_paragraphs(1_000_000)),
    "docx_zip_bomb_150MB": ("r.docx", docx_zip_bomb),
    "xlsx_1M_rows": ("r.xlsx", lambda: xlsx_cells(1_000_000)),
    "pdf_flate_bomb_3GB": ("r.pdf", lambda: pdf_page_content(3072, b"\0" * 64)),
    "pdf_paths_300MB": ("r.pdf", lambda: pdf_page_content(300)),
}

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from normalize.extract import extract_bytes
data = open(sys.argv[2], "rb").read()
t = time.monotonic()
doc = extract_bytes(data, sys.argv[3])
sec = time.monotonic() - t
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
errors = [i.rule for i in doc.issues if getattr(i, "level", "error") == "error"]
print(json.dumps({"seconds": round(sec, 1), "peak_mb": peak // 1024, "errors": errors,
                  "blocks": len(doc.blocks)}))
"""


def run_case(name: str, tmp: Path) -> dict:
    fname, make = CASES[name]
    path = tmp / fname
    path.write_bytes(make())
    proc = subprocess.run([sys.executable, "-c", CHILD, str(REPO), str(path), fname], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"case": name, "size_mb": round(path.stat().st_size / 2**20, 1), "outcome": f"CRASH {proc.stderr[-300:]}"}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    outcome = ", ".join(r["errors"]) if r["errors"] else f"read ({r['blocks']} blocks)"
    return {"case": name, "size_mb": round(path.stat().st_size / 2**20, 1), "outcome": outcome,
            "seconds": r["seconds"], "peak_mb": r["peak_mb"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    import tempfile

    print(f"{'case':28} {'MB':>6} {'seconds':>8} {'peak MB':>8}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or CASES:
            r = run_case(name, Path(tmp))
            print(f"{r['case']:28} {r['size_mb']:>6} {r.get('seconds', '-'):>8} {r.get('peak_mb', '-'):>8}  {r['outcome']}",
                  flush=True)


if __name__ == "__main__":
    main()
