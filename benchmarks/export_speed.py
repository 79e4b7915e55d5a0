#!/usr/bin/env python
"""Speed and peak memory of the bulk downloads (panel CSV + Parquet) of a database (issue 9).

    .venv/bin/python benchmarks/scale_corpus.py --reports 20000 --out /tmp/x/20k.db --no-downloads
    .venv/bin/python benchmarks/export_speed.py --db /tmp/x/20k.db [--src OTHER_CHECKOUT] [--again]

Runs `normalize.exports.write_downloads` on DB (only read) into a fresh temporary folder, in a child
process (its own peak RSS), and prints rows, rows/s, CPU seconds (less sensitive than wall time to the
other jobs on a shared machine), seconds by step and the files' sizes.
`--src` runs another checkout's exporter (e.g. main before this change) for comparison.
`--again` then runs it a second time into the same folder with the first run's files as the published
generation: every part is reused (what a nightly run with no changed agency pays for the downloads).
`--nightly K` instead changes the build signatures of K agencies (seeded choice) before the second run:
the downloads step of a nightly build that rewrote K agencies (normalize/export_parts.py rewrites the
parts holding them and reuses the others). A database without build signatures (benchmarks/scale_corpus.py
writes none) first gets one per agency: `--nightly` WRITES the `_build_state` / `_build_info` tables of DB
(nothing else). `--verify` then writes the downloads once more without reuse and checks the bytes are equal.
Otherwise the database is only read. The files go to a temporary folder that is removed afterwards.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from normalize import exports
keep = set(json.loads(sys.argv[4]))
ru0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = ru0.ru_utime + ru0.ru_stime
t = time.perf_counter()
stats = {}
try:
    rows = exports.write_downloads(Path(sys.argv[2]), Path(sys.argv[3]), keep=keep, stats=stats)
except TypeError:  # an exporter without stats (before the parts)
    rows = exports.write_downloads(Path(sys.argv[2]), Path(sys.argv[3]), keep=keep)
secs = time.perf_counter() - t
try:
    from normalize import export_parts
    times = {k: round(v, 1) for k, v in export_parts.TIMES.items()}
except ImportError:
    times = {}
ru = resource.getrusage(resource.RUSAGE_SELF)
print("RESULT " + json.dumps({"rows": rows, "seconds": secs, "stats": stats, "times": times,
                              "cpu": ru.ru_utime + ru.ru_stime - cpu0, "peak_rss_mb": ru.ru_maxrss / 1024}))
"""


def run(src: Path, db: Path, out: Path, keep: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(src), str(db), str(out), json.dumps(keep)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-4000:])
    return json.loads(next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))[7:])


def show(label: str, r: dict) -> None:
    n = r["rows"][0]["rows"]
    print(f"{label}: {n:,} rows in {r['seconds']:.1f} s ({n / max(r['seconds'], 1e-9):,.0f} rows/s; "
          f"CPU {r['cpu']:.1f} s = {r['cpu'] / max(n, 1) * 1e6:.2f} µs a row), peak RSS {r['peak_rss_mb']:,.0f} MB "
          f"{r['stats'] or ''}")
    for step, secs in r["times"].items():
        print(f"  {step:<30} {secs:7.1f} s")
    for d in r["rows"]:
        print(f"  {d['name']:<14} {d['bytes'] / 2**20:9.1f} MiB  sha256 {d['sha256'][:12]}  ({d['file']})")


def change_signatures(db: Path, k: int, seed: int, before: bool, chosen: list = None) -> list:
    """before: give every agency a signature when the database has none; returns K agencies (seeded).
    after: change those K agencies' signatures (as a nightly that rewrote them would)."""
    import random
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        if before:
            conn.execute("create table if not exists _build_state (agency_id TEXT PRIMARY KEY, signature TEXT)")
            conn.execute("create table if not exists _build_info (key TEXT PRIMARY KEY, value TEXT)")
            if not conn.execute("select count(*) from _build_state").fetchone()[0]:
                conn.execute("insert into _build_state select distinct agency_id, 'benchmark-' || agency_id "
                             "from reports where agency_id is not null")
                conn.execute("insert or replace into _build_info values ('benchmark', 'export_speed --nightly')")
            agencies = [r[0] for r in conn.execute("select agency_id from _build_state order by agency_id")]
            chosen = random.Random(seed).sample(agencies, min(k, len(agencies)))
        else:
            conn.executemany("update _build_state set signature = signature || '+' where agency_id = ?",
                             [(a,) for a in chosen])
        conn.commit()
        return chosen
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--src", type=Path, default=ROOT, help="checkout whose normalize/ is run (default this one)")
    ap.add_argument("--again", action="store_true", help="a second run reusing the first run's parts")
    ap.add_argument("--nightly", type=int, default=0, metavar="K", help="a second run after K agencies changed")
    ap.add_argument("--verify", action="store_true", help="with --nightly: compare with a full write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tmp", type=Path, default=None, help="folder for the files (default: a temporary one)")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared machine: figures vary)")
    out = Path(tempfile.mkdtemp(prefix="export-speed-", dir=args.tmp))
    try:
        if not args.nightly:
            first = run(args.src, args.db, out, [])
            show(f"downloads of {args.db.name} ({args.src})", first)
        if args.nightly:
            changed = change_signatures(args.db, args.nightly, args.seed, before=True)
            first = run(args.src, args.db, out, [])
            show(f"downloads of {args.db.name}, every part written", first)
            change_signatures(args.db, args.nightly, args.seed, before=False, chosen=changed)
            night = run(args.src, args.db, out, [d["file"] for d in first["rows"]])
            show(f"nightly: {len(changed)} agencies changed, the first run published", night)
            if args.verify:
                fresh = Path(tempfile.mkdtemp(prefix="export-verify-", dir=args.tmp))
                try:
                    full = run(args.src, args.db, fresh, [])
                finally:
                    shutil.rmtree(fresh, ignore_errors=True)
                same = [a["sha256"] == b["sha256"] for a, b in zip(night["rows"], full["rows"])]
                print("nightly download == a full write of the same database:", all(same))
        elif args.again:
            again = run(args.src, args.db, out, [d["file"] for d in first["rows"]])
            show("again, the first run published (nightly, nothing changed)", again)
            same = [a["sha256"] == b["sha256"] for a, b in zip(first["rows"], again["rows"])]
            print("same bytes as the first run:", all(same))
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
