"""Incremental (nightly) crawling: what may be taken from the archive instead of the network, and the
per-site listing fingerprints.

Rules (docs/DESIGN.md "Crawling", docs/OPERATIONS.md):

- Listings are always fetched: new items push old ones to other pages, so a cached listing page lies.
- A detail page (``role: report_page``, or a list entry linking straight to a document) is *unchanged*
  when the archive's newest fetch of the same URL answered 200 with a usable body, and the URL was listed
  before with the same listed title and date. An unchanged page is replayed from the archive (parsed
  exactly as if fetched, so every family yields the same items) and *touched*: its sidecar gets this
  run's id and a fresh ``last_seen_at`` (``Archive.touch``) and the manifest gets a ``still_listed``
  line, so ``normalize`` keeps the report ``current``. The attachments of a replayed page are replayed
  and touched the same way when the archive has them; missing ones are fetched.
- Revisions published at the same URL under the same list entry are only found by a full run
  (``ogi nightly --full``, weekly).
- Listing fingerprint of a site: the sha256 of the sorted set of (url, listed title, listed date) of
  every entry its listings showed in a run. Kept in ``state/fingerprints.json`` of the archive and
  advanced only after a fully successful run of that site (status ok, no failed request): a partial
  failure sees a partial listing, and advancing on it would hide the missing part as "unchanged".
- The dupefilter is Scrapy's in-memory one: nothing about requests persists between runs.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Optional

from .archive import Archive, utcnow

FINGERPRINTS = "fingerprints"


def listed_key(title: Optional[str], date: Optional[str]) -> list:
    return [title or "", date or ""]


def entry_unchanged(record_meta: dict, title: Optional[str], date: Optional[str]) -> bool:
    """Was the URL listed before under this (title, date)? ``listed_entries`` holds every entry the
    archived bytes were listed under; older sidecars only have ``listed_title``/``listed_date``."""
    want = listed_key(title, date)
    entries = record_meta.get("listed_entries")
    if entries:
        return want in [list(e) for e in entries]
    if "listed_title" not in record_meta:
        return False
    return listed_key(record_meta.get("listed_title"), record_meta.get("listed_date")) == want


def listing_fingerprint(entries: Iterable[tuple]) -> str:
    lines = sorted({json.dumps([u or "", t or "", d or ""], ensure_ascii=False) for u, t, d in entries})
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def site_fully_successful(row: dict) -> bool:
    """A run of a site that saw its whole listing: status ok and no failed request."""
    return row.get("status") == "ok" and not row.get("errors")


def update_fingerprints(archive: Archive, run_id: str, site_rows: list[dict],
                        listed: dict[str, set]) -> dict[str, dict]:
    """Compare every crawled site's listing fingerprint with the stored one and advance the stored one
    for the sites whose run was fully successful. Returns per site: fingerprint, entries, previous,
    changed (None on a site's first run, and when the run did not read the whole listing: a partial
    listing says nothing about change), advanced."""
    stored = archive.read_state(FINGERPRINTS)
    out: dict[str, dict] = {}
    dirty = False
    for row in site_rows:
        sid = row["site"]
        if row.get("status") == "disabled":
            continue
        entries = listed.get(sid, set())
        fp = listing_fingerprint(entries)
        prev = (stored.get(sid) or {}).get("fingerprint")
        complete = site_fully_successful(row)
        info: dict[str, Any] = {"fingerprint": fp, "entries": len(entries), "previous": prev,
                                "changed": None if prev is None or not complete else fp != prev, "advanced": False}
        if complete:
            info["advanced"] = fp != prev
            entry = dict(stored.get(sid) or {})
            if fp != prev:
                entry = {"fingerprint": fp, "entries": len(entries), "changed_in": run_id, "changed_at": utcnow()}
            entry["confirmed_in"] = run_id
            stored[sid] = entry
            dirty = True
        out[sid] = info
    if dirty:
        archive.write_state(FINGERPRINTS, stored)
    return out
