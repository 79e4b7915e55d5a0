#!/usr/bin/env python
"""Python objects a build holds in each step, by tracemalloc (what RSS figures cannot tell apart).

    .venv/bin/python benchmarks/step_tracemalloc.py --archive /work/bench/archive-10000 [--src /tmp/main-src]

Runs `normalize.build.build` of a benchmarks/scale_archive.py archive (its parse cache must be filled for
SRC's parser version: build_memory.py or scale_archive.py --fill-cache) with tracemalloc on, and prints
for each `progress` step of the build the traced memory at its start and the peak inside it, and the
largest holders (by line) at the start of the reports step. Slow (tracemalloc): use 10 k / 20 k.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--archive", type=Path, required=True, help="a scale_archive.py output directory")
    ap.add_argument("--src", type=Path, default=ROOT)
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.src.resolve()))
    from normalize.build import build

    (args.archive / "parse-cache" / "regions.json").unlink(missing_ok=True)
    steps: list[list] = []  # [step, MB at start, peak MB in it]
    top: list = []

    def progress(step, i, n):
        if steps and steps[-1][0] == step:
            return
        cur, peak = tracemalloc.get_traced_memory()
        if steps:
            steps[-1][2] = peak / 2**20
        tracemalloc.reset_peak()
        steps.append([step, cur / 2**20, 0.0])
        if step == "reports" and not top:
            top.extend(tracemalloc.take_snapshot().statistics("lineno")[:args.top])

    tracemalloc.start()
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        counts = build(args.archive / "archive", Path(tmp) / "t.db", parse_cache=args.archive / "parse-cache",
                       progress=progress)
    steps[-1][2] = tracemalloc.get_traced_memory()[1] / 2**20
    print(f"{counts['documents']:,} documents, {counts['reports']:,} reports, {counts['from_cache']:,} from the "
          f"cache, {time.perf_counter() - t:.0f} s (traced)")
    print("| step | traced MB at start | traced peak MB in the step |")
    print("|---|---:|---:|")
    for step, start, peak in steps:
        print(f"| {step} | {start:.1f} | {peak:.1f} |")
    print("\nlargest holders at the start of the reports step:")
    for stat in top:
        print(f"  {stat.size / 2**20:7.2f} MB {stat.count:8,} blocks  {stat.traceback[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
