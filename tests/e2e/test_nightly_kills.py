"""A SIGKILLed `ogi nightly` leaves no lock, no orphan and no temporary file after the next run, and the
next run publishes the same rows as a run that was never interrupted.

One site with DOC/WPS and PDF attachments (白石, gkmlpt) on the demo portal. The runs are killed at
points recognised from the outside: while LibreOffice converts (its ``ogi-lo-<pid>-*`` profile exists)
and while documents are parsed in worker processes (a forkserver runs in the nightly's process group;
``.ogi.db.tmp-<pid>`` is being written). benchmarks/nightly_kills.py kills at random moments instead
and prints the figures.
"""
from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from crawler import registry as reg
from ogi import cleanup
from ogi.portal import registry_rows, start_portal

REPO = Path(__file__).resolve().parents[2]
SITE = "baishi"
# columns that record when something was seen, not what it is
VOLATILE = {"first_seen", "last_seen", "last_run_status", "last_run_reports"}
TABLES = ("reports", "documents", "sections", "cells", "checks", "issues", "sites")


def _nightly(tmp: Path, proxy: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ogi.cli", "nightly", "--registry", str(tmp / "sources.yaml"),
                             "--archive", str(tmp / "archive"), "--db", str(tmp / "data" / "ogi.db"), "--no-delay",
                             "--proxy", proxy], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_when(proc: subprocess.Popen, appears, timeout: float = 120) -> bool:
    """SIGKILL `proc` as soon as appears(pid) is true; False when it finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if appears(proc.pid):
            proc.send_signal(signal.SIGKILL)
            _reap(proc)
            return True
        time.sleep(0.01)
    proc.communicate()
    return False


def _reap(proc: subprocess.Popen) -> None:
    """Wait for a killed run; a leftover that still holds its stdout must not hang the test (the
    leftover itself is what `_leftovers` reports)."""
    proc.wait()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.stdout.close()
        proc.stderr.close()


def _rows(db: Path) -> dict:
    conn = sqlite3.connect(db)
    out = {}
    for t in TABLES:
        cols = [c[1] for c in conn.execute(f"pragma table_info({t})") if c[1] not in VOLATILE]
        out[t] = sorted(conn.execute(f"select {', '.join(cols)} from {t}").fetchall(), key=repr)
    conn.close()
    return out


def _leftovers(pids: list[int], tmp: Path) -> dict:
    procs = [p for p in map(int, filter(str.isdigit, os.listdir("/proc")))
             if cleanup.alive(p) and (any(f"ogi-lo-{k}-" in cleanup._cmdline(p) for k in pids)
                                      or (_pgid(p) in pids and p not in pids))]
    files = [str(p) for p in tmp.rglob("*") if p.is_file() and (".tmp-" in p.name or p.name.endswith(".tmp"))]
    profiles = [str(p) for k in pids for p in Path(tempfile.gettempdir()).glob(f"ogi-lo-{k}-*")]
    return {"processes": procs, "files": files, "profiles": profiles}


def _parsing_in_workers(pid: int) -> bool:
    return any("forkserver" in cleanup._cmdline(p) for p in map(int, filter(str.isdigit, os.listdir("/proc")))
               if _pgid(p) == pid)


def _pgid(pid: int):
    try:
        return cleanup._stat(pid)[1]
    except (OSError, ValueError, IndexError):
        return None


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    ref, tmp = tmp_path_factory.mktemp("uninterrupted"), tmp_path_factory.mktemp("killed")
    rows = [r for r in registry_rows("demo") if r["id"] == SITE]
    for d in (ref, tmp):
        reg.dump(rows, d / "sources.yaml")
    out = {"killed": []}
    with start_portal(port=0, scenario="demo") as portal:
        reference = _nightly(ref, portal.url)  # runs alongside the killed ones
        converting = _nightly(tmp, portal.url)
        lo = lambda pid: any(Path(tempfile.gettempdir()).glob(f"ogi-lo-{pid}-*/profile"))
        if _kill_when(converting, lo):
            time.sleep(0.3)  # LibreOffice, in a session of its own, goes on converting: an orphan
            out["killed"].append(converting.pid)
            out["left_converting"] = _leftovers(out["killed"], tmp)
        parsing = _nightly(tmp, portal.url)
        if _kill_when(parsing, _parsing_in_workers if (os.cpu_count() or 1) > 1 else
                      lambda pid: (tmp / "data" / f".ogi.db.tmp-{pid}").exists()):
            out["killed"].append(parsing.pid)
        deadline = time.monotonic() + 5  # a dying process needs a moment (not a bound on anything)
        while _leftovers(out["killed"][-1:], tmp)["processes"] and time.monotonic() < deadline:
            time.sleep(0.1)
        out["left_parsing"] = _leftovers(out["killed"][-1:], tmp)  # before any other run has cleaned up
        nxt = _nightly(tmp, portal.url)
        out["next_stdout"], out["next_stderr"] = nxt.communicate(timeout=300)
        out["next_rc"] = nxt.returncode
        reference.communicate(timeout=300)
        out["reference_rc"] = reference.returncode
    out["after"] = _leftovers(out["killed"], tmp)
    out["ref_db"], out["db"] = ref / "data" / "ogi.db", tmp / "data" / "ogi.db"
    out["lock"] = tmp / "nightly.lock"
    return out


def test_both_runs_were_killed_mid_way_and_left_something(runs):
    assert len(runs["killed"]) == 2
    # what a SIGKILL leaves, for the next run to clean up
    assert runs["left_converting"]["profiles"] and runs["left_parsing"]["files"]
    # but no parse worker, forkserver or extraction outlives the killed run: they die with it
    assert runs["left_parsing"]["processes"] == []


def test_the_next_run_is_not_locked_out_and_cleans_up(runs):
    assert runs["next_rc"] == 0, runs["next_stdout"] + runs["next_stderr"]
    assert "cleaned up after a killed run" in runs["next_stdout"]
    assert runs["after"] == {"processes": [], "files": [], "profiles": []}
    assert runs["lock"].read_text() == ""  # a clean exit empties the lock file


def test_the_next_run_publishes_what_an_uninterrupted_run_publishes(runs):
    assert runs["reference_rc"] == 0
    ref, got = _rows(runs["ref_db"]), _rows(runs["db"])
    assert ref["reports"] and {t: len(v) for t, v in got.items()} == {t: len(v) for t, v in ref.items()}
    for t in TABLES:
        assert got[t] == ref[t], t


def test_a_forked_child_does_not_keep_the_lock_of_a_killed_run(tmp_path):
    """The lock goes with the process that took it, not with a child it forked (a PDF extraction)."""
    lock = tmp_path / "nightly.lock"
    code = ("import os, sys, time\nfrom pathlib import Path\nfrom ogi.nightly import run_lock\n"
            "with run_lock(Path(sys.argv[1])):\n"
            "    if os.fork() == 0:\n        time.sleep(30); os._exit(0)\n"
            "    print('locked', flush=True); time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(lock)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with open(lock, "a+") as fh:
            with pytest.raises(OSError):
                fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while the run lives
        holder.kill()
        holder.wait()
        with open(lock, "a+") as fh:
            fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # free at once, the child still sleeping
            fh.seek(0)
            killed = cleanup.parse_holder(fh.read())
        assert killed["pid"] == holder.pid and cleanup.group_orphans(killed)  # the sleeping child
        assert cleanup.kill_all(cleanup.group_orphans(killed)) == 1 and not cleanup.group_orphans(killed)
    finally:
        holder.kill()
