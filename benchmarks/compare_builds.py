#!/usr/bin/env python
"""Build one archive with two checkouts' code and compare the databases table by table.

    git archive main | tar -x -C /tmp/main-src
    .venv/bin/python benchmarks/compare_builds.py --archive /work/bench/archive-10000 --a /tmp/main-src --b .

Each build runs in a child process with `sys.path` set to its checkout and the archive's parse cache
(`ARCHIVE/parse-cache`: fill it for both parser versions first, e.g. with `scale_archive.py --fill-cache`
under `OGI_SRC=` each checkout, or a `build_memory.py` run of each). Every table and view of both files is
read in rowid order (views: sorted) and compared as a digest, printing the tables that differ; the
migration time stamps (`_migrations`) and the build's own file names are skipped.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

SKIP = {"_migrations"}
CHILD = """
import sys, json
sys.path.insert(0, {src!r})
from normalize.build import build
c = build({archive!r}, {db!r}, parse_cache={cache!r})
print("COUNTS " + json.dumps({{k: c.get(k) for k in ("reports", "documents", "from_cache")}}))
"""


def build_with(src: Path, archive: Path, db: Path) -> str:
    code = CHILD.format(src=str(src), archive=str(archive / "archive"), db=str(db), cache=str(archive / "parse-cache"))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return next(line for line in out.splitlines() if line.startswith("COUNTS "))


def digests(db: Path) -> dict[str, tuple[int, str]]:
    conn = sqlite3.connect(db)
    out = {}
    for name, kind in conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
                                   "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        if name in SKIP or "_fts_" in name or name.startswith(("sections_fts", "passages_fts", "passages_grams")):
            continue
        try:
            rows = conn.execute(f"SELECT * FROM [{name}]" + (" ORDER BY rowid" if kind == "table" else "")).fetchall()
        except sqlite3.OperationalError:  # WITHOUT ROWID
            rows = conn.execute(f"SELECT * FROM [{name}]").fetchall()
        if kind == "view" or name == "downloads":
            rows = sorted(rows, key=repr)
        h = hashlib.sha256()
        for r in rows:
            h.update(repr(r).encode())
        out[name] = (len(rows), h.hexdigest())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--archive", type=Path, required=True, help="a scale_archive.py output directory")
    ap.add_argument("--a", type=Path, required=True, help="first checkout")
    ap.add_argument("--b", type=Path, required=True, help="second checkout")
    ap.add_argument("--work", type=Path, default=Path("/tmp/compare-builds"))
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    got = []
    for tag, src in (("a", args.a), ("b", args.b)):
        db = args.work / f"{tag}.db"
        print(tag, src, build_with(src.resolve(), args.archive, db), flush=True)
        got.append(digests(db))
        shutil.rmtree(args.work / "downloads", ignore_errors=True)
    a, b = got
    bad = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
    for n in bad:
        print(f"DIFFERS {n}: a {a.get(n)} b {b.get(n)}")
    print(f"{len(set(a) | set(b)) - len(bad)} tables and views equal, {len(bad)} differ "
          f"({sum(v[0] for v in a.values()):,} rows in a)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
