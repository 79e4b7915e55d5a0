#!/usr/bin/env python
"""OCR accuracy per dpi, OCR pages/s, the share of parse time OCR takes, and (--tesseract) the engine
comparison with Debian's tesseract-ocr-chi-sim.

    make bench                                         (runs this after parse_speed.py)
    .venv/bin/python benchmarks/ocr_accuracy.py [--dpi 150 200 300] [--cases pingtan_xzspj_2023 ...] [--tesseract]

Material: every golden report (five seeds, the Pingtan report) rendered by tests/render_formats.py to
DOCX and by LibreOffice to PDF; each PDF scanned by tests/render_scans.py at each dpi (rotated ±0.6°,
Gaussian noise σ=8, JPEG q70) and packed as an image-only PDF. Each scan is extracted and parsed
(`extract_bytes` + `parse_document`, OCR included) and every code-book cell is compared with the
text-layer parse of the same PDF: exact = same value and raw text. "flagged" counts wrong cells named by an issue
(ocr_low_confidence, unreadable_value, missing_row for the whole row) or sitting in a table with a failing check.

Share of parse time: OCR seconds ÷ (OCR seconds + the seconds to parse the same reports from their
text formats: HTML, DOCX, text PDF), i.e. the cost of one scanned copy among the formats a report is
found in.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "tests"))

import render_formats as rf  # noqa: E402
import render_scans as rs  # noqa: E402

from normalize.extract import extract_bytes  # noqa: E402
from normalize.extract import ocr  # noqa: E402
from normalize.parse import parse_document  # noqa: E402


def tesseract_pieces(clean, grids):
    """The same pipeline with tesseract (chi_sim, one thread) reading the cleaned page: words → pieces."""
    import cv2

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "p.png")
        cv2.imwrite(path, clean)
        out = subprocess.run(["tesseract", path, "-", "-l", "chi_sim", "--psm", "11", "tsv"],
                             capture_output=True, text=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"}).stdout
    pieces = []
    for line in out.splitlines()[1:]:
        f = line.split("\t")
        if len(f) < 12 or not f[11].strip():
            continue
        x, y, w, h, conf = int(f[6]), int(f[7]), int(f[8]), int(f[9]), float(f[10])
        for p in ocr._split_on_borders((x, y, x + w, y + h), grids):
            p.text, p.conf = ocr._normalise(f[11]), max(conf, 0) / 100
            pieces.append(p)
    return pieces


def compare(ref: dict, got: dict) -> tuple[int, int, int, list]:
    exp = {(c["table"], c["row"], c["col"]): c for c in ref["cells"]}
    act = {(c["table"], c["row"], c["col"]): c for c in got["cells"]}
    flagged = {".".join((i["table"], i["row"], i.get("col") or "*")) for i in got["issues"] if i.get("row")}
    failing = {c.get("message", "").split()[0] for c in got["checks"] if c.get("status") == "fail"}
    wrong = [k for k in exp if k not in act or act[k]["value"] != exp[k]["value"] or act[k]["raw"] != exp[k]["raw"]]
    ok_flag = sum(1 for k in wrong if ".".join(k) in flagged or f"{k[0]}.{k[1]}.*" in flagged or k[0] in failing)
    return len(exp), len(exp) - len(wrong), ok_flag, [(k, exp[k]["raw"], act.get(k, {}).get("raw")) for k in wrong]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    ap.add_argument("--cases", nargs="*")
    ap.add_argument("--tesseract", action="store_true", help="also run tesseract-ocr-chi-sim at 200 dpi")
    ap.add_argument("--render-dir", type=Path, default=Path(tempfile.gettempdir()) / "ogi-ocr-bench")
    a = ap.parse_args(argv)
    cases = [c for c in rf.load_cases() if not a.cases or c.name in a.cases]
    files = rf.render_all(cases, a.render_dir, ("html", "docx", "pdf"))
    print(f"ogi-reports OCR — engine {ocr.ENGINE_NAME}, OGI_OCR_THREADS={os.environ.get('OGI_OCR_THREADS', '1')}, "
          f"{os.cpu_count()} cores")
    text_seconds = 0.0
    refs = {}
    for c in cases:
        for fmt in ("html", "docx", "pdf"):
            data = files[(c.name, fmt)].read_bytes()
            t = time.perf_counter()
            res = parse_document(extract_bytes(data, files[(c.name, fmt)].name))
            text_seconds += time.perf_counter() - t
            if fmt == "pdf":
                refs[c.name] = res
    engines = [("rapidocr", None)]
    if a.tesseract:
        if shutil.which("tesseract"):
            engines.append(("tesseract", tesseract_pieces))
        else:
            print("  (tesseract not installed: apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
    print(f"\n{'engine':10} {'dpi':>4} {'docs':>4} {'pages':>5} {'cells':>6} {'exact':>6} {'exact %':>8} "
          f"{'wrong':>5} {'flagged':>7} {'pages/s':>8}")
    ocr_seconds_200 = None
    failures = []
    if os.environ.get("OGI_BENCH_LOAD", "1") != "0":
        print(f"load average before: {os.getloadavg()[0]:.1f} (pages/s are per this machine's state)", flush=True)
    for name, rec in engines:
        for dpi in (a.dpi if rec is None else [200]):
            n = ok = fl = pages = 0
            secs = 0.0
            for c in cases:
                pdf = files[(c.name, "pdf")].read_bytes()
                scan = rs.scan_pdf(rs.page_images(pdf, dpi), dpi)
                t = time.perf_counter()
                if rec is None:
                    doc = extract_bytes(scan, "scan.pdf")
                else:
                    import pypdfium2 as pdfium
                    import numpy as np

                    pdfd = pdfium.PdfDocument(scan)
                    frames = []
                    for i in range(len(pdfd)):
                        img = pdfd[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
                        frames.append((np.asarray(img), dpi))
                    doc = ocr.ocr_grays(frames, time.monotonic() + 3600, rec)
                    doc.format = "pdf"
                got = parse_document(doc)
                secs += time.perf_counter() - t
                pages += len((doc.meta.get("ocr") or {}).get("pages") or [])
                cn, cok, cfl, wrong = compare(refs[c.name], got)
                n, ok, fl = n + cn, ok + cok, fl + cfl
                failures += [(name, dpi, c.name, *w) for w in wrong]
                if rec is None:
                    for w in wrong:
                        print("   wrong:", dpi, c.name, *w, file=sys.stderr, flush=True)
            if rec is None and dpi == 200:
                ocr_seconds_200 = secs
            print(f"{name:10} {dpi:>4} {len(cases):>4} {pages:>5} {n:>6} {ok:>6} {100 * ok / max(n, 1):>7.2f}% "
                  f"{n - ok:>5} {fl:>7} {pages / secs if secs else 0:>8.3f}", flush=True)
    if ocr_seconds_200 is not None:
        share = ocr_seconds_200 / (ocr_seconds_200 + text_seconds)
        print(f"\nshare of parse time taken by OCR (one 200-dpi scan + HTML, DOCX, text PDF of each report): "
              f"{100 * share:.1f}% ({ocr_seconds_200:.1f} s OCR, {text_seconds:.1f} s text formats)")
    if failures:
        print("\nwrong cells (engine, dpi, report, cell, expected raw, OCR raw):")
        for f in failures[:80]:
            print("  ", *f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
