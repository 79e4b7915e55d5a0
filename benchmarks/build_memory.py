#!/usr/bin/env python
"""Build time and peak memory per 10,000 documents, from synthetic archives (benchmarks/scale_archive.py).

    .venv/bin/python benchmarks/build_memory.py --documents 10000,20000 --work /tmp/build-memory
    .venv/bin/python benchmarks/build_memory.py --documents 10000,20000,40000 --keep   # keep the archives
    git archive main | tar -x -C /tmp/main-src && \
      .venv/bin/python benchmarks/build_memory.py --src /tmp/main-src    # measure another checkout's build

For each size N: a synthetic archive of N documents with its pre-filled parse cache is made (or reused
from WORK/archive-N when it is there and complete), then `normalize.build.build(archive, db,
parse_cache=...)` runs in a child process, the real build path (every document is a parse-cache hit, so
the figures are the build's own: agencies, rows, finish steps, downloads, VACUUM, inspect file). While it
runs, the resident memory of the child and every process under it (parse workers, LibreOffice) is
summed from /proc every 0.2 s; the peak of that sum is the build's peak RSS. The child's own peak
(ru_maxrss) is printed too, and its peak in each step of the build (parse, agencies, reports, finish,
downloads, inspect: the `progress` steps of normalize.build.build), sampled in the child every 0.1 s.
Bounded memory means: the peak does not grow with N.

Prints one line per size and a table at the end; the database is deleted after each build.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")

CHILD = """
import json, os, resource, sys, threading, time
sys.path.insert(0, {root!r})
from normalize.build import build
PAGE = os.sysconf("SC_PAGE_SIZE")
phase, peaks, order = ["start"], {{}}, ["start"]  # start: reading the sidecars and the cache summaries

def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE

def sample():
    while True:
        r = rss()
        if r > peaks.get(phase[0], 0):
            peaks[phase[0]] = r
        time.sleep(0.1)

def progress(step, i, n):
    if step != phase[0]:
        peaks[step] = max(peaks.get(step, 0), rss())
        phase[0] = step
        if step not in order:
            order.append(step)

threading.Thread(target=sample, daemon=True).start()
t = time.perf_counter()
counts = build({archive!r}, {db!r}, parse_cache={cache!r}, progress=progress)
counts["seconds"] = time.perf_counter() - t
counts["child_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
counts["phase_peaks_mb"] = [[p, peaks.get(p, 0) / 2**20] for p in order]
print("BUILD-COUNTS " + json.dumps(counts), flush=True)
"""

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree_rss(pid: int) -> int:
    """Bytes resident in `pid` and all its descendants now."""
    kids = _children()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except OSError:
            pass
        todo.extend(kids.get(p, []))
    return total


def measure_build(archive: Path, cache: Path, db: Path, src: Path, warm_regions: bool = False) -> dict:
    if not warm_regions:  # every size places its agencies with cnloc, as a first build does (cnloc's
        for name in ("regions.json", "regions.sqlite"):  # tables and automata: ~0.3 GB, whatever N is)
            (cache / name).unlink(missing_ok=True)
    code = CHILD.format(root=str(src), archive=str(archive), db=str(db), cache=str(cache))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    peak = 0
    t0 = time.perf_counter()
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    out = proc.stdout.read()
    if proc.returncode != 0:
        raise SystemExit(f"build failed (exit {proc.returncode}):\n{out[-2000:]}")
    counts = json.loads(next(line for line in out.splitlines() if line.startswith("BUILD-COUNTS "))[13:])
    counts.update(wall=wall, tree_peak_mb=peak / 2**20)
    return counts


def ensure_archive(work: Path, n: int, src: Path) -> Path:
    out = work / f"archive-{n}"
    state = out / "scale_archive.json"
    script = str(ROOT / "benchmarks" / "scale_archive.py")
    env = dict(os.environ, OGI_SRC=str(src))  # cache keys of the parser version that builds
    if state.exists() and len(json.loads(state.read_text("utf-8"))["docs"]) == n:
        subprocess.run([sys.executable, script, "--fill-cache", "--out", str(out)], check=True, env=env)
        return out
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([sys.executable, script, "--documents", str(n), "--out", str(out)], check=True, env=env)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--documents", default="10000,20000", help="comma-separated archive sizes (default 10000,20000)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/build-memory"))
    ap.add_argument("--src", type=Path, default=ROOT,
                    help="the checkout whose normalize/ builds (default: this one), e.g. an export of main")
    ap.add_argument("--keep", action="store_true", help="keep the archives (and their parse caches) for a re-run")
    ap.add_argument("--warm-regions", action="store_true",
                    help="keep the region answers an earlier build left in the parse cache (default: every "
                         "build starts without them, so sizes compare alike)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.documents.split(",") if s.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    rows, phases = [], []
    for n in sizes:
        out = ensure_archive(args.work, n, args.src.resolve())
        db = args.work / f"build-{n}.db"
        try:
            c = measure_build(out / "archive", out / "parse-cache", db, args.src.resolve(), args.warm_regions)
        finally:
            for p in args.work.glob(f"build-{n}*"):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
            for p in args.work.glob(f".build-{n}.db*"):
                p.unlink()
        if c["from_cache"] < n:  # the cache was keyed with another parser version: stand-in blobs were parsed
            print(f"WARNING: only {c['from_cache']:,} of {n:,} documents came from the parse cache; this "
                  "build's figures are not the write path's (refill the cache: scale_archive.py --fill-cache)",
                  flush=True)
        per = n / 10_000
        rows.append((n, c["reports"], c["from_cache"], c["seconds"], c["seconds"] / per, c["tree_peak_mb"],
                     c["tree_peak_mb"] / per, c["child_maxrss_mb"]))
        phases.append((n, c["phase_peaks_mb"]))
        print(f"{n:,} documents ({c['reports']:,} reports, {c['from_cache']:,} from the parse cache): build "
              f"{c['seconds']:.0f} s, peak RSS of the build's process tree {c['tree_peak_mb']:,.0f} MB "
              f"(build process alone {c['child_maxrss_mb']:,.0f} MB)", flush=True)
        print("  peak RSS of the build process by step: " + ", ".join(
            f"{step} {mb:,.0f} MB" for step, mb in c["phase_peaks_mb"]), flush=True)
        if not args.keep:
            shutil.rmtree(out)
    print()
    print("| documents | reports | from cache | build s | s per 10k docs | peak RSS MB (tree) | MB per 10k docs | build process MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]:,} | {r[1]:,} | {r[2]:,} | {r[3]:.0f} | {r[4]:.0f} | {r[5]:,.0f} | {r[6]:,.0f} | {r[7]:,.0f} |")
    steps = list(dict.fromkeys(step for _, peaks in phases for step, _ in peaks))
    print()
    print("Peak RSS (MB) of the build process in each step (sampled every 0.1 s; the step's start included):")
    print("| documents | " + " | ".join(steps) + " |")
    print("|---:|" + "---:|" * len(steps))
    for n, peaks in phases:
        got = dict(peaks)
        print(f"| {n:,} | " + " | ".join(f"{got[s]:,.0f}" if s in got else "" for s in steps) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
