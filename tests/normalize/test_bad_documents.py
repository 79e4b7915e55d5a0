"""Bad documents end to end: through `normalize.parse.parse_path` and through the CLI `ogi parse PATH --json`.

Decision (the contract these tests pin down): a document that cannot be read is NOT a CLI failure.
`ogi parse PATH --json` exits 0 and prints one JSON object whose `issues` list starts with the
extractor's error (level 'error', source 'extract', a machine-readable `rule` and a one-line human
`message`), no cells, template 'unknown'. Scripts decide on `issues`, not on the exit code; the
corpus build records the same issue for the document. A non-zero exit is reserved for usage errors
(click: a path that does not exist → exit 2 and a one-line message). Never a traceback, in the JSON or
on stderr.

Cases: an empty file; a truncated PDF (cut in the middle: PDFium cannot open it — a PDF cut after its
cross-reference table is readable and gives only a 'truncated_pdf' warning, see test_extract_pdf.py);
an encrypted PDF (user password); a DOCX zip bomb (20 MB of XML at 1000:1) and a DOCX whose zip
directory lies about a member's size; a file over the 50 MB size limit (a sparse file: never read); an
HTML page with no report in it (the real Pingtan listing page, and a 404 page); files whose extension
lies (a DOCX report named .pdf and an HTML 404 page named .pdf: read as what they are, with an
'extension_mismatch' warning; the report still parses to its golden cells).

Bounded: every CLI run must finish within CLI_SECONDS and stay under CLI_MAX_RSS_MB (peak resident set
of `ogi` and the children it waited for — the forked PDF extractor —, from wait4 in a small wrapper, see
_MEASURE; measured today: 30–45 MB); every in-process parse within PARSE_SECONDS.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

import render_formats as rf  # noqa: E402
from golden_compare import diff_cells  # noqa: E402

from normalize.extract import DEFAULT_LIMITS  # noqa: E402
from normalize.parse import parse_path  # noqa: E402

OGI = ROOT / ".venv/bin/ogi"
CLI_SECONDS = 60.0
CLI_MAX_RSS_MB = 600
PARSE_SECONDS = 20.0
SEED = "002_30fde63b7d2b0111"


def _pdf() -> bytes:
    """A real PDF report (reportlab, as the local portal makes them), no LibreOffice needed."""
    from ogi.portal.docs import make_pdf

    case = rf.seed_case(SEED)
    blocks = [("p", t) if k == "p" else ("table", rf.LAYOUTS[t](case)) for k, t in case.blocks]
    return make_pdf(case.expected["title"], blocks)


def _encrypted_pdf() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("user-secret", ownerPassword="owner-secret", canPrint=0)
    c = canvas.Canvas(buf, encrypt=enc, invariant=1)
    c.drawString(72, 720, "2020 annual report on government information disclosure")
    c.showPage()
    c.save()
    return buf.getvalue()


def _zip_bomb() -> bytes:
    """A DOCX whose document.xml inflates 20 MB from ~20 kB (1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("word/document.xml", b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                   b'2006/main"><w:body>' + b" " * (20 * 1024 * 1024) + b"</w:body></w:document>")
    return buf.getvalue()


def _lying_zip() -> bytes:
    """A DOCX whose zip directory declares document.xml as 100 bytes; it inflates to 8 MB."""
    buf = io.BytesIO()
    body = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' \
           + b"<w:p/>" * (8 * 1024 * 1024 // 6) + b"</w:body></w:document>"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", body)
    data = bytearray(buf.getvalue())
    real = len(body).to_bytes(4, "little")
    fake = (100).to_bytes(4, "little")
    # uncompressed size: local header offset 22, central directory entry offset 24
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            if data[i + off:i + off + 4] == real:
                data[i + off:i + off + 4] = fake
            start = i + 4
    assert bytes(fake) in data
    return bytes(data)


NOT_FOUND_HTML = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 Not Found</title></head><body>'
                  '<div class="nav"><a href="/">首页</a> &gt; 政务公开</div><h1>404 Not Found</h1>'
                  '<p>您访问的页面不存在或已被删除。</p><hr><center>nginx</center></body></html>').encode("utf-8")


# name -> (file name, maker, expected error rule or None, expected warning rules)
BAD = {
    "empty": ("report.pdf", lambda: b"", "empty_file", ()),
    "whitespace": ("report.txt", lambda: b" \r\n\t \n", "empty_file", ()),
    "truncated_pdf": ("report.pdf", lambda: (lambda d: d[: len(d) // 2])(_pdf()), "truncated_pdf", ()),
    "encrypted_pdf": ("report.pdf", _encrypted_pdf, "encrypted_pdf", ()),
    "zip_bomb": ("report.docx", _zip_bomb, "zip_bomb", ()),
    "zip_lies_about_size": ("report.docx", _lying_zip, None, ()),  # zip_bomb or corrupt_docx (bad CRC)
    "too_large": ("report.pdf", None, "too_large", ()),  # sparse file, made in the fixture
    "html_listing_no_report": ("nlist.htm", lambda: (ROOT / "ogi/portal/documents/dev-reports/"
                                                     "pingtan_zfxxgknb_list.html").read_bytes(), "no_text", ()),
    "html_404": ("t20240130_86659.htm", lambda: NOT_FOUND_HTML, "no_text", ()),
    "html_404_named_pdf": ("report.pdf", lambda: NOT_FOUND_HTML, "no_text", ("extension_mismatch",)),
    "docx_named_pdf": ("report.pdf", lambda: rf.render_docx(rf.seed_case(SEED)), None, ("extension_mismatch",)),
}
READABLE = {"docx_named_pdf"}  # bad name, good content: must parse to the golden cells


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    out = {}
    for name, (fname, make, _rule, _warn) in BAD.items():
        p = d / name / fname
        p.parent.mkdir()
        if make is None:  # over the size limit without writing 50 MB: a sparse file
            with open(p, "wb") as fh:
                fh.write(b"%PDF-1.4\n")
                fh.truncate(DEFAULT_LIMITS.max_bytes + 1024 * 1024)
        else:
            p.write_bytes(make())
        out[name] = p
    return out


# Runs a command and reports its peak RSS. A process's ru_maxrss starts at the high-water mark of the
# process it was forked from, so measuring straight from pytest would count pytest's own memory: this
# small wrapper (a fresh exec) forks the command instead and prints its wait4 rusage.
_MEASURE = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execv(sys.argv[1], sys.argv[1:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "sys.stderr.write('\\nOGI_MAXRSS_KB=%d\\n' % usage.ru_maxrss)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


@pytest.fixture(scope="module")
def cli_runs(bad_files):
    """`ogi parse PATH --json` on every bad file, all started at once: (rc, stdout, stderr, seconds, peak MB)."""
    assert OGI.exists(), f"{OGI} missing: run `make setup`"
    procs = {}
    for name, p in bad_files.items():
        cmd = [sys.executable, "-S", "-c", _MEASURE, str(OGI), "parse", str(p), "--json"]
        procs[name] = (subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT), time.monotonic())
    out = {}
    for name, (proc, t0) in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=CLI_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail(f"ogi parse {name}: still running after {CLI_SECONDS} s")
        took = time.monotonic() - t0
        err = stderr.decode("utf-8", "replace")
        err, _, rss = err.rpartition("\nOGI_MAXRSS_KB=")
        out[name] = (proc.returncode, stdout.decode("utf-8", "replace"), err, took, int(rss.strip()) / 1024)
    return out


def _check_result(name: str, res: dict, where: str) -> list[str]:
    _fname, _make, rule, warns = BAD[name]
    problems = []
    text = json.dumps(res, ensure_ascii=False)
    if "Traceback" in text:
        problems.append("a traceback in the result")
    errors = [i for i in res["issues"] if i["level"] == "error"]
    rules = [i["rule"] for i in res["issues"]]
    if name in READABLE:
        if errors:
            problems.append(f"unexpected errors {errors}")
    elif rule is None:
        if not errors or errors[0]["rule"] not in ("zip_bomb", "corrupt_docx"):
            problems.append(f"expected a zip_bomb/corrupt_docx error, got issues {res['issues']}")
    else:
        if not errors or errors[0]["rule"] != rule:
            problems.append(f"expected the error {rule!r} first, got issues {res['issues']}")
        elif errors[0].get("source") != "extract" or not errors[0]["message"] or "\n" in errors[0]["message"]:
            problems.append(f"the error must come from the extractor with a one-line message: {errors[0]}")
        if res["cells"]:
            problems.append(f"{len(res['cells'])} cells from an unreadable document")
        if res["template"] != "unknown":
            problems.append(f"template {res['template']!r} from an unreadable document")
    for w in warns:
        if w not in rules:
            problems.append(f"expected the warning {w!r}, got {rules}")
    return [f"{where} {name}: {p}" for p in problems]


@pytest.mark.parametrize("name", list(BAD))
def test_bad_document_parse_path(name, bad_files):
    t0 = time.monotonic()
    res = parse_path(bad_files[name])
    took = time.monotonic() - t0
    problems = _check_result(name, res, "parse_path")
    assert took < PARSE_SECONDS, f"{name}: parse_path took {took:.1f} s"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", list(BAD))
def test_bad_document_cli(name, cli_runs):
    rc, stdout, stderr, took, peak_mb = cli_runs[name]
    assert "Traceback" not in stderr, f"{name}: traceback on stderr:\n{stderr}"
    assert rc == 0, f"{name}: exit {rc}, stderr {stderr!r}"
    res = json.loads(stdout)
    problems = _check_result(name, res, "ogi parse --json")
    assert not problems, "\n".join(problems)
    assert took < CLI_SECONDS, f"{name}: {took:.1f} s"
    assert peak_mb < CLI_MAX_RSS_MB, f"{name}: peak RSS {peak_mb:.0f} MB"


def test_readable_document_with_lying_extension_parses_to_gold(bad_files):
    res = parse_path(bad_files["docx_named_pdf"])
    want = rf.seed_case(SEED).expected["cells"]
    diffs = diff_cells(want, res["cells"], ("value", "raw", "unit", "remark"))
    assert not diffs, "\n".join(diffs)
    assert res["year"] == 2020 and res["template"] == "2019"


def test_cli_missing_path_is_a_usage_error(tmp_path):
    proc = subprocess.run([str(OGI), "parse", str(tmp_path / "nope.pdf"), "--json"], capture_output=True, text=True,
                          timeout=CLI_SECONDS, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "does not exist" in proc.stderr
    assert proc.stdout == ""


def test_cli_tables_view_of_a_bad_document_has_no_traceback(bad_files):
    proc = subprocess.run([str(OGI), "parse", str(bad_files["encrypted_pdf"])], capture_output=True, text=True,
                          timeout=CLI_SECONDS, cwd=ROOT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr + proc.stdout
