#!/usr/bin/env python
"""How fast is extract + parse, per format, next to `pdftotext -layout` (PDF) and `trafilatura.extract` (HTML)?

    make bench                              (= .venv/bin/python benchmarks/parse_speed.py)
    .venv/bin/python benchmarks/parse_speed.py --repeat 5 --no-portal --render-dir /tmp/ogi-render

Fixtures
    seeds       the five real text dumps (ogi/portal/documents/seeds/*.txt)
    pingtan     the real Pingtan HTML report page
    rendered    every golden document re-rendered by tests/render_formats.py: HTML, DOCX, PDF and DOC
                (LibreOffice, from the DOCX), PDF (ReportLab)
    portal      what the local demo portal serves (`ogi.portal.start_portal(scenario='demo')`, fetched with
                urllib through the portal as an HTTP proxy, in a child process): every report page, and
                every report attachment that is a real document (PDF, DOCX, TXT; the portal's DOC/WPS/XLS
                are signature-only stubs)

Measured
    ours        `normalize.extract.extract_bytes(data, name)` + `normalize.parse.parse_document(doc)`: the
                full pipeline of `ogi parse`, as it reads several files (and a build its documents): the
                isolated extractions (PDF, HTML, DOCX, XLSX) in one warm, memory-capped child
                (`limits.warm_children`); `--fork-per-document` forks a new child for each instead.
                DOC: `extract_bytes` starts LibreOffice for every document ("doc, 1 soffice each"); the corpus
                build converts in batches ("doc, batched": one `convert_office_batch` for all, its time shared
                out, then extract + parse of each DOCX).
    baselines   `pdftotext -layout FILE -` (a subprocess per document, poppler) on the same PDFs;
                `trafilatura.extract(html)` on the same HTML. Neither finds tables, merged cells, sections
                or checks: they are a floor, not competitors. ratio = baseline docs/s ÷ our docs/s (how many
                times faster the baseline is).

Each document is processed --repeat times; the best total time per group is kept (after one warm-up
call). The fixtures are loaded first and then frozen out of the garbage collector's reach (`gc.freeze`):
otherwise every collection the timed code triggers re-scans them (the demo portal's world alone is
hundreds of thousands of objects) and that, not parsing, dominates the figures. Pages: PDF page counts; HTML/DOCX/DOC renderings count the pages of their LibreOffice PDF twin;
text dumps and portal HTML/DOCX have no pages ("-").
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


@dataclass
class Fixture:
    name: str
    data: bytes
    pages: Optional[int] = None
    path: Optional[Path] = None  # a file on disk (pdftotext needs one)


@dataclass
class Group:
    label: str
    kind: str  # html | pdf | docx | doc | text
    docs: list = field(default_factory=list)


# --------------------------------------------------------------------------- fixtures


def local_fixtures(render_dir: Path, with_office: bool) -> list[Group]:
    import render_formats as rf

    groups = []
    seeds = Group("seeds (text dump)", "text")
    for p in sorted(rf.SEEDS.glob("*.txt")):
        seeds.docs.append(Fixture(p.name, p.read_bytes(), path=p))
    groups.append(seeds)
    pingtan = rf.DEV / "pingtan_xzspj_2023.html"
    groups.append(Group("pingtan (real HTML page)", "html", [Fixture(pingtan.name, pingtan.read_bytes(), path=pingtan)]))

    cases = rf.load_cases()
    formats = ["html", "docx", "pdf_reportlab"] + (list(rf.SOFFICE_FORMATS) if with_office else [])
    paths = rf.render_all(cases, render_dir, formats)
    twin_pages = {}
    if with_office:
        for c in cases:
            twin_pages[c.name] = _pdf_pages(paths[(c.name, "pdf")])
    labels = {"html": "rendered HTML", "docx": "rendered DOCX", "pdf": "rendered PDF (LibreOffice)",
              "doc": "rendered DOC (LibreOffice)", "pdf_reportlab": "rendered PDF (ReportLab)"}
    for fmt in ["html", "docx", "pdf", "pdf_reportlab", "doc"]:
        if fmt not in formats:
            continue
        g = Group(labels[fmt], rf.REAL_FORMAT.get(fmt, fmt))
        for c in cases:
            p = paths[(c.name, fmt)]
            pages = _pdf_pages(p) if g.kind == "pdf" else twin_pages.get(c.name)
            g.docs.append(Fixture(p.name, p.read_bytes(), pages, p))
        groups.append(g)
    return groups


def _fetch_portal(workdir: str) -> None:
    """(In a child process.) Download every report page and real attachment of the demo portal into
    `workdir`, with a manifest.json: [[group label, kind, file name], ...]."""
    from ogi.portal import expected, start_portal

    out = Path(workdir)
    truth = expected("demo")
    manifest = []
    groups = {"pdf": ("portal attachments (PDF)", "pdf"), "docx": ("portal attachments (DOCX)", "docx"),
              "txt": ("portal attachments (TXT)", "text")}
    with start_portal(scenario="demo") as portal:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": portal.url}))

        def get(url: str) -> Optional[bytes]:
            try:
                with opener.open(url, timeout=60) as resp:
                    return resp.read()
            except OSError as e:
                print(f"  ! {url}: {e}", file=sys.stderr)
                return None

        for i, rep in enumerate(truth["reports"]):
            body = get(rep["url"])
            if body is not None:
                (out / f"page{i:03d}.html").write_bytes(body)
                manifest.append(["portal report pages (HTML)", "html", f"page{i:03d}.html"])
            for j, att in enumerate(rep.get("attachments", [])):
                if att["ext"] not in groups or att.get("signature_only"):
                    continue  # the portal's DOC/WPS/XLS are signature-only stubs; images are not reports
                data = get(att["url"])
                if data is not None:
                    name = f"att{i:03d}_{j}.{att['ext']}"
                    (out / name).write_bytes(data)
                    manifest.append([*groups[att["ext"]], name])
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))


def portal_fixtures(workdir: Path) -> list[Group]:
    """What the demo portal serves, fetched in a child process: the portal's world is hundreds of MB of
    objects, and a big benchmark process would make every forked (isolated) PDF extraction slower."""
    import multiprocessing

    workdir.mkdir(parents=True, exist_ok=True)
    proc = multiprocessing.get_context("spawn").Process(target=_fetch_portal, args=(str(workdir),))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"fetching the demo portal's documents failed (exit {proc.exitcode})")
    groups: dict[str, Group] = {}
    for label, kind, name in json.loads((workdir / "manifest.json").read_text()):
        p = workdir / name
        g = groups.setdefault(label, Group(label, kind))
        g.docs.append(Fixture(name, p.read_bytes(), _pdf_pages(p) if kind == "pdf" else None, p))
    return list(groups.values())


def _pdf_pages(path: Path) -> Optional[int]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
        try:
            return len(pdf)
        finally:
            pdf.close()
    except Exception:  # noqa: BLE001
        return None


# --------------------------------------------------------------------------- timing


def ours(fx: Fixture):
    from normalize.extract import extract_bytes
    from normalize.parse import parse_document

    return parse_document(extract_bytes(fx.data, fx.name))


def extract_only(fx: Fixture):
    from normalize.extract import extract_bytes

    return extract_bytes(fx.data, fx.name)


def pdftotext(fx: Fixture):
    subprocess.run(["pdftotext", "-layout", str(fx.path), "-"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)


def trafilatura_extract(fx: Fixture):
    import trafilatura

    return trafilatura.extract(fx.data.decode("utf-8", "replace"))


def best_time(fn: Callable, docs: list, repeat: int) -> float:
    fn(docs[0])  # warm-up (imports, caches)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for d in docs:
            fn(d)
        best = min(best, time.perf_counter() - t0)
    return best


def doc_batched(docs: list, repeat: int) -> float:
    """DOC the way the build does it: one LibreOffice batch for all, then extract + parse each DOCX."""
    from normalize.extract import convert_office_batch, extract_bytes
    from normalize.extract import office
    from normalize.parse import parse_document

    best = float("inf")
    for _ in range(repeat):
        office._FAILED.clear()
        t0 = time.perf_counter()
        out = convert_office_batch([d.data for d in docs])
        for d, docx in zip(docs, out):
            if docx is not None:
                parse_document(extract_bytes(docx, original_format="doc"))
        best = min(best, time.perf_counter() - t0)
    return best


# --------------------------------------------------------------------------- report


def _rate(n: Optional[int], seconds: float) -> str:
    if n is None or seconds <= 0:
        return "-"
    r = n / seconds
    return f"{r:,.0f}" if r >= 100 else f"{r:,.1f}" if r >= 1 else f"{r:.2f}"


def table(rows: list[list[str]], head: list[str], right_from: int = 2) -> str:
    import unicodedata

    def w(s):
        return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)

    widths = [max(w(r[i]) for r in [head] + rows) for i in range(len(head))]

    def line(r):
        cells = []
        for i, s in enumerate(r):
            gap = " " * (widths[i] - w(s))
            cells.append(gap + s if i >= right_from else s + gap)
        return "  ".join(cells).rstrip()

    sep = "  ".join("-" * x for x in widths)
    return "\n".join([line(head), sep] + [line(r) for r in rows])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per group; the best is kept (default 3)")
    ap.add_argument("--no-portal", action="store_true", help="skip the demo portal's documents")
    ap.add_argument("--render-dir", type=Path, help="keep the renderings here (reused while unchanged)")
    ap.add_argument("--fork-per-document", action="store_true",
                    help="extract each document in a new isolated child (a process's first document)")
    args = ap.parse_args(argv)

    from normalize.extract import find_soffice

    with_office = find_soffice() is not None
    has_pdftotext = shutil.which("pdftotext") is not None
    with tempfile.TemporaryDirectory(prefix="ogi-bench-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        groups = local_fixtures(args.render_dir or tmp / "render", with_office)
        if not args.no_portal:
            groups += portal_fixtures(tmp / "portal")
        prep = time.perf_counter() - t0
        # the fixtures (and the portal's world, cached in memory) are hundreds of thousands of objects: keep
        # the garbage collector from re-scanning them on every collection the timed code triggers
        gc.collect()
        gc.freeze()
        n_docs = sum(len(g.docs) for g in groups)
        print(f"ogi-reports parse speed — {platform.python_implementation()} {platform.python_version()}, "
              f"{os.cpu_count()} CPU(s), {n_docs} documents in {len(groups)} groups (fixtures ready in {prep:.1f} s, "
              f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB), best of {args.repeat}")
        if not with_office:
            print("  (LibreOffice not installed: no PDF/DOC renderings, no DOC rows)")
        if not has_pdftotext:
            print("  (pdftotext not installed: no PDF baseline)")

        from contextlib import nullcontext

        from normalize.extract.limits import warm_children

        rows = []
        with nullcontext() if args.fork_per_document else warm_children():
            rows += _measure(groups, args, with_office, has_pdftotext)
        print()
        print(table(rows, ["fixtures", "docs", "pages", "ours docs/s", "ours pages/s", "extract docs/s", "baseline",
                           "base docs/s", "base pages/s", "ratio"], right_from=1))
        how = "a new isolated child per document" if args.fork_per_document else "isolated extractions in one warm child"
        print(f"\nours = extract_bytes + parse_document (tables, merged cells, sections, checks; {how}); extract = "
              "extract_bytes alone;\nratio = baseline docs/s ÷ ours docs/s (how many times faster the text-only "
              "baseline is).")
    return 0


def _measure(groups: list, args, with_office: bool, has_pdftotext: bool) -> list[list[str]]:
    rows = []
    for g in groups:
        if not g.docs:
            continue
        n = len(g.docs)
        pages = sum(d.pages for d in g.docs) if all(d.pages for d in g.docs) else None
        if g.kind == "doc":
            t_each = best_time(ours, g.docs, 1)  # a LibreOffice start per document: one pass is plenty
            rows.append([g.label + ", 1 soffice each", str(n), str(pages or "-"), _rate(n, t_each),
                         _rate(pages, t_each), "", "", "", "", ""])
            t_batch = doc_batched(g.docs, 1)
            rows.append([g.label + ", batched", str(n), str(pages or "-"), _rate(n, t_batch),
                         _rate(pages, t_batch), "", "", "", "", ""])
            continue
        t = best_time(ours, g.docs, args.repeat)
        t_extract = best_time(extract_only, g.docs, args.repeat)
        base_name, t_base = "", None
        if g.kind == "pdf" and has_pdftotext:
            base_name, t_base = "pdftotext -layout", best_time(pdftotext, g.docs, args.repeat)
        elif g.kind == "html":
            base_name, t_base = "trafilatura.extract", best_time(trafilatura_extract, g.docs, args.repeat)
        row = [g.label, str(n), str(pages or "-"), _rate(n, t), _rate(pages, t), _rate(n, t_extract)]
        if t_base:
            row += [base_name, _rate(n, t_base), _rate(pages, t_base), f"{t / t_base:.1f}×"]
        else:
            row += ["", "", "", ""]
        rows.append(row)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
