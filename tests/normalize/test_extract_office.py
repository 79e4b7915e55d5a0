"""LibreOffice paths: DOC/WPS/RTF → DOCX in one batch, and a LibreOffice-rendered PDF of a Word table
that breaks across pages. The fixtures are made here: a DOCX with real Word merges (python-docx), turned
into DOC and PDF by LibreOffice once per module (each soffice start costs about a second).

These tests need LibreOffice. They FAIL (not skip) when it is missing: run `make setup` (or `make test`),
which installs Debian's libreoffice-writer-nogui.
"""
import io
import stat
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement

from normalize.extract import Limits, convert_office_batch, extract_bytes, find_soffice, sniff
from normalize.extract import office

GRID = [
    ["信息内容", "法人或其他组织", "法人或其他组织", "法人或其他组织", "总计"],
    ["信息内容", "商业企业", "科研机构", "其他", "总计"],
    ["三、本年度办理结果", "1", "2", "3", "6"],
    ["三、本年度办理结果", "4", "5", "6", "15"],
]
LONG_ROWS = 40


def require_soffice() -> str:
    exe = find_soffice()
    if not exe:
        pytest.fail("LibreOffice (soffice) is required for the DOC/WPS and LibreOffice-PDF tests but is not "
                    "installed: run `make setup` (installs libreoffice-writer-nogui), or `make test`.", pytrace=False)
    return exe


def report_docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("一、总体情况")
    d.add_paragraph("本机关2023年共收到政府信息公开申请7件。")
    t = d.add_table(rows=4, cols=5)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(1, 0)).text = "信息内容"
    t.cell(0, 1).merge(t.cell(0, 3)).text = "法人或其他组织"
    t.cell(0, 4).merge(t.cell(1, 4)).text = "总计"
    t.cell(1, 1).text = "商业"
    t.cell(1, 1).add_paragraph("企业")
    t.cell(1, 2).text = "科研机构"
    t.cell(1, 3).text = "其他"
    t.cell(2, 0).merge(t.cell(3, 0)).text = "三、本年度办理结果"
    for r, vals in ((2, "1 2 3 6"), (3, "4 5 6 15")):
        for k, v in enumerate(vals.split(), start=1):
            t.cell(r, k).text = v
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    for _ in range(6):
        d.add_paragraph("本机关认真贯彻落实政府信息公开条例，" * 6)
    # a long table: two header rows repeated on every page (w:tblHeader), a label merged over all data rows
    t = d.add_table(rows=2 + LONG_ROWS, cols=4)
    t.style = "Table Grid"
    t.cell(0, 0).merge(t.cell(1, 0)).text = "本列数据的勾稽关系"
    t.cell(0, 1).merge(t.cell(0, 3)).text = "申请人情况"
    t.cell(1, 1).text, t.cell(1, 2).text, t.cell(1, 3).text = "自然人", "法人或其他组织", "总计"
    for r in (0, 1):
        t.rows[r]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    t.cell(2, 0).merge(t.cell(1 + LONG_ROWS, 0)).text = "三、本年度办理结果"
    for i in range(LONG_ROWS):
        t.cell(2 + i, 1).text, t.cell(2 + i, 2).text, t.cell(2 + i, 3).text = f"（{i}）项目", str(i), str(2 * i)
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def soffice_convert(exe: str, src: bytes, target: str, tmp: Path) -> bytes:
    src_path = tmp / "report.docx"
    src_path.write_bytes(src)
    out = tmp / target
    out.mkdir(exist_ok=True)
    subprocess.run([exe, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", target, "--outdir", str(out), str(src_path)],
                   check=True, capture_output=True, timeout=120)
    return (out / f"report.{target}").read_bytes()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """DOCX (python-docx), DOC and PDF (LibreOffice), and one convert_office_batch run over a mixed batch."""
    exe = require_soffice()
    tmp = tmp_path_factory.mktemp("office")
    src = report_docx()
    doc = soffice_convert(exe, src, "doc", tmp)
    pdf = soffice_convert(exe, src, "pdf", tmp)
    rtf = (r"{\rtf1\ansi\ansicpg936\uc1 {\fonttbl{\f0 SimSun;}}\f0 "
           r"\u19968?\u12289?\u24635?\u20307?\u24773?\u20917?\par }").encode("ascii")  # 一、总体情况
    broken = doc[:1024]  # an OLE header and nothing else
    batch = [doc, rtf, b"not an office file", broken, src]
    cache = tmp / "cache"
    t0 = time.monotonic()
    outs = convert_office_batch(batch, cache_dir=cache)
    return {"docx": src, "doc": doc, "pdf": pdf, "rtf": rtf, "batch": batch, "outs": outs, "cache": cache,
            "batch_seconds": time.monotonic() - t0}


def test_batch_results_in_order(made):
    outs = made["outs"]
    assert len(outs) == len(made["batch"])
    assert sniff(outs[0]) == "docx" and sniff(outs[1]) == "docx"
    assert outs[2] is None  # not convertible: never handed to LibreOffice
    assert outs[3] is None  # LibreOffice cannot read it
    assert outs[4] == made["docx"]  # already DOCX: returned as is
    assert made["batch_seconds"] < 60


def test_doc_keeps_word_merges(made):
    assert sniff(made["doc"]) == "doc"
    doc = extract_bytes(made["outs"][0], "https://x.gov.cn/P0202.doc", original_format="doc")
    assert doc.format == "doc" and doc.meta["converted_by"] == "libreoffice"
    assert [i for i in doc.issues if i.level == "error"] == [] and "extension_mismatch" not in [i.rule for i in doc.issues]
    assert doc.tables[0].rows == GRID
    direct = extract_bytes(made["docx"])
    assert [t.rows for t in doc.tables] == [t.rows for t in direct.tables]
    assert [p.text for p in doc.paragraphs] == [p.text for p in direct.paragraphs]


def test_extract_bytes_converts_a_single_doc(made):
    doc = extract_bytes(made["doc"], "report.doc")
    assert doc.format == "doc" and doc.issues == []
    assert doc.tables[0].rows == GRID
    # a Word 97 file named .wps (Kingsoft's extension) is not an extension lie; Limits.cache_dir reuses
    # the batch's conversion
    again = extract_bytes(made["doc"], "report.wps", limits=Limits(cache_dir=str(made["cache"])))
    assert again.issues == [] and again.tables[0].rows == GRID


def test_rtf_converted(made):
    doc = extract_bytes(made["outs"][1], original_format="rtf")
    assert doc.format == "rtf" and doc.paragraphs[0].text == "一、总体情况"


def test_unconvertible_doc_gives_conversion_failed(made):
    doc = extract_bytes(made["batch"][3], "broken.doc")
    assert doc.format == "doc" and doc.blocks == []
    assert [i.rule for i in doc.issues] == ["conversion_failed"]


def test_cache_is_used(made, monkeypatch):
    cached = sorted(p.name for p in made["cache"].iterdir())
    assert sorted(n.rsplit(".", 1)[1] for n in cached) == ["docx", "docx", "failed"]  # the broken DOC failed
    # a second run, in a new process (nothing remembered in memory), never starts LibreOffice
    monkeypatch.setattr(office, "_FAILED", {})
    why = {}
    outs = convert_office_batch(made["batch"][:4], cache_dir=made["cache"], soffice="/nonexistent/soffice", failures=why)
    assert outs == made["outs"][:4] and why == {3: "conversion_failed"}


def test_a_failure_remembered_with_another_libreoffice_is_tried_again(made, tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setattr(office, "_FAILED", {})
    runs = []
    monkeypatch.setattr(office, "_run_batch", lambda exe, batch, *a: (runs.append(len(batch)), ({}, None))[1])
    broken = made["batch"][3]
    key = hashlib.sha256(broken).hexdigest()
    marker = (made["cache"] / f"{key}.failed").read_text("utf-8")
    assert marker.split("\n") == ["conversion_failed", office.converter_version()]  # the version is recorded
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"{key}.failed").write_text("conversion_failed\nan-older-libreoffice", "utf-8")
    assert convert_office_batch([broken], cache_dir=cache) == [None]
    assert runs == [1]  # tried again with this LibreOffice
    assert (cache / f"{key}.failed").read_text("utf-8") == marker  # and remembered with its version
    monkeypatch.setattr(office, "_FAILED", {})
    why = {}
    assert convert_office_batch([broken], cache_dir=cache, failures=why) == [None]
    assert runs == [1] and why == {0: "conversion_failed"}  # the same LibreOffice: not tried again


def test_libreoffice_pdf_table_across_pages(made):
    doc = extract_bytes(made["pdf"], "report.pdf")
    assert doc.format == "pdf" and doc.pages >= 2
    assert [i.rule for i in doc.issues] == []
    t1, t2 = doc.tables
    assert t1.rows == GRID and t1.page == 1
    assert len(t2.rows) == 2 + LONG_ROWS  # header repeated by Word/LibreOffice on the next page: dropped
    assert t2.rows[:2] == [["本列数据的勾稽关系", "申请人情况", "申请人情况", "申请人情况"],
                           ["本列数据的勾稽关系", "自然人", "法人或其他组织", "总计"]]
    assert [r[1:] for r in t2.rows[2:]] == [[f"（{i}）项目", str(i), str(2 * i)] for i in range(LONG_ROWS)]
    # the merged label is cut by the page break: repeated into every row, on both pages
    assert {r[0] for r in t2.rows[2:]} == {"三、本年度办理结果"}
    assert t2.row_pages[0] < t2.row_pages[-1] and t2.row_pages == sorted(t2.row_pages)
    texts = [p.text for p in doc.paragraphs]
    assert texts[:2] == ["一、总体情况", "本机关2023年共收到政府信息公开申请7件。"]
    assert texts[-1] == "四、政府信息公开行政复议、行政诉讼情况"


# --------------------------------------------------------------------------- without LibreOffice

def test_converter_missing(monkeypatch):
    monkeypatch.setattr(office, "find_soffice", lambda: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000
    doc = extract_bytes(ole, "report.doc")
    assert doc.format == "doc" and doc.blocks == []
    assert [i.rule for i in doc.issues] == ["converter_missing"]
    assert "make setup" in doc.issues[0].message


FAKE_SOFFICE = r'''#!{python}
import sys, time, shutil, pathlib
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--outdir") + 1])
for f in args[args.index("--outdir") + 2:]:
    p = pathlib.Path(f)
    if b"HANG" in p.read_bytes():
        time.sleep(60)
    shutil.copy("{docx}", out / (p.stem + ".docx"))
'''


def test_a_hanging_document_does_not_block_the_batch(tmp_path):
    template = tmp_path / "t.docx"
    d = docx.Document()
    d.add_paragraph("ok")
    d.save(template)
    fake = tmp_path / "soffice"
    fake.write_text(FAKE_SOFFICE.replace("{python}", sys.executable).replace("{docx}", str(template)))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    items = [ole + b"1", ole + b"HANG", ole + b"3", ole + b"4"]
    t0 = time.monotonic()
    outs = convert_office_batch(items, soffice=str(fake), timeout=3)
    assert time.monotonic() - t0 < 15
    assert [o is not None for o in outs] == [True, False, True, True]


BLAMING_SOFFICE = r'''#!{python}
# stands in for a LibreOffice that cannot load some documents and is stuck on one: it converts in
# argument order, prints LibreOffice's "Error: source file could not be loaded" for a FAIL document and
# never finishes a SLOW one; every call is logged
import os, sys, time, shutil, pathlib
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--outdir") + 1])
files = args[args.index("--outdir") + 2:]
with open(os.environ["FAKE_SOFFICE_LOG"], "a") as log:
    log.write(" ".join(pathlib.Path(f).read_bytes()[8:12].decode() for f in files) + "\n")
for f in files:
    data = pathlib.Path(f).read_bytes()
    if b"SLOW" in data:
        time.sleep(60)
    if b"FAIL" in data:
        print("Error: source file could not be loaded", file=sys.stderr, flush=True)
        continue
    shutil.copy("{docx}", out / (pathlib.Path(f).stem + ".docx"))
'''


def test_a_slow_doc_among_failing_ones_costs_one_timeout_and_a_rebuild_nothing(tmp_path, monkeypatch):
    template = tmp_path / "t.docx"
    d = docx.Document()
    d.add_paragraph("ok")
    d.save(template)
    fake = tmp_path / "soffice"
    fake.write_text(BLAMING_SOFFICE.replace("{python}", sys.executable).replace("{docx}", str(template)))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(log))
    monkeypatch.setattr(office, "_FAILED", {})
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    items = [ole + name + b"\x00" * 600 for name in (b"FAIL", b"OK_1", b"FAIL", b"SLOW", b"OK_2")]
    items[2] += b"2"  # two different failing documents
    why = {}
    outs = convert_office_batch(items, cache_dir=tmp_path / "cache", soffice=str(fake), per_item_timeout=1.0,
                                failures=why)
    assert [o is not None for o in outs] == [False, True, False, False, True]
    assert why == {0: "conversion_failed", 2: "conversion_failed", 3: "timeout"}  # the slow one is the timeout
    assert log.read_text().splitlines() == ["FAIL OK_1 FAIL SLOW OK_2", "OK_2"]  # retried: only what followed it
    # a rebuild (a new process: nothing in memory) starts LibreOffice for none of them
    monkeypatch.setattr(office, "_FAILED", {})
    again = {}
    assert convert_office_batch(items, cache_dir=tmp_path / "cache", soffice=str(fake), failures=again) == outs
    assert again == why and len(log.read_text().splitlines()) == 2
