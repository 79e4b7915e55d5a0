"""SIGKILL `ogi nightly` at random moments, then let one run finish: what is left behind?

    .venv/bin/python benchmarks/nightly_kills.py [--kills 10] [--sites baishi] [--seed 1]

Against the demo portal: one uninterrupted nightly gives the reference database and its duration T.
Then, on a second data directory, `--kills` nightlies are each killed at a random moment in [0.2 s, T]
(crawl, conversion, parsing, writing, vacuum or rename, wherever it falls), and a last one runs to the
end. Printed: per kill, the moment and what it left (processes of the killed run still alive, temporary
files, LibreOffice profiles); after the last run, what is still left, its exit status (75 = locked out)
and whether its database equals the reference row for row.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler import registry as reg  # noqa: E402
from ogi import cleanup  # noqa: E402
from ogi.portal import registry_rows, start_portal  # noqa: E402

VOLATILE = {"first_seen", "last_seen", "last_run_status", "last_run_reports"}
TABLES = ("reports", "documents", "sections", "cells", "checks", "issues", "sites")


def nightly(d: Path, proxy: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ogi.cli", "nightly", "--registry", str(d / "sources.yaml"),
                             "--archive", str(d / "archive"), "--db", str(d / "data" / "ogi.db"), "--no-delay",
                             "--proxy", proxy], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def leftovers(pids: list[int], d: Path) -> dict:
    procs = []
    for p in (int(x) for x in os.listdir("/proc") if x.isdigit()):
        try:
            group = cleanup._stat(p)[1]
        except (OSError, ValueError, IndexError):
            continue
        cmd = cleanup._cmdline(p)
        if not cleanup.alive(p):  # a zombie waiting for init is not running
            continue
        if (group in pids and p not in pids) or any(f"ogi-lo-{k}-" in cmd for k in pids):
            procs.append(p)
    files = [p for p in d.rglob("*") if p.is_file() and (".tmp-" in p.name or p.name.endswith(".tmp"))]
    profiles = [p for k in pids for p in Path(tempfile.gettempdir()).glob(f"ogi-lo-{k}-*")]
    return {"processes": len(procs), "temp_files": len(files), "profiles": len(profiles)}


def _pgid(pid: int):
    try:
        return cleanup._stat(pid)[1]
    except (OSError, ValueError, IndexError):
        return None


def run_dirs(d: Path) -> set:
    return set((d / "archive" / "runs").glob("*")) if (d / "archive" / "runs").exists() else set()


def phase(pid: int, d: Path, before: set) -> str:
    """Where a running nightly is, as seen from outside."""
    db_tmp = d / "data" / f".ogi.db.tmp-{pid}"
    if Path(str(db_tmp) + "-journal").exists():
        return "vacuum"
    if any(Path(tempfile.gettempdir()).glob(f"ogi-lo-{pid}-*")):
        return "conversion"
    group = [p for p in (int(x) for x in os.listdir("/proc") if x.isdigit()) if _pgid(p) == pid and p != pid]
    if any("forkserver" in cleanup._cmdline(p) for p in group):
        return "parse (workers)"
    if db_tmp.exists():
        return "build"
    new = sorted(run_dirs(d) - before)
    if not new:
        return "start"
    return "crawl" if not (new[-1] / "summary.json").exists() else "build"


def rows(db: Path) -> dict:
    conn = sqlite3.connect(db)
    out = {}
    for t in TABLES:
        cols = [c[1] for c in conn.execute(f"pragma table_info({t})") if c[1] not in VOLATILE]
        out[t] = sorted(conn.execute(f"select {', '.join(cols)} from {t}").fetchall(), key=repr)
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--sites", default="baishi")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    sites = set(args.sites.split(","))
    with tempfile.TemporaryDirectory() as tmp, start_portal(port=0, scenario="demo") as portal:
        ref, work = Path(tmp) / "ref", Path(tmp) / "work"
        for d in (ref, work):
            d.mkdir()
            reg.dump([r for r in registry_rows("demo") if r["id"] in sites], d / "sources.yaml")
        t0 = time.monotonic()
        p = nightly(ref, portal.url)
        p.communicate()
        T = time.monotonic() - t0
        print(f"uninterrupted nightly: {T:.1f} s, exit {p.returncode}", flush=True)
        if p.returncode not in (0, 2):
            raise SystemExit("the uninterrupted nightly failed: nothing to compare with")
        killed, last, attempts = [], T, 0
        while len(killed) < args.kills and attempts < 4 * args.kills:
            attempts += 1
            at = rnd.uniform(0.2, last)
            before = run_dirs(work)
            p = nightly(work, portal.url)
            t0 = time.monotonic()
            while p.poll() is None and time.monotonic() - t0 < at:
                time.sleep(0.01)
            if p.poll() is None:
                where = phase(p.pid, work, before)
                p.send_signal(signal.SIGKILL)
                killed.append(p.pid)
                p.wait()
                try:
                    p.communicate(timeout=10)
                except subprocess.TimeoutExpired:  # a leftover holds its stdout: counted below
                    p.stdout.close()
                time.sleep(0.3)
                left = leftovers([p.pid], work)
                print(f"kill {len(killed):2}: at {at:5.1f} s ({where:15})  left: {left}", flush=True)
            else:
                p.communicate()
                last = time.monotonic() - t0  # runs get faster as the caches fill: aim within this one
        p = nightly(work, portal.url)
        out, _ = p.communicate()
        left = leftovers(killed, work)
        same = rows(ref / "data" / "ogi.db") == rows(work / "data" / "ogi.db")
        cleaned = next((line.strip() for line in out.splitlines() if "cleaned up" in line), "nothing to clean")
        print(f"next run: exit {p.returncode}; {cleaned}")
        print(f"after it: {left['processes']} orphan processes, {left['temp_files']} temporary files, "
              f"{left['profiles']} LibreOffice profiles; database equals the uninterrupted one row for row: {same}")


if __name__ == "__main__":
    main()
