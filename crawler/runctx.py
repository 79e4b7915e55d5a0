"""Per-run state shared by every spider and middleware of one crawl run: the archive, the run
manifest, the blocked hosts (reported once each), per-site counters, and for incremental runs the
archive's newest fetch of every URL (read once at the start of the run)."""
from __future__ import annotations

import threading
from collections import defaultdict
from typing import Optional

from .archive import Archive, Manifest

_RUNS: dict[str, "RunContext"] = {}
_LOCK = threading.Lock()


class RunContext:
    def __init__(self, run_id: str, archive_dir: str):
        self.run_id = run_id
        self.archive = Archive(archive_dir)
        self.manifest = Manifest(self.archive, run_id)
        self.blocked_hosts: dict[str, dict] = {}
        self.host_requests: dict[str, int] = defaultdict(int)
        self.robots_disallowed: dict[str, list[str]] = defaultdict(list)
        self.reports: dict[str, list[dict]] = defaultdict(list)  # site id -> report items
        self.attachments: dict[str, int] = defaultdict(int)
        self.negatives: dict[str, list[dict]] = defaultdict(list)
        self.errors: list[dict] = []
        self.refused: list[dict] = []  # requests the guards refused (crawler/guards.py)
        self.listed: dict[str, set] = defaultdict(set)  # listing site -> {(url, listed title, date)}
        self.still_listed: dict[str, int] = defaultdict(int)  # site -> documents touched, not re-fetched
        self.incremental = False
        self.previous: dict[str, dict] = {}  # url -> newest sidecar record before this run (incremental)
        self.replayed: set[str] = set()  # URLs served from the archive in this run

    def start_incremental(self) -> None:
        """Read the archive's newest fetch of every URL before the crawl starts (fetches of this run
        must not count as "already in the archive")."""
        self.incremental = True
        self.previous = self.archive.url_index()

    def note_listed(self, site: str, url: str, title: str, date: Optional[str]) -> None:
        self.listed[site].add((url, title or "", date or ""))

    def block_host(self, host: str, kind: str, status: int, url: str, evidence_sha1: str, site: Optional[str]) -> bool:
        """Record a blocked host; returns True the first time only."""
        if host in self.blocked_hosts:
            return False
        self.blocked_hosts[host] = {
            "host": host, "site": site, "kind": kind, "first_status": status, "url": url,
            "evidence_sha1": evidence_sha1,
        }
        self.manifest.write(event="host_blocked", **self.blocked_hosts[host])
        return True


def get(run_id: str, archive_dir: str) -> RunContext:
    with _LOCK:
        ctx = _RUNS.get(run_id)
        if ctx is None:
            ctx = _RUNS[run_id] = RunContext(run_id, archive_dir)
        return ctx


_STANDALONE: list[str] = []


def from_settings(settings) -> RunContext:
    """The run of these Scrapy settings. ``scrapy crawl`` without ``ogi crawl`` sets no OGI_RUN_ID: the
    process gets one run id of its own, archived under OGI_ARCHIVE_DIR (default data/archive)."""
    run_id = settings.get("OGI_RUN_ID")
    if not run_id:
        with _LOCK:
            if not _STANDALONE:
                import os
                from datetime import datetime, timezone
                _STANDALONE.append(datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}")
        run_id = _STANDALONE[0]
    return get(run_id, settings.get("OGI_ARCHIVE_DIR") or "data/archive")


def pop(run_id: str) -> Optional[RunContext]:
    with _LOCK:
        return _RUNS.pop(run_id, None)
