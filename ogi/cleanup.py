"""What a killed run leaves behind, found and removed by the next `ogi nightly` (docs/OPERATIONS.md).

A SIGKILL gives a process no chance to clean up. What it can leave, and how each is recognised safely:

- **Its process group.** `ogi nightly` makes itself a process-group leader and writes its pid, group and
  start time into the lock file (``nightly.lock``); everything Python it starts (the forkserver, parse
  workers, forked extractions) stays in that group. A later run finds the lock file still filled in
  (a clean exit empties it) and kills the members of that group — only while no process has the old
  leader's pid: Linux never hands out a pid that is still in use as a group id, so then every member
  is a leftover of the killed run.
- **LibreOffice.** It runs in a session of its own, with a profile directory named
  ``ogi-lo-<owner pid>-*`` that appears on its command line; a LibreOffice whose owner is dead is killed
  and its profile removed.
- **Temporary files.** Every writer names them after its pid: ``.<db>.tmp-<pid>`` (+ journal) next to
  the database (also its ``.inspect.json`` and the ``downloads/`` exports), ``.tmp-<pid>-*`` in the
  archive and the parse cache, ``.<sha>.<pid>.tmp`` in the conversion cache. A file whose pid is not alive is removed.

All of this runs while the nightly lock is held. `ogi.nightly.run_lock` takes a POSIX record lock
(``lockf``), which — unlike ``flock`` — a forked child does not inherit: a killed nightly's lock goes
with it, even while a child it forked is still running.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Iterable, Optional

_PID_TMP = (re.compile(r"^\.tmp-(\d+)-"), re.compile(r"^\..+\.tmp-(\d+)(-journal|-wal|-shm)?$"),
            re.compile(r"^\.[0-9a-f]{64}\.(\d+)\.tmp$"))
_LO_PROFILE = re.compile(r"ogi-lo-(\d+)-[^/\s]*")


def alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        return _stat(pid)[0] != "Z"
    except OSError:
        return False


def _stat(pid: int) -> tuple[str, int, int]:
    """(state, process group, start time in clock ticks) from /proc/<pid>/stat."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()
    return fields[0], int(fields[2]), int(fields[19])


def start_time(pid: int) -> Optional[int]:
    try:
        return _stat(pid)[2]
    except (OSError, ValueError, IndexError):
        return None


def _processes() -> Iterable[int]:
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            yield int(p.name)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def become_group_leader() -> None:
    """Put this process (and what it will start) in a process group of its own."""
    try:
        if os.getpgrp() != os.getpid():
            os.setpgid(0, 0)
    except OSError:
        pass


def holder_line() -> str:
    pid = os.getpid()
    return f"pid {pid} pgid {os.getpgrp()} start {start_time(pid) or 0}"


def parse_holder(text: str) -> Optional[dict]:
    m = re.search(r"pid (\d+) pgid (\d+) start (\d+)", text or "")
    return {"pid": int(m[1]), "pgid": int(m[2]), "start": int(m[3])} if m else None


def group_orphans(holder: Optional[dict]) -> list[int]:
    """Members of a killed run's process group (see module doc)."""
    if not holder or not Path("/proc").is_dir():
        return []
    pgid, me = holder["pgid"], os.getpid()
    if pgid != holder["pid"] or alive(pgid):  # not a group of its own, or the id is someone else's now
        return []
    out = []
    for pid in _processes():
        try:
            state, group, started = _stat(pid)
        except (OSError, ValueError, IndexError):
            continue
        if group == pgid and pid != me and state != "Z" and started >= holder["start"]:
            out.append(pid)
    return out


def libreoffice_orphans() -> list[int]:
    """LibreOffice processes whose owner (the pid in their profile directory's name) is dead."""
    if not Path("/proc").is_dir():
        return []
    out = []
    for pid in _processes():
        m = _LO_PROFILE.search(_cmdline(pid))
        if m and "UserInstallation" in _cmdline(pid) and not alive(int(m[1])) and pid != os.getpid():
            out.append(pid)
    return out


def kill_all(pids: list[int]) -> int:
    n = 0
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            n += 1
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return n


def stale_temp_files(dirs: Iterable[Path], *, deep: Iterable[Path] = ()) -> list[Path]:
    """Temporary files (named after their writer's pid) whose writer is dead. `dirs` are looked at
    one level deep, `deep` recursively."""
    out = []

    def consider(p: Path):
        for rx in _PID_TMP:
            m = rx.match(p.name)
            if m and not alive(int(m[1])):
                out.append(p)
                return

    for d in dirs:
        if Path(d).is_dir():
            for p in Path(d).iterdir():
                consider(p)
    for d in deep:
        if Path(d).is_dir():
            for p in Path(d).rglob(".*"):
                if p.is_file():
                    consider(p)
    return out


def stale_profiles(tmp: Optional[Path] = None) -> list[Path]:
    tmp = Path(tmp or tempfile.gettempdir())
    out = []
    for p in tmp.glob("ogi-lo-*"):
        m = _LO_PROFILE.match(p.name)
        if m and p.is_dir() and not alive(int(m[1])):
            out.append(p)
    return out


def after_kill(previous_holder: Optional[dict], *, db: Path, archive: Path) -> dict:
    """Kill what a killed run left running and remove its temporary files; returns what was done."""
    db, archive = Path(db), Path(archive)
    killed = kill_all(group_orphans(previous_holder)) + kill_all(libreoffice_orphans())
    files = stale_temp_files([db.parent, db.parent / "convert-cache", db.parent / "downloads"],
                             deep=[archive, db.parent / "parse-cache"])
    nightly_tmp = list(archive.glob("runs/*/.nightly.json.tmp"))
    removed = 0
    for p in files + nightly_tmp:
        try:
            p.unlink()
            removed += 1
        except OSError:
            pass
    profiles = stale_profiles()
    for p in profiles:
        shutil.rmtree(p, ignore_errors=True)
    return {"previous_run_killed": previous_holder is not None, "processes_killed": killed,
            "temp_files_removed": removed, "profiles_removed": len(profiles)}
