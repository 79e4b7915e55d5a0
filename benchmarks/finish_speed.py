"""Time the finish steps of a built database again, with this checkout's code or another's (A/B under the
same load): `normalize.build.finish_database` (indicators_wide, site_tables.finish — explained checks,
passages, t3_wide, serving tables —, the search index rebuilds, ANALYZE) and the panel download.

    .venv/bin/python benchmarks/finish_speed.py --db /tmp/x/c30k.db [--src /tmp/main-src] [--no-downloads]

The database (e.g. one made by benchmarks/scale_corpus.py) is copied next to itself, its derived rows are
deleted (passages and their indexes, t3_wide, serving tables, rules, checks' cells/page/message,
indicators_wide) and refilled by the code of `--src` (default: this checkout). Prints seconds per step
and a digest of the rows each step wrote, so two checkouts can be compared for equal output. The copy is
removed afterwards.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DERIVED = ("passages", "t3_wide", "report_totals", "dashboard_cube", "dashboard_rule_cube", "rules", "indicators_wide")
DIGESTS = {
    "checks": "select id, cells, page, message_zh from checks order by id",
    "passages": "select * from passages order by id",
    "t3_wide": "select rowid, * from t3_wide order by rowid",
    "indicators_wide": "select rowid, * from indicators_wide order by rowid",
}


def reset(path: Path) -> None:
    conn = sqlite3.connect(path)
    for t in DERIVED:
        conn.execute(f"delete from {t}")
    for fts in ("passages_fts", "passages_grams"):
        conn.execute(f"INSERT INTO {fts}({fts}) VALUES('delete-all')")
    conn.execute("update checks set cells = NULL, page = NULL, message_zh = NULL")
    conn.commit()
    conn.close()


def digest(path: Path) -> dict:
    conn = sqlite3.connect(path)
    out = {}
    for name, sql in DIGESTS.items():
        h = hashlib.sha256()
        for row in conn.execute(sql):
            h.update(repr(row).encode())
        out[name] = h.hexdigest()[:12]
    conn.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--src", type=Path, default=ROOT, help="checkout whose normalize/ is timed")
    ap.add_argument("--no-downloads", action="store_true")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.src.resolve()))
    import sqlite_utils

    from normalize import build, exports, indicators_wide, site_tables

    print(f"code: {Path(site_tables.__file__).parent}")
    work = Path(tempfile.mkdtemp(prefix="finish-speed-", dir=args.db.parent))
    try:
        copy = work / args.db.name
        shutil.copy(args.db, copy)
        reset(copy)
        db = sqlite_utils.Database(copy)
        for pragma in getattr(build, "BUILD_PRAGMAS", ()):
            db.conn.execute(pragma)
        times = {}

        def timed(module, name: str, label: str) -> None:
            fn = getattr(module, name)

            def wrapper(*a, **k):
                t0 = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    times[label] = time.perf_counter() - t0
            setattr(module, name, wrapper)

        times["finish_database"] = 0.0
        timed(indicators_wide, "fill_indicators_wide", "  indicators_wide")
        timed(site_tables, "finish", "  site_tables.finish")
        t = time.perf_counter()
        build.finish_database(db)  # indicators_wide, site tables, search rebuilds, ANALYZE
        times["finish_database"] = time.perf_counter() - t
        db.close()
        if not args.no_downloads:
            t = time.perf_counter()
            rows = exports.write_downloads(copy, work / "downloads")
            times["downloads (panel CSV/Parquet)"] = time.perf_counter() - t
            print("  files: " + ", ".join(f"{r['file']} ({r['rows']:,} rows)" for r in rows))
        for name, sec in times.items():
            print(f"  {name:<34}{sec:8.1f} s")
        print("  digests: " + ", ".join(f"{k} {v}" for k, v in digest(copy).items()))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
