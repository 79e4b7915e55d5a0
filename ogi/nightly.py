"""`ogi nightly`: the scheduled run — one locked, incremental crawl, a rebuild, an atomic publish and a
short summary (docs/OPERATIONS.md).

1. Take an exclusive ``flock`` on ``nightly.lock`` next to the archive (``data/nightly.lock``); when
   another nightly holds it, exit at once with EXIT_LOCKED.
2. Crawl every enabled registry row. Incremental by default: listings are always fetched, unchanged
   detail pages and their attachments are replayed from the archive and touched, not re-fetched
   (crawler/incremental.py). ``--full`` re-fetches everything (weekly: revisions at the same URL).
3. Build the database from the whole archive into a temporary file and rename it over the published
   path (``normalize.build.build``): a reader sees the previous database or the new one, never a
   half-built file; ``ogi serve`` restarts Datasette on the new inode. The build is incremental (a copy
   of the published database with only the changed agencies rewritten, normalize/incremental.py)
   unless ``--full`` or something global changed; the summary says which and why.
4. Compare the new database with the one it replaced (new reports, changed documents, removed reports),
   print the summary and write it to ``runs/<run_id>/nightly.json`` in the archive.

Publishing policy: a run whose summary has errors (a site blocked, a site with zero reports that expects
some, failed requests) still publishes — the build reads the whole archive, so nothing already collected
is lost, and a site whose run was not fully successful does not count as having dropped its reports
(they stay ``current``; see normalize/build.py) — but the command exits with EXIT_ERRORS so that cron
mails / systemd marks the unit failed. When the build itself fails nothing is published: the previous
database stays in place (EXIT_BUILD_FAILED).
"""
from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional

EXIT_OK = 0
EXIT_BUILD_FAILED = 1  # nothing published; the previous database is still served
EXIT_ERRORS = 2  # published, but the run summary has errors
EXIT_LOCKED = 75  # EX_TEMPFAIL: another `ogi nightly` is running

LIST_AT_MOST = 10
# what the build says about itself (normalize/build.py): incremental or full, and why full
BUILD_KEYS = ("mode", "full_because", "agencies_rewritten", "agencies_removed", "reports_rewritten", "reports_removed",
              "download_parts")


class Locked(RuntimeError):
    def __init__(self, path: Path, holder: str):
        super().__init__(f"another `ogi nightly` is running (lock {path} held by {holder or 'another process'})")
        self.path, self.holder = path, holder


def lock_path_for(archive: Path) -> Path:
    return Path(archive).resolve().parent / "nightly.lock"


@contextmanager
def run_lock(path: Path) -> Iterator[Optional[dict]]:
    """An exclusive, non-blocking lock on `path` for the duration of the run; yields the holder of a
    killed earlier run (pid, process group, start time) or None.

    A POSIX record lock (``lockf``) belongs to the process alone: a child it forked (a PDF extraction)
    does not inherit it, so a killed run never leaves a stale lock. The file keeps the holder's pid for
    the message and for `ogi.cleanup` (a clean exit empties it)."""
    from .cleanup import become_group_leader, holder_line, parse_holder

    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+", encoding="utf-8")
    try:
        fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        holder = fh.read().strip()
        fh.close()
        raise Locked(path, holder) from None
    try:
        fh.seek(0)
        previous = parse_holder(fh.read())
        become_group_leader()
        fh.seek(0)
        fh.truncate()
        fh.write(f"{holder_line()} since {_now()}\n")
        fh.flush()
        yield previous
    finally:
        fh.seek(0)
        fh.truncate()
        fh.flush()
        fcntl.lockf(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# -- the published database before and after ---------------------------------------------------------
def snapshot(db: Path) -> Optional[dict]:
    """Report ids/status/title and document ids of a published database (None when there is none)."""
    if not Path(db).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            reports = {r[0]: {"status": r[1], "title": r[2], "site": r[3]}
                       for r in conn.execute("select id, status, title, site_id from reports")}
            documents = {r[0]: {"report_id": r[1], "url": r[2], "role": r[3]}
                         for r in conn.execute("select id, report_id, url, role from documents")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return {"reports": reports, "documents": documents}


def compare(old: Optional[dict], new: Optional[dict]) -> dict:
    """What a publish changed: new reports, reports newly removed (or back again), and new documents of
    reports that were already published (revisions, re-stamped copies, new attachments)."""
    if new is None:
        return {"new_reports": [], "removed_reports": [], "reappeared_reports": [], "changed_documents": [],
                "new_documents": 0}
    before = (old or {}).get("reports", {})
    old_docs = (old or {}).get("documents", {})
    out = {
        "new_reports": [{"id": rid, **r} for rid, r in sorted(new["reports"].items()) if rid not in before],
        "removed_reports": [{"id": rid, **r} for rid, r in sorted(new["reports"].items())
                            if r["status"] == "removed" and (before.get(rid) or {}).get("status") != "removed"],
        "reappeared_reports": [{"id": rid, **r} for rid, r in sorted(new["reports"].items())
                               if r["status"] == "current" and (before.get(rid) or {}).get("status") == "removed"],
    }
    new_docs = {d: v for d, v in new["documents"].items() if d not in old_docs}
    out["changed_documents"] = [{"id": d, **v} for d, v in sorted(new_docs.items()) if v["report_id"] in before]
    out["new_documents"] = len(new_docs)
    return out


# -- the run manifest ---------------------------------------------------------------------------------
def manifest_counts(archive: Path, run_id: str) -> dict:
    """Fetched vs touched documents of a run, from its manifest."""
    counts = {"report_pages_fetched": 0, "attachments_fetched": 0, "report_pages_still_listed": 0,
              "attachments_still_listed": 0, "listings_fetched": 0}
    path = Path(archive) / "runs" / run_id / "manifest.jsonl"
    if not path.exists():
        return counts
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            kind = e.get("kind")
            if e.get("event") == "response":
                key = {"report_page": "report_pages_fetched", "attachment": "attachments_fetched",
                       "listing": "listings_fetched"}.get(kind)
            elif e.get("event") == "still_listed":
                key = {"report_page": "report_pages_still_listed", "attachment": "attachments_still_listed"}.get(kind)
            else:
                key = None
            if key:
                counts[key] += 1
    return counts


# -- the run -------------------------------------------------------------------------------------------
def run(rows: list[dict], archive: Path, db: Path, *, full: bool = False,
        crawl: Callable[..., dict], build: Callable[[Path, Path], dict], killed: Optional[dict] = None,
        **crawl_kw) -> dict:
    """Crawl, build and publish; returns the nightly summary (also written to the run folder).
    `crawl(rows, archive, incremental=…, **crawl_kw)` and `build(archive, db)` are injected so the CLI can
    wrap them in progress displays. The caller holds the lock; `killed` is what `run_lock` yielded (the
    holder of a killed earlier run): its processes and temporary files are cleaned up first."""
    from .cleanup import after_kill

    t0 = time.monotonic()
    started = _now()
    cleaned = after_kill(killed, db=Path(db), archive=Path(archive))
    before = snapshot(db)
    errors: list[dict] = []
    summary: Optional[dict] = None
    try:
        summary = crawl(rows, archive, incremental=not full, **crawl_kw)
    except Exception as exc:  # the crawl died: publish what the archive has, report the failure
        errors.append({"site": None, "error": f"crawl failed: {type(exc).__name__}: {exc}"})
    t_crawl = time.monotonic() - t0
    if summary:
        errors = list(summary.get("errors") or []) + errors
    published = None
    t1 = time.monotonic()
    try:
        counts = build(archive, db)
        published = {"db": str(db), "reports": counts.get("reports"), "documents": counts.get("documents"),
                     "build": {k: counts[k] for k in BUILD_KEYS if k in counts}}
    except Exception as exc:
        errors.append({"site": None, "error": f"build failed, nothing published: {type(exc).__name__}: {exc}"})
    t_build = time.monotonic() - t1
    after = snapshot(db) if published else None
    run_id = (summary or {}).get("run_id")
    sites = []
    for s in (summary or {}).get("sites", []):
        sites.append({k: s.get(k) for k in ("site", "status", "reports", "report_pages", "still_listed", "errors",
                                             "listing_entries", "fingerprint_changed", "fingerprint_advanced")})
    totals = (summary or {}).get("totals", {})
    out = {
        "run_id": run_id, "mode": "full" if full else "incremental", "started_at": started, "finished_at": _now(),
        "seconds": {"crawl": round(t_crawl, 1), "build": round(t_build, 1), "total": round(time.monotonic() - t0, 1)},
        "requests": totals.get("requests"), "still_listed": totals.get("still_listed"),
        **(manifest_counts(archive, run_id) if run_id else {}),
        "sites": sites,
        **compare(before, after),
        "failures": (summary or {}).get("failures") or [],
        "published": published,
        "cleaned": cleaned,
        "errors": errors,
    }
    out["exit_code"] = EXIT_BUILD_FAILED if published is None else EXIT_ERRORS if errors else EXIT_OK
    if run_id:
        path = Path(archive) / "runs" / run_id / "nightly.json"
        tmp = path.with_name(".nightly.json.tmp")
        tmp.write_text(json.dumps(out, ensure_ascii=False, indent=1), "utf-8")
        os.replace(tmp, path)
        out["summary_path"] = str(path)
    return out


def format_summary(s: dict) -> str:
    """The few lines an operator reads (cron mail, journal)."""
    def ids(rows):
        shown = ", ".join(r["id"] for r in rows[:LIST_AT_MOST])
        return f"  ({shown}{', …' if len(rows) > LIST_AT_MOST else ''})" if rows else ""

    sites = s.get("sites") or []
    ok = sum(1 for x in sites if x["status"] == "ok")
    changed = [x["site"] for x in sites if x.get("fingerprint_changed")]
    lines = [
        f"ogi nightly {s.get('run_id') or '(no crawl)'} ({s['mode']}): {len(sites)} sites, {ok} ok",
        f"  requests          {s.get('requests') or 0}  (report pages fetched {s.get('report_pages_fetched', 0)}, "
        f"attachments fetched {s.get('attachments_fetched', 0)}; still listed, not re-fetched: "
        f"{s.get('report_pages_still_listed', 0)} pages, {s.get('attachments_still_listed', 0)} attachments)",
        f"  new reports       {len(s['new_reports'])}{ids(s['new_reports'])}",
        f"  changed documents {len(s['changed_documents'])}"
        + (f"  (of {', '.join(sorted({d['report_id'] for d in s['changed_documents']})[:LIST_AT_MOST])})"
           if s["changed_documents"] else ""),
        f"  removed reports   {len(s['removed_reports'])}{ids(s['removed_reports'])}",
    ]
    if s.get("reappeared_reports"):
        lines.append(f"  back again        {len(s['reappeared_reports'])}{ids(s['reappeared_reports'])}")
    lines.append(f"  listings changed  {len(changed)}" + (f"  ({', '.join(changed)})" if changed else ""))
    lines.append(f"  errors            {len(s['errors'])}")
    for e in s["errors"][:LIST_AT_MOST]:
        lines.append(f"    - {e.get('site') or 'run'}: {e.get('error')}")
    failures = s.get("failures") or []
    if failures:
        lines.append(f"  failed requests   {sum(f['count'] for f in failures)}")
        for f in failures[:LIST_AT_MOST]:
            lines.append(f"    - {f['site'] or 'run'}: {f['causes']}")
    sec = s["seconds"]
    if s.get("published"):
        p = s["published"]
        lines.append(f"  published {p['db']}: {p['reports']} reports, {p['documents']} documents "
                     f"(crawl {sec['crawl']} s, build {sec['build']} s)")
        b = p.get("build") or {}
        if b.get("mode") == "incremental":
            lines.append(f"  build             incremental: {b.get('reports_rewritten', 0)} reports rewritten "
                         f"({b.get('agencies_rewritten', 0)} agencies), {b.get('reports_removed', 0)} removed")
        elif b.get("mode"):
            lines.append(f"  build             full ({b.get('full_because')})")
        d = b.get("download_parts")
        if d:  # the panel download's parts (normalize/export_parts.py): unchanged agencies' parts are reused
            lines.append(f"  panel download    {d['parts']} parts: {d['written']} written, {d['reused']} reused")
    else:
        lines.append("  NOT published: the previous database is still served")
    c = s.get("cleaned") or {}
    if c.get("processes_killed") or c.get("temp_files_removed") or c.get("profiles_removed"):
        lines.append(f"  cleaned up after a killed run: {c['processes_killed']} processes, "
                     f"{c['temp_files_removed']} temporary files, {c['profiles_removed']} LibreOffice profiles")
    if s.get("summary_path"):
        lines.append(f"  summary {s['summary_path']}")
    return "\n".join(lines)
