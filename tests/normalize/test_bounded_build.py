"""Every extractor runs bounded: a pathological HTML or DOCX becomes an issue row within its bounds and
the build still completes and publishes; a dead worker costs only its document."""
import io
import json
import os
import random
import signal
import sqlite3
import zipfile
from pathlib import Path

from crawler.archive import Archive
from normalize import build as build_mod
from normalize.build import build

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "ogi" / "portal" / "documents"
SITE = "http://www.example.fixture.gov.cn/zwgk/zfxxgknb/"


def _pathological_html(paragraphs: int) -> bytes:
    return b"<html><body>" + b"<p>x</p>" * paragraphs + b"</body></html>"


def _pathological_docx(paragraphs: int) -> bytes:
    from docx import Document

    buf = io.BytesIO()
    d = Document()
    d.add_paragraph("a")
    d.save(buf)
    rnd = random.Random(7)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                body = b"".join(b"<w:p><w:r><w:t>%d</w:t></w:r></w:p>" % rnd.randrange(10 ** 9)
                                for _ in range(paragraphs))
                data = data.replace(b"<w:body>", b"<w:body>" + body, 1)
            zout.writestr(item, data)
    return out.getvalue()


def test_pathological_documents_are_stopped_and_the_build_publishes(tmp_path, monkeypatch):
    a = Archive(tmp_path / "archive")
    a.run_dir("r1").mkdir(parents=True)
    (a.run_dir("r1") / "sources.json").write_text(json.dumps([{
        "id": "ex", "name": "示例", "agency": "示例市人民政府", "family": "trs-wcm", "entry_urls": [SITE]}]))
    a.write_summary("r1", {"run_id": "r1", "sites": [{"site": "ex", "status": "ok"}], "errors": [], "totals": {}})
    page = SITE + "202401/t20240130_86659.htm"
    a.store((DOCS / "dev-reports" / "pingtan_xzspj_2023.html").read_bytes(), url=page, kind="report_page",
            site="ex", run_id="r1", meta={"role": "report_page", "title": "平潭综合实验区行政审批局2023年政府信息公开工作年度报告"})
    for name, data in (("big.html", _pathological_html(600_000)), ("big.docx", _pathological_docx(300_000))):
        a.store(data, url=SITE + "202401/" + name, kind="attachment", site="ex", run_id="r1",
                meta={"role": "attachment", "parent_url": page})
    monkeypatch.setenv("OGI_EXTRACT_TIMEOUT", "4")  # ample for the real report page on a busy machine
    monkeypatch.setenv("OGI_EXTRACT_MAX_MEMORY_MB", "100")
    db = tmp_path / "ogi.db"
    build(a.root, db, parse_cache=tmp_path / "cache")
    conn = sqlite3.connect(db)
    rules = dict(conn.execute("select url, group_concat(rule) from issues where level = 'error' group by url"))
    for name in ("big.html", "big.docx"):
        assert {"timeout", "memory_limit"} & set(rules[SITE + "202401/" + name].split(",")), rules
    assert conn.execute("select cells from reports where agency like '平潭%'").fetchone()[0] == 200


def _square_or_die(x: int, *_job) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does to a worker
    return x * x


def test_a_dead_worker_costs_only_its_document():
    """The build's worker map (as `_parse_all` calls it): no BrokenProcessPool, one worker_died issue."""
    jobs = [(i, "sha", "url", {}, "html", None, None) for i in range(8)]
    out = list(build_mod._map(_square_or_die, jobs, workers=2))
    assert [o for o in out if not isinstance(o, tuple)] == [0, 1, 4, 16, 25, 36, 49]
    fmt, result, _, _, issues = out[3]
    assert fmt == "html" and result["cells"] == [] and issues[0]["rule"] == "worker_died"
    assert "signal 9" in issues[0]["message"]
