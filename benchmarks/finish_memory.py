#!/usr/bin/env python
"""Resident memory of the steps after the write (finish, downloads, inspect), statement by statement.

    .venv/bin/python benchmarks/finish_memory.py --make 10000 --db /tmp/m/w10k.db   # a written, unfinished database
    .venv/bin/python benchmarks/finish_memory.py --db /tmp/m/w10k.db [--src /tmp/main-src] [--top 25]
    .venv/bin/python benchmarks/finish_memory.py --db /tmp/m/w10k.db --sort-ab 2   # index sorts: old vs new

--make N writes N synthetic reports through the build's own write path (benchmarks/scale_corpus.py:
open_database + write_reports) and stops before finish_database; the deferred secondary indexes are
remembered in a table of the file, so the finish can be run again on copies of it.

Without --make: the database is copied, and `normalize.build.finish_database`, the downloads
(`exports.write_downloads`), the journal switch / VACUUM check and the inspect file run on the copy as
`normalize.build.build` runs them, with the code of --src. Every SQL statement of the build connection
(its trace callback) and every step is a span; a thread samples the process's resident memory every
10 ms. Printed per span: RSS at its start, at its end, the peak during it and its time, and the bytes malloc has
handed out at its end (glibc's mallinfo2: in use, not counting freed memory the heap keeps); the largest
peaks first, then the steps in order. The copy is removed afterwards.
"""
from __future__ import annotations

import argparse
import ctypes
import functools
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = os.sysconf("SC_PAGE_SIZE")
SAVED = "_finish_memory_deferred"


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                                                "uordblks", "fordblks", "keepcost")]


@functools.lru_cache(maxsize=1)
def _mallinfo2():
    try:
        fn = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return None
    fn.restype = _Mallinfo2
    return fn


def malloc_in_use() -> int:
    """Bytes glibc's malloc has handed out and not had back (0 where there is no mallinfo2)."""
    fn = _mallinfo2()
    if fn is None:
        return 0
    m = fn()
    return m.uordblks + m.hblkhd


def rss_parts() -> str:
    """RssAnon / RssFile of /proc/self/status and Python's allocated blocks, for the step lines."""
    with open("/proc/self/status") as fh:
        got = dict(line.split(":", 1) for line in fh if line.startswith(("RssAnon", "RssFile")))
    return (f"anon {int(got['RssAnon'].split()[0]) // 1024} MB, file {int(got['RssFile'].split()[0]) // 1024} MB, "
            f"python blocks {sys.getallocatedblocks():,}")


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


class Spans:
    """Named spans (one open at a time per level) with RSS at start/end and the sampled peak."""

    def __init__(self):
        self.rows: list[list] = []  # [level, label, start rss, end rss, peak, seconds, order of start]
        self.open: list[list] = []
        self.seq = 0
        self.lock = threading.Lock()
        self.stop = False
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self):
        while not self.stop:
            r = rss()
            with self.lock:
                for span in self.open:
                    if r > span[4]:
                        span[4] = r
            time.sleep(0.01)

    def begin(self, level: int, label: str) -> None:
        """A new span at `level` (ending the open ones at it and below); the same statement run again
        (executemany) stays one span."""
        with self.lock:
            if self.open and self.open[-1][0] == level and self.open[-1][1] == label:
                return
        self.end(level)
        r = rss()
        with self.lock:
            self.open.append([level, label, r, None, r, time.perf_counter(), self.seq])
            self.seq += 1

    def end(self, level: int) -> None:
        r = rss()
        with self.lock:
            while self.open and self.open[-1][0] >= level:
                span = self.open.pop()
                span[3], span[4], span[5] = r, max(span[4], r), time.perf_counter() - span[5]
                span.append(malloc_in_use() if level < 3 or span[5] >= 0.2 else 0)
                if level < 2:
                    span[1] += f" [{rss_parts()}]"
                self.rows.append(span)


def make(n: int, path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import scale_corpus

    from normalize.build import open_database, write_reports

    pool = scale_corpus.parse_pool(132, "scale")
    if path.exists():
        path.unlink()
    db = open_database(path)
    runs = [{"run_id": "scale", "started_at": "2025-04-01T00:00:00+00:00", "finished_at": "2025-04-01T06:00:00+00:00",
             "sites": [], "totals": {}}]
    db["crawl_runs"].insert({"run_id": "scale", "started_at": runs[0]["started_at"],
                             "finished_at": runs[0]["finished_at"]}, pk="run_id", replace=True)
    all_sites: dict = {}
    made = 0
    for sites, docs in scale_corpus.synthetic_batches(n, pool, batch=2_000, seed="scale"):
        db["sites"].insert_all(sites.values(), pk="id", replace=True)
        all_sites.update(sites)
        made += write_reports(db, docs, all_sites, runs, lambda *a: None)["reports"]
        db.conn.commit()
    db.conn.execute(f"CREATE TABLE {SAVED} AS SELECT name, sql FROM temp.deferred_indexes")
    db.conn.commit()
    db.close()
    print(f"{made:,} reports written to {path} ({path.stat().st_size / 2**30:.2f} GiB), not finished")


def profile(src: Path, path: Path, top: int) -> None:
    sys.path.insert(0, str(src.resolve()))
    import sqlite_utils

    from normalize import build, exports, heap, indicators_wide, site_tables

    spans = Spans()
    work = Path(tempfile.mkdtemp(prefix="finish-memory-", dir=path.parent))
    try:
        tmp = work / ".out.db.tmp"
        shutil.copy(path, tmp)
        t0 = time.perf_counter()
        db = sqlite_utils.Database(tmp)
        db.conn.execute("PRAGMA journal_mode=OFF")
        db.conn.execute("PRAGMA synchronous=OFF")
        for pragma in build.BUILD_PRAGMAS:
            db.conn.execute(pragma)
        db.conn.execute("CREATE TEMP TABLE deferred_indexes (name TEXT PRIMARY KEY, sql TEXT)")
        db.conn.execute(f"INSERT INTO temp.deferred_indexes SELECT name, sql FROM {SAVED}")
        db.conn.execute(f"DROP TABLE {SAVED}")
        db.conn.commit()
        heap.trim()
        base = rss()

        def wrap(module, name: str, label: str) -> None:
            fn = getattr(module, name)

            def wrapper(*a, **k):
                spans.begin(1, label)
                try:
                    return fn(*a, **k)
                finally:
                    spans.end(1)
            setattr(module, name, wrapper)

        wrap(build, "_create_deferred_indexes", "deferred indexes")
        wrap(indicators_wide, "fill_indicators_wide", "indicators_wide")
        wrap(site_tables, "finish", "site_tables.finish")
        wrap(site_tables, "fill_serving_tables", "site_tables.fill_serving_tables")
        # statements that virtual tables run inside a statement ("-- ..." , FTS5's own) are not spans
        # (the callback gets the SQL with its parameters filled in: they are blanked, so that every run of
        # one statement, e.g. an executemany, is one span)
        db.conn.set_trace_callback(lambda sql: None if sql.startswith("--") else spans.begin(3, _shape(sql)))
        spans.begin(0, "STEP finish_database")
        build.finish_database(db)
        spans.end(0)
        db.conn.set_trace_callback(None)
        db.close()
        heap.trim()
        spans.begin(0, "STEP downloads")
        db = sqlite_utils.Database(tmp)
        db["downloads"].delete_where()
        db["downloads"].insert_all(exports.write_downloads(tmp, work / "downloads"))
        db.conn.commit()
        db.conn.execute("PRAGMA journal_mode=DELETE")
        build.vacuum_if_needed(db)
        db.close()
        spans.begin(0, "STEP inspect")
        exports.write_inspect(tmp, work / "out.db")
        spans.end(0)
        total = time.perf_counter() - t0
        spans.stop = True
    finally:
        shutil.rmtree(work, ignore_errors=True)
    mb = lambda b: b / 2**20  # noqa: E731
    print(f"code: {Path(build.__file__).parent}; database {path} ({path.stat().st_size / 2**30:.2f} GiB)")
    print(f"RSS after opening the copy (the base): {mb(base):,.0f} MB; total {total:.1f} s; {len(spans.rows):,} spans")
    print(f"\nlargest peaks over the base ({top}):")
    head = f"  {'peak +MB':>8} {'start +MB':>9} {'end +MB':>8} {'malloc MB':>9} {'s':>7}  span"
    print(head)
    for lvl, label, s, e, p, sec, _, used in sorted(spans.rows, key=lambda r: -r[4])[:top]:
        print(f"  {mb(p - base):8.0f} {mb(s - base):9.0f} {mb(e - base):8.0f} {mb(used):9.0f} {sec:7.1f}  {'  ' * lvl}{label}")
    print("\nsteps in order (statements taking ≥ 0.5 s or adding ≥ 20 MB to the peak):")
    print(head)
    for lvl, label, s, e, p, sec, _, used in sorted(spans.rows, key=lambda r: r[6]):
        if lvl < 3 or sec >= 0.5 or p - s >= 20 * 2**20:
            print(f"  {mb(p - base):8.0f} {mb(s - base):9.0f} {mb(e - base):8.0f} {mb(used):9.0f} {sec:7.1f}  {'  ' * lvl}{label}")


def sort_ab(path: Path, rounds: int) -> None:
    """The deferred CREATE INDEX statements alone, on copies, back to back: through the build connection
    (pysqlite3, whose sorts stay in memory) and through normalize.build.run_sorting."""
    sys.path.insert(0, str(ROOT))
    import sqlite_utils

    from normalize import build

    work = Path(tempfile.mkdtemp(prefix="sort-ab-", dir=path.parent))
    try:
        for _ in range(rounds):
            for mode in ("build connection", "run_sorting"):
                copy = work / "ab.db"
                shutil.copy(path, copy)
                db = sqlite_utils.Database(copy)
                for pragma in ("PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF") + build.BUILD_PRAGMAS:
                    db.conn.execute(pragma)
                statements = [r[0] for r in db.execute(f"SELECT sql FROM {SAVED} ORDER BY name")]
                t = time.perf_counter()
                if mode == "run_sorting":
                    build.run_sorting(db, statements)
                else:
                    for sql in statements:
                        db.conn.execute(sql)
                print(f"  {mode:<17} {time.perf_counter() - t:6.1f} s ({len(statements)} indexes)", flush=True)
                db.close()
                copy.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _shape(sql: str) -> str:
    sql = LITERALS.sub("?", sql)
    return " ".join(sql.split())[:100]


LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--make", type=int, help="write this many synthetic reports into --db (no finish)")
    ap.add_argument("--src", type=Path, default=ROOT, help="checkout whose normalize/ runs (default: this one)")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--sort-ab", type=int, metavar="ROUNDS",
                    help="only time the deferred index statements: build connection vs run_sorting, ROUNDS times")
    args = ap.parse_args(argv)
    if args.sort_ab:
        sort_ab(args.db, args.sort_ab)
    elif args.make:
        sys.path.insert(0, str(ROOT))
        make(args.make, args.db)
    else:
        profile(args.src, args.db, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
