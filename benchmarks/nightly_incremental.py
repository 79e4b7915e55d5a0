#!/usr/bin/env python
"""The nightly incremental build against a full build: time and peak memory (issue 9, item 4).

    .venv/bin/python benchmarks/scale_archive.py --documents 100000 --out /tmp/arch   # archive + parse cache
    .venv/bin/python benchmarks/nightly_incremental.py --dir /tmp/arch --add 100 [--compare-full]

1. When DIR/ogi.db does not exist: a full build of DIR/archive (the published database); its time and
   peak RSS are printed (build memory per corpus size).
2. `--add K`: K new documents as a new crawl run (benchmarks/scale_archive.py --add K: new reports, the
   sites' earlier documents touched as an incremental crawl does); without it the archive is used as is.
3. The incremental build (`normalize.build.build(..., full=False)`, what `ogi nightly` runs): time, peak
   RSS, reports rewritten.
4. `--compare-full`: a full build of the same archive into DIR/full.db (removed afterwards unless
   `--keep`), time and peak RSS, and whether every table's rows equal the incremental database's
   (`--check-rows`; reads both databases whole, slow at 100 k).

Each build runs in a child process of its own, which reports its own peak RSS (ru_maxrss). The parse
cache DIR/parse-cache makes every old document a cache hit, as on a real nightly.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from normalize.build import build
t = time.monotonic()
steps, last = {}, [None, t]
def say(step, i, n):
    now = time.monotonic()
    if step != last[0]:
        if last[0] is not None:
            steps[last[0]] = round(steps.get(last[0], 0) + now - last[1], 1)
        last[:] = [step, now]
c = build(sys.argv[2], sys.argv[3], parse_cache=sys.argv[4], convert_cache=sys.argv[5], full=sys.argv[6] == "full",
          progress=say)
say(None, 0, 0)
c["seconds"] = round(time.monotonic() - t, 1)
c["steps"] = steps
c["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print("RESULT " + json.dumps(c, default=str))
"""


def timed_build(archive: Path, db: Path, cache: Path, full: bool) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(archive), str(db), str(cache),
                           str(cache.parent / "convert-cache"), "full" if full else "incremental"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def same_rows(a: Path, b: Path) -> list[str]:
    """Tables whose rows differ (as multisets, without INTEGER PRIMARY KEY ids)."""
    import sqlite3
    from collections import Counter

    skip = {"_migrations", "sqlite_stat1", "sqlite_stat4", "downloads"}

    def rows(db: Path) -> dict:
        conn = sqlite3.connect(db)
        virt = {r[0] for r in conn.execute("select name from sqlite_master where type='table' and sql like 'CREATE VIRTUAL%'")}
        out = {}
        for (t,) in conn.execute("select name from sqlite_master where type='table'"):
            if t in skip or t in virt or any(t.startswith(v + "_") for v in virt):
                continue
            cols = [c[1] for c in conn.execute(f"pragma table_info([{t}])")
                    if not (c[5] and c[2].upper() == "INTEGER") and c[1] != "section_id"]
            out[t] = Counter(conn.execute(f"select {', '.join(f'[{c}]' for c in cols)} from [{t}]"))
        conn.close()
        return out

    x, y = rows(a), rows(b)
    return sorted(t for t in set(x) | set(y) if x.get(t) != y.get(t))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--dir", type=Path, required=True, help="DIR/archive and DIR/parse-cache (benchmarks/scale_archive.py)")
    ap.add_argument("--db", type=Path, help="the published database (default DIR/ogi.db)")
    ap.add_argument("--add", type=int, default=0, metavar="K", help="new documents before the nightly build")
    ap.add_argument("--compare-full", action="store_true", help="also time a full build of the same archive")
    ap.add_argument("--check-rows", action="store_true", help="with --compare-full: compare every table's rows")
    ap.add_argument("--keep", action="store_true", help="keep DIR/full.db")
    ap.add_argument("--scale-archive", type=Path, default=ROOT / "benchmarks" / "scale_archive.py",
                    help="the generator that adds documents (default benchmarks/scale_archive.py)")
    args = ap.parse_args()
    archive, cache = args.dir / "archive", args.dir / "parse-cache"
    db = args.db or args.dir / "ogi.db"
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared machine: figures vary)")
    if not db.exists():
        first = timed_build(archive, db, cache, full=True)
        print(f"full build (published): {first['reports']:,} reports, {first['documents']:,} documents: "
              f"{first['seconds']} s, peak RSS {first['peak_rss_mb']:,} MB, {db.stat().st_size / 2**30:.2f} GiB")
        print(f"  seconds by step: {first['steps']}")
    if args.add:
        t = time.monotonic()
        subprocess.run([sys.executable, str(args.scale_archive), "--add", str(args.add),
                        "--out", str(args.dir)], check=True, stdout=subprocess.DEVNULL)
        print(f"added {args.add} documents as a new crawl run in {time.monotonic() - t:.1f} s")
    inc = timed_build(archive, db, cache, full=False)
    print(f"incremental build ({inc['mode']}{', full because ' + str(inc['full_because']) if inc['mode'] == 'full' else ''}): "
          f"{inc['reports']:,} reports, {inc.get('reports_rewritten', inc['reports']):,} rewritten "
          f"({inc.get('agencies_rewritten', '-')} agencies), {inc.get('nightly_columns_updated', '-')} nightly "
          f"columns updated: {inc['seconds']} s, peak RSS {inc['peak_rss_mb']:,} MB")
    print(f"  seconds by step (from the start to the first step: reading the archive): {inc['steps']}")
    print(f"  panel download parts (normalize/export_parts.py): {inc.get('download_parts')}")
    if args.compare_full:
        full_db = args.dir / "full.db"
        full = timed_build(archive, full_db, cache, full=True)
        print(f"full build of the same archive: {full['seconds']} s, peak RSS {full['peak_rss_mb']:,} MB "
              f"(incremental: {inc['seconds'] / max(full['seconds'], 0.1):.1%} of the time)")
        print(f"  seconds by step: {full['steps']}")
        if args.check_rows:
            diff = same_rows(db, full_db)
            print("rows: incremental == full" if not diff else f"rows DIFFER in {diff}")
        if not args.keep:
            for p in (full_db, full_db.with_suffix(".inspect.json")):
                if p.exists():
                    p.unlink()


if __name__ == "__main__":
    main()
