#!/usr/bin/env python
"""PDF extract + parse next to `pdftotext -layout`, per bundled real-report PDF and in total (issue 9: ≤ 2×).

    .venv/bin/python benchmarks/pdf_speed.py                  (rendered golden PDFs, 7 rounds)
    .venv/bin/python benchmarks/pdf_speed.py --rounds 9 --portal --render-dir /tmp/ogi-render
    .venv/bin/python benchmarks/pdf_speed.py --cli 3               (also `ogi parse` as a command)

Files: every golden real report (the five seeds and the Pingtan report, tests/render_formats.py) as
LibreOffice renders it from its DOCX and as the portal's ReportLab generator draws it — real report text
and tables in the two PDF producers the project meets; `--portal` adds every PDF the demo portal serves.

Measured per file, in rounds; each round times every side once, one after the other, so both sides run
under the same load on a shared machine; per file the median over the rounds is kept (one warm-up round
first). Totals are the sums of the per-file medians.

    pdftotext       `pdftotext -layout FILE -` (poppler), a subprocess per file: text only, no tables
    build           what the product does with the PDFs of a build (in its parse workers, and in the build's
                    own process under 24 documents) and of `ogi parse FILE…`: `extract_bytes` +
                    `parse_document`, the extraction in the process's warm isolated child (memory cap,
                    time limit; forked once, not per document: normalize/extract/children.py,
                    `limits.reuse_children` / `limits.warm_children`)
    fork/doc        the same with a new forked child per document: what a process pays for its first (or
                    only) document, e.g. a one-file `ogi parse` (no mode of the product forks per document
                    any more)
    in-process      `extract_pdf` + `parse_document` without isolation (the floor), in a process of its own
                    (timed there), so that PDFium's caches it warms are not inherited by the forked children

`--cli` adds whole commands, a subprocess each, over the same files: `ogi parse FILE` once per file and
`ogi parse FILE…` once for all (both include the interpreter's start and the imports), next to
`pdftotext -layout` once per file and `python -c pass` once per file (the interpreter's start alone).

ratio = our time ÷ pdftotext's time on the same file.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def fixtures(render_dir: Path, portal: bool, tmp: Path) -> list[tuple[str, Path]]:
    import render_formats as rf

    formats = ["pdf_reportlab"] + (["pdf"] if rf.find_soffice() else [])
    paths = rf.render_all(rf.load_cases(), render_dir, formats)
    files = [(p.name, p) for (_name, _fmt), p in sorted(paths.items())]
    if portal:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import parse_speed

        for g in parse_speed.portal_fixtures(tmp / "portal"):
            if g.kind == "pdf":
                files += [("portal/" + d.name, d.path) for d in g.docs]
    return files


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def _floor_loop(conn, datas: dict) -> None:
    """(In a spawned process.) Time extract_pdf + parse_document of the named file, in this process."""
    sys.path.insert(0, str(ROOT))
    from normalize.extract.pdf import extract_pdf, preload
    from normalize.parse import parse_document

    preload()
    gc.collect()
    gc.freeze()
    while True:
        name = conn.recv()
        if name is None:
            return
        t0 = time.perf_counter()
        parse_document(extract_pdf(datas[name]))
        conn.send(time.perf_counter() - t0)


class _InProcess:
    def __init__(self, datas: dict):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_floor_loop, args=(child, datas), daemon=True)
        self.proc.start()

    def run(self, name: str) -> float:
        self.conn.send(name)
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(30)


def cli_times(files: list[tuple[str, Path]], rounds: int) -> dict[str, float]:
    """Median over rounds of the total wall time of each command set (see module doc)."""
    ogi = Path(sys.executable).with_name("ogi")
    ogi_cmd = [str(ogi)] if ogi.exists() else [sys.executable, "-m", "ogi.cli"]
    paths = [str(p) for _n, p in files]
    sets = {
        "pdftotext -layout FILE (a run per file)": [["pdftotext", "-layout", p, "-"] for p in paths],
        "python -c pass (a run per file)": [[sys.executable, "-c", "pass"] for _p in paths],
        "ogi parse FILE (a run per file)": [ogi_cmd + ["parse", p] for p in paths],
        "ogi parse FILE... (one run for all)": [ogi_cmd + ["parse"] + paths],
    }
    times: dict[str, list[float]] = {k: [] for k in sets}
    for rnd in range(rounds + 1):
        for label, cmds in sets.items():
            t0 = time.perf_counter()
            for cmd in cmds:
                proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, cwd=ROOT)
                if proc.returncode != 0:
                    raise RuntimeError(f"{' '.join(cmd[:3])}… failed: {proc.stderr.decode()[-500:]}")
            if rnd:  # round 0 warms the file cache
                times[label].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7, help="timed rounds (the median per file is kept)")
    ap.add_argument("--portal", action="store_true", help="add the demo portal's PDFs")
    ap.add_argument("--render-dir", type=Path, help="keep the renderings here (reused while unchanged)")
    ap.add_argument("--cli", type=int, default=0, metavar="ROUNDS",
                    help="also time `ogi parse` as a command (a process per file, and one for all) in ROUNDS rounds")
    args = ap.parse_args(argv)
    if not shutil.which("pdftotext"):
        print("pdftotext (poppler-utils) is not installed: no baseline")
        return 1

    from normalize.extract import extract_bytes
    from normalize.extract.children import stop_warm_child
    from normalize.extract.limits import reuse_children
    from normalize.extract.pdf import preload
    from normalize.parse import parse_document

    preload()
    with tempfile.TemporaryDirectory(prefix="ogi-pdf-speed-") as tmp:
        files = fixtures(args.render_dir or Path(tmp) / "render", args.portal, Path(tmp))
        datas = {name: path.read_bytes() for name, path in files}
        pages = {name: pdf_pages(path) for name, path in files}
        # what the baseline reads: a PDF whose fonts it cannot map (poppler-data missing: no Adobe-GB1
        # CMaps for the non-embedded STSong-Light of the ReportLab PDFs) gives next to no text
        base_chars = {}
        for name, path in files:
            out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=False).stdout
            base_chars[name] = sum(len(w) for w in out.decode("utf-8", "replace").split())
        gc.collect()
        gc.freeze()  # the fixtures are not the timed code's garbage

        def pdftotext(name, path):
            subprocess.run(["pdftotext", "-layout", str(path), "-"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)

        def build(name, path):
            reuse_children(True)
            parse_document(extract_bytes(datas[name], name))

        def forked(name, path):
            reuse_children(False)
            parse_document(extract_bytes(datas[name], name))

        # in-process runs in a process of its own: PDFium's caches (CMaps, fonts) warmed here would be
        # inherited by every forked child of the other sides, which a build worker's children never get
        floor = _InProcess(datas)

        def in_process(name, path):
            return floor.run(name)

        sides = {"pdftotext": pdftotext, "build": build, "fork/doc": forked, "in-process": in_process}
        times: dict[str, dict[str, list[float]]] = {s: {n: [] for n, _ in files} for s in sides}
        for rnd in range(args.rounds + 1):
            for name, path in files:
                for side, fn in sides.items():
                    t0 = time.perf_counter()
                    took = fn(name, path)
                    if rnd:  # round 0 warms up (imports, the warm child, caches)
                        times[side][name].append(took if took is not None else time.perf_counter() - t0)
        reuse_children(False)
        stop_warm_child()
        floor.close()
        cli = cli_times(files, args.cli) if args.cli else None

    med = {s: {n: statistics.median(v) for n, v in per.items()} for s, per in times.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"ogi-reports PDF speed — {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} "
          f"CPU(s), load average {load:.1f}; {len(files)} PDFs, median of {args.rounds} rounds per file (ms)")
    head = ["file", "pages", "text", "pdftotext", "build", "ratio", "fork/doc", "ratio", "in-process", "ratio"]
    rows = []
    for name, _path in files:
        base = med["pdftotext"][name]
        row = [name, str(pages[name]), str(base_chars[name]), f"{base * 1000:.1f}"]
        for s in ("build", "fork/doc", "in-process"):
            row += [f"{med[s][name] * 1000:.1f}", f"{med[s][name] / base:.2f}×"]
        rows.append(row)
    total = {s: sum(med[s].values()) for s in sides}
    row = ["total", str(sum(pages.values())), str(sum(base_chars.values())), f"{total['pdftotext'] * 1000:.0f}"]
    for s in ("build", "fork/doc", "in-process"):
        row += [f"{total[s] * 1000:.0f}", f"{total[s] / total['pdftotext']:.2f}×"]
    rows.append(row)
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    for r in [head, ["-" * w for w in widths]] + rows:
        print("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
    print("\nbuild = extract_bytes + parse_document as builds and `ogi parse FILE…` run them (extraction in the "
          "process's warm\nisolated child, forked once; the fork is not paid per document); fork/doc = a new isolated "
          "child per document\n(fork included: a process's first or only document); in-process = extract_pdf + "
          "parse_document without isolation.\nratio = ours ÷ pdftotext -layout (a subprocess per file); text = non-space characters pdftotext printed.")
    if cli:
        print(f"\nAs commands, a subprocess each, over the same {len(files)} files; median of {args.cli} rounds (ms):")
        base = cli["pdftotext -layout FILE (a run per file)"]
        width = max(len(k) for k in cli)
        for label, took in cli.items():
            print(f"  {label.ljust(width)}  {took * 1000:8.0f}  {took / base:6.2f}×")
    blind = [name for name, n in base_chars.items() if n < 100]
    if blind:
        print(f"\nWARNING: pdftotext read (almost) no text from {len(blind)} file(s), e.g. {blind[0]}: its time is no "
              "floor there (install poppler-data for the Adobe-GB1 CMaps of non-embedded Chinese fonts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
