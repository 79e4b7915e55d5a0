#!/usr/bin/env python
"""Build one synthetic archive with two checkouts and compare the databases table by table.

    git archive main | tar -x -C /tmp/main-src
    .venv/bin/python benchmarks/compare_builds.py --archive /work/bench/archive-10000 --src /tmp/main-src --src . \
        --work /tmp/compare

For each checkout the archive's parse cache is filled for that checkout's parser version
(benchmarks/scale_archive.py --fill-cache), then `normalize.build.build` runs in a child process
with that checkout's `normalize/` and the database is kept in WORK. Every table of the first database
is compared with the second: row counts, rows of one missing from the other (SQL EXCEPT, both ways) and
whether the rows come in the same rowid order. `_build_info` (it holds the parser version) and the
`downloads` table (file sizes and times of the exports) are left out, and the columns in VOLATILE. Exit status 1 when a table differs.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {"_build_info", "downloads"}
# columns that differ between two builds by design: when the migration ran; the build-state signatures
# contain the parse-cache keys, which contain the parser version
VOLATILE = {"_migrations": {"applied_at"}, "_build_state": {"signature"}}
CHILD = """
import json, sys, time
sys.path.insert(0, {src!r})
from normalize.build import build
t = time.perf_counter()
counts = build({archive!r}, {db!r}, parse_cache={cache!r})
print("BUILD " + json.dumps({{"seconds": time.perf_counter() - t, "reports": counts["reports"],
                              "from_cache": counts["from_cache"]}}), flush=True)
"""


def build_with(src: Path, archive_dir: Path, db: Path) -> dict:
    env = dict(os.environ, OGI_SRC=str(src))
    own = src / "benchmarks" / "scale_archive.py"  # the checkout's own filler: it reads the archive with its code
    subprocess.run([sys.executable, str(own if own.exists() else ROOT / "benchmarks" / "scale_archive.py"), "--fill-cache", "--out",
                    str(archive_dir)], check=True, env=env, stdout=subprocess.DEVNULL)
    (archive_dir / "parse-cache" / "regions.json").unlink(missing_ok=True)
    if db.exists():
        db.unlink()
    code = CHILD.format(src=str(src), archive=str(archive_dir / "archive"), db=str(db),
                        cache=str(archive_dir / "parse-cache"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    got = json.loads(next(line for line in out.splitlines() if line.startswith("BUILD "))[6:])
    got["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)  # with the region child
    return got


def tables(conn: sqlite3.Connection) -> list[str]:
    virtual = {r[0] for r in conn.execute("select name from sqlite_master where type='table' and sql like 'CREATE VIRTUAL%'")}
    names = [r[0] for r in conn.execute("select name from sqlite_master where type='table' order by name")]
    return [t for t in names if t not in SKIP and t not in virtual and not any(t.startswith(v + "_") for v in virtual)
            and not t.startswith("sqlite_")]


def compare(a: Path, b: Path) -> list[str]:
    conn = sqlite3.connect(a)
    conn.execute("attach ? as b", (str(b),))
    problems = []
    for t in tables(conn):
        cols = ", ".join(f"[{r[1]}]" for r in conn.execute(f"pragma main.table_info([{t}])")
                         if r[1] not in VOLATILE.get(t, ()))
        na = conn.execute(f"select count(*) from main.[{t}]").fetchone()[0]
        try:
            nb = conn.execute(f"select count(*) from b.[{t}]").fetchone()[0]
        except sqlite3.OperationalError:
            problems.append(f"{t}: missing in the second database")
            continue
        only_a = conn.execute(f"select count(*) from (select {cols} from main.[{t}] except select {cols} from b.[{t}])").fetchone()[0]
        only_b = conn.execute(f"select count(*) from (select {cols} from b.[{t}] except select {cols} from main.[{t}])").fetchone()[0]
        same_order = all(x == y for x, y in zip(conn.execute(f"select {cols} from main.[{t}] order by rowid"),
                                                 conn.execute(f"select {cols} from b.[{t}] order by rowid")))
        line = f"{t}: {na:,} / {nb:,} rows, only first {only_a}, only second {only_b}, same order {same_order}"
        print(line)
        if na != nb or only_a or only_b or not same_order:
            problems.append(line)
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--archive", type=Path, required=True, help="a scale_archive.py output directory")
    ap.add_argument("--src", type=Path, action="append", required=True, help="two checkouts")
    ap.add_argument("--work", type=Path, default=Path("/tmp/compare-builds"))
    args = ap.parse_args(argv)
    if len(args.src) != 2:
        raise SystemExit("give --src twice")
    args.work.mkdir(parents=True, exist_ok=True)
    dbs = []
    for i, src in enumerate(args.src):
        db = args.work / f"build-{i}.db"
        t = time.perf_counter()
        got = build_with(src.resolve(), args.archive.resolve(), db)
        print(f"{src}: {got['reports']:,} reports, {got['from_cache']:,} from the cache, build {got['seconds']:.0f} s, "
              f"CPU {got['cpu']:.1f} s "
              f"({time.perf_counter() - t:.0f} s with the cache fill)", flush=True)
        dbs.append(db)
    problems = compare(*dbs)
    print("\n".join(["DIFFERENT:"] + problems) if problems else "same rows in every table")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
