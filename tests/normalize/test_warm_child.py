"""The warm isolated child (normalize/extract/children.py): several documents in one bounded child, the
same bounds and outcomes as a fork per document, and a dying document costs only itself."""
import os
import signal
import time

import pytest

from normalize.document import ExtractError
from normalize.extract import children, extract_bytes
from normalize.extract.limits import reuse_children, run_isolated


@pytest.fixture
def warm():
    reuse_children(True)
    yield
    reuse_children(False)
    children.stop_warm_child()


def _pid_and(x):
    return os.getpid(), x * 2


def _die_if(x):
    if x == "die":
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
    return os.getpid(), x


def _sleep(seconds):
    time.sleep(seconds)


def _hog():
    blocks = []
    while True:
        blocks.append(bytearray(20 * 1024 * 1024))


def _grow_then(x, mb):
    keep = bytearray(mb * 1024 * 1024)  # freed on return, but the child's peak stays
    return os.getpid(), x + len(keep) * 0


def _run(fn, *args, timeout=20, mb=200):
    return run_isolated(fn, args, timeout=timeout, max_memory_mb=mb, reuse=True)


def test_one_child_serves_several_calls(warm):
    out = [_run(_pid_and, i) for i in range(5)]
    assert [x for _pid, x in out] == [0, 2, 4, 6, 8]
    pids = {pid for pid, _x in out}
    assert len(pids) == 1 and os.getpid() not in pids


def test_without_reuse_every_call_forks():
    out = [run_isolated(_pid_and, (i,), timeout=20, max_memory_mb=200, reuse=True) for i in range(3)]
    assert len({pid for pid, _x in out}) == 3


def test_a_dying_document_costs_only_itself(warm):
    first, _ = _run(_die_if, "a")
    with pytest.raises(ExtractError) as e:
        _run(_die_if, "die")  # in the warm child, then once more in a fresh one: dies both times
    assert e.value.rule == "memory_limit" and "signal 9" in e.value.message
    pid, x = _run(_die_if, "b")
    assert x == "b" and pid != first


def test_timeout_stops_the_child_and_the_next_call_gets_a_new_one(warm):
    first, _ = _run(_pid_and, 1)
    t0 = time.monotonic()
    with pytest.raises(ExtractError) as e:
        _run(_sleep, 30, timeout=1)
    assert e.value.rule == "timeout" and time.monotonic() - t0 < 5
    pid, x = _run(_pid_and, 2)
    assert x == 4 and pid != first


def test_memory_limit_holds_in_a_warm_child(warm):
    _run(_pid_and, 1)
    with pytest.raises(ExtractError) as e:
        _run(_hog, mb=150)
    assert e.value.rule == "memory_limit"
    assert _run(_pid_and, 3, mb=150)[1] == 6


def test_a_child_that_grew_is_retired(warm):
    first, _ = _run(_grow_then, 1, 120, mb=400)  # headroom(400) = 100 MB: retired after this call
    second, _ = _run(_grow_then, 2, 1, mb=400)
    third, _ = _run(_grow_then, 3, 1, mb=400)
    assert first != second == third
    assert children.headroom(100) == 20 * 1024 * 1024 and children.headroom(80) == 0


def test_unpicklable_calls_still_run_isolated(warm):
    pid = os.getpid()
    assert _run(lambda: os.getpid()) != pid


def test_documents_read_in_a_warm_child_equal_a_fresh_fork(warm):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import render_formats as rf

    data = rf.render_reportlab_pdf(rf.seed_case("004_f46a9f797d970bff"))
    html = (rf.DEV / "pingtan_xzspj_2023.html").read_bytes()
    warm_docs = [extract_bytes(d, n) for d, n in ((data, "a.pdf"), (html, "b.html"), (data, "c.pdf"))]
    assert children._WARM["child"].calls == 3
    reuse_children(False)
    fresh_docs = [extract_bytes(d, n) for d, n in ((data, "a.pdf"), (html, "b.html"), (data, "c.pdf"))]
    assert warm_docs == fresh_docs and warm_docs[0].tables


def _extract_job(data: bytes, timeout: float, *_rest):
    from normalize.extract import Limits

    doc = extract_bytes(data, "report.pdf", limits=Limits(timeout=timeout))
    child = children._WARM.get("child")
    return [i.rule for i in doc.issues], len(doc.tables), os.getppid(), child.pid if child else None


def test_build_workers_extract_in_warm_children_and_a_stopped_document_costs_only_itself():
    """The build's worker map: PDFs are read in each worker's warm child; a document stopped by its time
    limit (its child killed) leaves the documents after it in that worker whole."""
    import sys
    from pathlib import Path

    from normalize import build as build_mod

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import render_formats as rf

    data = rf.render_reportlab_pdf(rf.seed_case("004_f46a9f797d970bff"))
    jobs = [(data, 0.001 if i == 2 else 60.0) for i in range(8)]
    out = list(build_mod._map(_extract_job, jobs, workers=2))
    assert out[2][0] == ["timeout"] and out[2][1] == 0
    good = [o for i, o in enumerate(out) if i != 2]
    assert all(rules == [] and tables == good[0][1] > 0 for rules, tables, _w, _c in good)
    per_child = {}
    for _rules, _tables, _worker, child in good:
        per_child[child] = per_child.get(child, 0) + 1
    assert max(per_child.values()) >= 2  # a warm child read several documents


def test_a_build_in_its_own_process_extracts_in_one_warm_child_stopped_at_the_end():
    """Builds under PARALLEL_MIN_DOCUMENTS parse in the build's process (workers=1): their PDFs are read in
    one warm child too, a document stopped by its time limit costs only itself, and no child outlives
    the map."""
    import sys
    from pathlib import Path

    from normalize import build as build_mod
    from normalize.extract import limits

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import render_formats as rf

    data = rf.render_reportlab_pdf(rf.seed_case("004_f46a9f797d970bff"))
    jobs = [(data, 0.001 if i == 1 else 60.0) for i in range(4)]
    out = list(build_mod._map(_extract_job, jobs, workers=1))
    assert out[1][0] == ["timeout"] and out[1][1] == 0
    assert all(rules == [] and tables == out[0][1] > 0 for i, (rules, tables, _p, _c) in enumerate(out) if i != 1)
    children_used = [child for _r, _t, _p, child in out]
    assert children_used[1] is None  # the stopped document's child was killed
    used = [children_used[k] for k in (0, 2, 3)]
    assert None not in used and os.getpid() not in used
    assert used[1] == used[2] != used[0]  # a new child after the killed one, then reused
    assert "child" not in children._WARM and not limits._REUSE[0]
    for pid in set(used):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # stopped and reaped


def test_ogi_parse_of_several_files_prints_what_one_file_each_prints(tmp_path):
    import json
    import sys
    from pathlib import Path

    from click.testing import CliRunner

    from ogi.cli import main

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import render_formats as rf

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(rf.render_reportlab_pdf(rf.seed_case("004_f46a9f797d970bff")))
    html = rf.DEV / "pingtan_xzspj_2023.html"
    one = [CliRunner().invoke(main, ["parse", str(p)]) for p in (pdf, html)]
    both = CliRunner().invoke(main, ["parse", str(pdf), str(html)])
    assert [r.exit_code for r in one] == [0, 0] and both.exit_code == 0, both.output
    assert both.output == f"==> {pdf} <==\n" + one[0].output + f"\n==> {html} <==\n" + one[1].output
    lines = CliRunner().invoke(main, ["parse", "--json", str(pdf), str(html)]).output.splitlines()
    singles = [json.loads(CliRunner().invoke(main, ["parse", "--json", str(p)]).output) for p in (pdf, html)]
    assert [json.loads(line) for line in lines] == [{"path": str(pdf), "result": singles[0]},
                                                    {"path": str(html), "result": singles[1]}]
    assert singles[0]["cells"] and "child" not in children._WARM


def _extract_bounded(data: bytes, timeout: float, max_memory_mb: int):
    from normalize.extract import Limits

    doc = extract_bytes(data, "report.pdf", limits=Limits(timeout=timeout, max_memory_mb=max_memory_mb))
    return [i.rule for i in doc.issues if i.level == "error"], len(doc.tables)


def test_hostile_pdfs_in_a_small_build_are_stopped_by_their_limits_and_cost_only_themselves():
    """A Flate bomb (memory limit) and a page that takes PDFium too long (time limit), among real reports,
    in the warm child of a build parsing in its own process: each becomes an issue, the others are whole."""
    import sys
    from pathlib import Path

    from normalize import build as build_mod

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "tests"))
    sys.path.insert(0, str(root / "benchmarks"))
    import hostile_documents
    import render_formats as rf

    report = rf.render_reportlab_pdf(rf.seed_case("004_f46a9f797d970bff"))
    bomb = hostile_documents.pdf_page_content(300, b"\0" * 64)  # 300 MB inflated, 120 MB allowed
    slow = hostile_documents.pdf_page_content(60)  # 60 MB of path operators: seconds of PDFium
    jobs = [(report, 60.0, 2048), (bomb, 60.0, 120), (report, 60.0, 2048), (slow, 1.0, 2048), (report, 60.0, 2048)]
    out = list(build_mod._map(_extract_bounded, jobs, workers=1))
    assert [rules for rules, _t in out] == [[], ["memory_limit"], [], ["timeout"], []]
    assert out[0][1] == out[2][1] == out[4][1] > 0
